"""The package's commands: ``python -m gancourse doctor`` (is this environment ready?)."""

from __future__ import annotations

import sys

COMMANDS = {"doctor": "check Python, TensorFlow, GPUs, data, weights and nbgrader; say what to fix"}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m gancourse COMMAND\n\ncommands:", file=sys.stderr)
        for name, purpose in COMMANDS.items():
            print(f"  {name:<8} {purpose}", file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    from gancourse import doctor

    return doctor.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
