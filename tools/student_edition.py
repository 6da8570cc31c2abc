"""Write the student edition: what students clone, download, open on Colab or launch on a hub.

    python -m tools.student_edition                        # into _build/student-edition
    python -m tools.student_edition --out DIR --git      # also a git repository, one commit

The edition holds the book's sources (``_config.yml``, ``_toc.yml``, ``book/`` with the labs),
the released assignments (``assignments/``), the datasets and the trained weights (``data/``),
the package (``gancourse/``, ``pyproject.toml``), the runtime requirements
(``requirements/runtime.txt``, ``requirements-gpu.txt``), ``addresses.toml``, the LICENSE and a
student README. It holds nothing private: no ``solutions/``, no ``autograder/`` (nbgrader's
configuration, the checks, probes, calibrations, attacks and the libraries of wrong and correct
solutions) nor the package's part that only the grader uses (``gancourse/grading.py``), no
``tests/``, ``tools/``, ``deploy/``, ``.ci/`` or maintainer's Makefile. Only files
that git tracks or would track are copied (no caches, no ignored build outputs).

When the course's addresses name the edition's GitHub repository (``addresses.toml`` or
``GANCOURSE_EDITION_REPOSITORY``), each lab of the edition gets a first code cell that, on Colab
only, downloads the edition, installs the package from it and points ``GANCOURSE_DATA_DIR`` and
``GANCOURSE_WEIGHTS_DIR`` at its ``data/``; elsewhere the cell does nothing. Without a repository
there is no Colab button, so no cell. The released assignments get no such cell: they are
submitted through the hub's Assignment List, and a cell that installs software has no place in a
graded notebook.

The publishing workflow (``.github/workflows/publish.yml``) commits the folder on top of the
edition repository's history with a git directory of its own, so the folder is no repository by
default; ``--git`` makes it one with a single commit on the edition's branch (for a first push
by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPOSITORY / "_build" / "student-edition"

#: What the edition copies from the repository: folders (their tracked files) and single files.
FOLDERS = ("book", "assignments", "data", "gancourse")
FILES = (
    "_config.yml",
    "_toc.yml",
    "pyproject.toml",
    "LICENSE",
    "requirements/runtime.txt",
    "requirements-gpu.txt",
)
#: Never in the edition, whatever the lists above say (the test checks the built tree too).
PRIVATE = (
    "solutions",
    "autograder",
    "tests",
    "tools",
    "deploy",
    ".ci",
    ".github",
    "artifacts",
    "Makefile",
    "requirements.txt",
    # The grader's nbgrader preprocessors (hidden-test stripping, output sanitising): they live
    # in the package for the autograder's configuration; no student code imports them.
    "gancourse/grading.py",
)
#: The Colab cell: its id and tags make it recognisable (and hide it from a book build).
COLAB_CELL_ID = "gancourse-colab-setup"
COLAB_TAGS = ["gancourse-colab-setup", "remove-cell"]
#: Where the Colab cell unpacks the edition.
COLAB_HOME = "/content/gan-course"

COLAB_SOURCE = """\
# On Google Colab only: download the course's student edition (the gancourse package, the
# datasets and the trained weights) and install the package. Anywhere else this does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import os
    import pathlib
    import subprocess
    import urllib.request
    import zipfile

    edition = pathlib.Path({home})
    if not (edition / "pyproject.toml").is_file():
        archive, _ = urllib.request.urlretrieve({archive})
        with zipfile.ZipFile(archive) as zipped:
            top = zipped.namelist()[0].split("/")[0]
            zipped.extractall(edition.parent)
        (edition.parent / top).rename(edition)
    # --no-deps keeps Colab's own TensorFlow, NumPy and Matplotlib (no runtime restart).
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", str(edition)],
        check=True,
    )
    importlib.invalidate_caches()
    os.environ["GANCOURSE_DATA_DIR"] = str(edition / "data")
    os.environ["GANCOURSE_WEIGHTS_DIR"] = str(edition / "data" / "weights")
