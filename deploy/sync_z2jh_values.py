"""Copy deploy/jupyterhub_config.py into deploy/z2jh-values.yaml (``hub.extraFiles.gan-course``).

The chart's schema wants a hub file's content in the values (``stringData``), so that
``helm upgrade --values deploy/z2jh-values.yaml`` alone installs the course's hub configuration.
jupyterhub_config.py stays the one place to edit; after an edit, run

    python deploy/sync_z2jh_values.py

tests/test_deploy.py fails while the two differ. Only the block between the two marker comments
is rewritten.
"""

import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
VALUES = DEPLOY / "z2jh-values.yaml"
SOURCE = DEPLOY / "jupyterhub_config.py"
BEGIN = "# BEGIN deploy/jupyterhub_config.py (python deploy/sync_z2jh_values.py)"
END = "# END deploy/jupyterhub_config.py"
INDENT = " " * 8


def rendered(values: str, source: str) -> str:
    """``values`` with the block between the markers replaced by ``source``, indented."""
    lines = values.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"{VALUES.name} needs exactly one {BEGIN!r} ... {END!r} block")
    block = "".join(INDENT + line if line.strip() else "\n" for line in source.splitlines(True))
    # The markers sit at the indentation of stringData; the block scalar follows the first one.
    return "".join(lines[: starts[0] + 2]) + block + "".join(lines[ends[0] :])


def main() -> int:
    new = rendered(VALUES.read_text(), SOURCE.read_text())
    if new != VALUES.read_text():
        VALUES.write_text(new)
        print(f"{VALUES.relative_to(DEPLOY.parent)}: hub.extraFiles.gan-course updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
