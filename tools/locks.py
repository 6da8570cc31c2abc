"""Write the course's pinned requirement files from what is installed in .venv.

    python -m tools.locks            # rewrite requirements.txt, requirements/runtime.txt, book.txt
    python -m tools.locks --check    # exit 1 if any of them differs from what it would write

Three locks, one set of versions (those installed in ``.venv``, so their pins always agree):

- ``requirements.txt``: everything in ``.venv`` (``pip freeze``), what ``make venv`` installs:
  the runtime, the book, the hub, the tests and the linters.
- ``requirements/runtime.txt``: what a student's kernel needs (the ``runtime`` extra of
  pyproject.toml and the package's own dependencies, with everything they pull in). Hub images,
  TLJH's user environment and the student edition install this one. It pins no JupyterHub:
  a hub brings its own, and the single-user server must match the hub's major version.
- ``requirements/book.txt``: ``-r runtime.txt`` plus what building the book adds (the ``book``
  extra: Jupyter Book and the Sphinx extensions ``_config.yml`` names).

The closure is computed from the installed distributions' metadata (``Requires-Dist``, markers
evaluated for this interpreter), so it needs no network.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata as metadata
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPOSITORY = Path(__file__).resolve().parent.parent
FULL = REPOSITORY / "requirements.txt"
RUNTIME = REPOSITORY / "requirements" / "runtime.txt"
BOOK = REPOSITORY / "requirements" / "book.txt"
#: Never in the runtime lock, whatever pulls them in: the hub brings its own JupyterHub.
NOT_IN_RUNTIME = {"jupyterhub"}
#: pip freeze leaves these out; so do the locks (pip and the venv provide them).
PACKAGING_TOOLS = {"pip", "setuptools", "wheel"}

FULL_HEADER = """\
# Pinned environment for the course (Python 3.11, CPU). Regenerate with 'make lock'.
# GPU hubs: install requirements-gpu.txt on top (tensorflow[and-cuda]).
"""
RUNTIME_HEADER = """\
# What a student's kernel needs (labs, assignments, nbgrader's Assignment List, TensorBoard on a
# hub), pinned to the versions of requirements.txt. Written by 'make lock' (tools/locks.py) from
# pyproject.toml's dependencies and its 'runtime' extra: do not edit by hand.
# Tested with Python 3.11; requires-python allows 3.11-3.13. No JupyterHub here: the hub brings
# its own (the single-user server must match the hub's major version).
# GPU machines: install requirements-gpu.txt on top.
"""
BOOK_HEADER = """\
# Building the book: the runtime (the build executes the labs) plus Jupyter Book and the Sphinx
# extensions that _config.yml names, pinned to the versions of requirements.txt. Written by
# 'make lock' (tools/locks.py) from pyproject.toml's 'book' extra: do not edit by hand.
-r runtime.txt
"""


def declared(extra: str | None) -> list[Requirement]:
    """pyproject.toml's dependencies (extra None) or one of its optional-dependencies."""
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    items = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(item) for item in items if not item.startswith("gancourse")]


def _installed() -> dict[str, metadata.Distribution]:
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist)
    return found


def closure(roots: list[Requirement], installed: dict[str, metadata.Distribution]) -> set[str]:
    """Canonical names of ``roots`` and everything they require here (markers evaluated)."""
    environment = default_environment()
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    todo = [(req, "") for req in roots]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate(environment | {"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        if name in PACKAGING_TOOLS:
            continue
        dist = installed.get(name)
        if dist is None:
            raise SystemExit(f"{req.name} is required but not installed in this environment")
        names.add(name)
        for wanted in {""} | {canonicalize_name(e) for e in req.extras}:
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            for line in dist.requires or []:
                todo.append((Requirement(line), wanted))
    return names


def freeze() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def pins(lines: list[str]) -> dict[str, str]:
    """Canonical name -> the 'Name==version' line, from requirement lines."""
    out = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            out[canonicalize_name(line.split("==", 1)[0])] = line
    return out


def render() -> dict[Path, str]:
    installed = _installed()
    frozen = pins(freeze())
    runtime = closure(declared(None) + declared("runtime"), installed) - NOT_IN_RUNTIME
    book = closure(declared("book"), installed) - runtime - NOT_IN_RUNTIME
    missing = sorted((runtime | book) - set(frozen))
    if missing:
        raise SystemExit(f"installed but not in pip freeze (editable?): {missing}")

    def lines(names):
        return "".join(
            f"{frozen[name]}\n" for name in sorted(names, key=lambda n: frozen[n].lower())
        )

    return {
        FULL: FULL_HEADER + "".join(f"{line}\n" for line in frozen.values()),
        RUNTIME: RUNTIME_HEADER + lines(runtime),
        BOOK: BOOK_HEADER + lines(book),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.locks", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in render().items():
        old = path.read_text() if path.is_file() else ""
        if old == text:
            continue
        if args.check:
            stale.append(path)
            rel = str(path.relative_to(REPOSITORY))
            sys.stdout.writelines(
                difflib.unified_diff(old.splitlines(True), text.splitlines(True), rel, rel)
            )
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(REPOSITORY)}")
    if stale:
        print(f"stale: {', '.join(str(p.relative_to(REPOSITORY)) for p in stale)}; run `make lock`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