"""

README = """\
# GAN course: the student edition

The student's copy of the open course on Generative Adversarial Networks: the book's sources
(theory chapters and the labs in `book/`), the problem sets as released to students
(`assignments/`), the datasets and the trained reference models (`data/`), and the small Python
package the labs and problem sets import (`gancourse/`). It is generated from the course's
repository by `make student-edition`; do not edit it here.
{book_line}
## Install (your own machine)

Python 3.11, 3.12 or 3.13 (tested with 3.11):

```bash
python3 -m venv .venv
.venv/bin/pip install -r requirements/runtime.txt    # the pinned versions the course uses
.venv/bin/pip install -e .                           # the gancourse package, from this folder
.venv/bin/python -m gancourse doctor                 # checks Python, TensorFlow, data, weights
```

On a machine with an NVIDIA GPU, install `requirements-gpu.txt` instead of the runtime lock.
The package finds `data/` beside it when installed with `-e` from this folder. Elsewhere (a
non-editable install, a hub image) set `GANCOURSE_DATA_DIR` to this folder's `data/` and
`GANCOURSE_WEIGHTS_DIR` to `data/weights/`; `python -m gancourse doctor` says what is missing.

## Open the labs

```bash
.venv/bin/jupyter lab book/labs/data-pipelines.ipynb
```

Work through the labs in the book's order: {labs}. Each runs on a laptop's CPU in minutes; the
final figures come from the trained weights in `data/weights/`.
{colab_line}
## Problem sets

`assignments/` holds the problem sets as released. Your course's JupyterHub hands them out and
collects them (JupyterLab's *Assignments* tab); submit there, not from this copy.

## License

See `LICENSE` (code under MIT, text under CC BY 4.0) and `data/LICENSE-*.txt` for the datasets.
"""


def _listed(root: Path) -> list[str]:
    """Files git tracks or would track (not ignored), relative to ``root``."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        out = b""
    if out:
        return [name for name in out.decode().split("\0") if name]
    # Not a git checkout: everything but caches.
    skip = {"__pycache__", ".ipynb_checkpoints", ".ruff_cache", ".pytest_cache", "_build"}
    return [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not skip & set(path.relative_to(root).parts)
    ]


def selected(root: Path = REPOSITORY, assignments: list[str] | None = None) -> list[str]:
    """The repository's files that go into the edition, relative paths; ``assignments`` limits
    the released assignments to those names (None: every one in ``assignments/``)."""
    names = []
    for name in _listed(root):
        parts = Path(name).parts
        if parts[0] in PRIVATE or name in PRIVATE:
            continue
        if parts[0] == "assignments" and assignments is not None and parts[1] not in assignments:
            continue
        if (parts[0] in FOLDERS or name in FILES) and (root / name).is_file():
            names.append(name)
    return sorted(set(names))


def colab_cell(archive_url: str) -> dict:
    """The Colab set-up cell (nbformat 4.5 JSON) that downloads ``archive_url``."""
    # JSON strings are Python string literals (double-quoted, as ruff formats them).
    source = COLAB_SOURCE.format(home=json.dumps(COLAB_HOME), archive=json.dumps(archive_url))
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": COLAB_CELL_ID,
        "metadata": {"tags": list(COLAB_TAGS)},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }


def add_colab_cell(path: Path, archive_url: str) -> None:
    """Insert the Colab cell as the notebook's first code cell (after a title cell)."""
    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    if any(cell.get("id") == COLAB_CELL_ID for cell in cells):
        return
    cell = colab_cell(archive_url)
    if (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) < (4, 5):
        del cell["id"]  # cell ids arrived with nbformat 4.5
    at = 1 if cells and cells[0].get("cell_type") == "markdown" else 0
    cells.insert(at, cell)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string for these values


def addresses_text(addresses) -> str:
    """The edition's addresses.toml: the values this build used (environment included)."""
    return (
        "# The course's public addresses as the student edition was built with them\n"
        "# (see gancourse/addresses.py). Empty: not published.\n\n"
        f"[student_edition]\nrepository = {_toml_string(addresses.edition_repository)}\n"
        f"branch = {_toml_string(addresses.edition_branch)}\n\n"
        f"[hub]\nurl = {_toml_string(addresses.hub_url)}\n\n"
        f"[book]\nurl = {_toml_string(addresses.book_url)}\n"
    )


def _labs(out: Path) -> list[Path]:
    return sorted((out / "book" / "labs").glob("*.ipynb"))


def _lab_order(out: Path) -> list[str]:
    """The labs' file names in the order of ``_toc.yml`` (file order when it cannot tell)."""
    toc = (out / "_toc.yml").read_text() if (out / "_toc.yml").is_file() else ""
    found = [lab.name for lab in _labs(out)]
    return sorted(found, key=lambda name: toc.find(name.removesuffix(".ipynb")) % 10**9)


def readme_text(out: Path, addresses) -> str:
    book_line = f"\nThe book, rendered: {addresses.book_url}\n" if addresses.book_url else ""
    colab_line = ""
    if addresses.github:
        first = "book/labs/data-pipelines.ipynb"
        colab_line = (
            f"\nOn Google Colab, open a lab from this repository, e.g. {addresses.colab_url(first)}; "
            "its first code cell installs the package and the data there (and does nothing "
            "anywhere else).\n"
        )
    labs = ", ".join(f"`{name}`" for name in _lab_order(out))
    return README.format(book_line=book_line, colab_line=colab_line, labs=labs)


def _git_commit(out: Path, branch: str) -> None:
    identity = [
        "-c",
        "user.name=GAN course",
        "-c",
        "user.email=gan-course@users.noreply.github.com",
    ]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    run = lambda *args: subprocess.run(["git", *args], cwd=out, check=True, env=env)  # noqa: E731
    run("init", "--quiet", "--initial-branch", branch)
    run("add", "--all")
    source = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True
    ).stdout.strip()
    message = "Student edition" + (f" of {source}" if source else "")
    run(*identity, "commit", "--quiet", "--message", message)


def build(
    out: Path | str = DEFAULT_OUT, *, git: bool = False, addresses=None, assignments=None
) -> Path:
    """Write the edition into ``out`` (emptied first) and return it; ``assignments``: the names
    of the released assignments to include (None: all of ``assignments/``)."""
    from gancourse import addresses as course_addresses

    out = Path(out).resolve()
    if out == REPOSITORY or REPOSITORY.is_relative_to(out):
        raise ValueError(f"refusing to write the edition over the repository ({out})")
    addresses = addresses or course_addresses.load()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if assignments is not None:
        unknown = set(assignments) - {p.name for p in (REPOSITORY / "assignments").iterdir()}
        if unknown:
            raise ValueError(f"no released assignment named {sorted(unknown)}")
    for name in selected(assignments=assignments):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPOSITORY / name, target)
    (out / "addresses.toml").write_text(addresses_text(addresses))
    (out / "README.md").write_text(readme_text(out, addresses))
    archive = addresses.raw_archive_url()
    if archive:
        for lab in _labs(out):
            add_colab_cell(lab, archive)
    leftovers = [name for name in PRIVATE if (out / name).exists()]
    if leftovers:
        raise RuntimeError(f"private paths reached the edition: {leftovers}")
    if git:
        _git_commit(out, addresses.edition_branch)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.student_edition", description=__doc__)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="default: _build/student-edition")
    parser.add_argument("--git", action="store_true", help="make it a git repository, one commit")
    parser.add_argument(
        "--assignments",
        nargs="*",
        metavar="NAME",
        help="only these released assignments (default: all), e.g. the ones already handed out",
    )
    args = parser.parse_args(argv)
    out = build(args.out, git=args.git, assignments=args.assignments)
    files = sum(1 for path in out.rglob("*") if path.is_file() and ".git" not in path.parts)
    print(f"wrote the student edition to {out} ({files} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
