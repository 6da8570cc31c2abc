"""What every attack shares: the paths an attacker knows, the registry, the code around it.

An attack is a function registered with :func:`attack`. Its docstring says what it tries and
what "contained" means; it returns, depending on its ``kind``:

- ``"code"``: Python source, appended to the first answer cell of the problem set. The source
  is a :class:`string.Template`: ``${name}`` is replaced by the ``repr`` of one of
  :meth:`Targets.literals`, so the attack holds the real paths as string literals, as an
  attacker who knows the course (it is open source) and the machine would write them.
- ``"notebook"``: a function that edits the notebook itself (a cell no kernel runs).
- ``"folder"``: a function that lays out submission folders itself (links, odd names) and
  returns the student ids the pipeline will report for them.
- ``"definitions"``: ``{function: source}``, definitions of graded functions appended to the
  answer cell that defines each (they run when the checks' probe calls them, in phase 2).

Attacks print what they reach with markers that no attack's source contains literally (the
source is shown in the feedback too): ``LEAK_MARKER [attack] what`` before anything read or
reached that the sandbox should have kept out, ``RESULT_MARKER attack: ...`` for the one line
that sums up each attack (what it tried and what worked, as seen from inside the sandbox).
Files an attack writes or appends hold ``ATTACK_MARK``, so a file changed by an attack that
got through says which one.
"""

from __future__ import annotations

import string
import sys
import sysconfig
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder import pipeline, sandbox

#: Written into every file an attack writes or appends to.
ATTACK_MARK = "gancourse-attack"
#: Printed before what an attack should never have reached (files, sockets).
LEAK_MARKER = "LEAK:"
#: Printed before each attack's one-line summary.
RESULT_MARKER = "ATTACK-RESULT"
#: Names of the files the disk-filling attacks write (so the host can be searched for them).
FILL_PREFIX = f"{ATTACK_MARK}-fill"

# How long the detached processes wait before they try to rewrite the grades, and how long
# they keep trying; the test waits longer than both after the run.
DETACHED_SLEEP_S = 3
DETACHED_TRIES_S = 12

CLASSES = {
    1: "persistence",
    2: "reading",
    3: "denial",
    4: "limits",
    5: "folders and outputs",
    6: "judging",
}


@dataclass(frozen=True)
class Targets:
    """The real paths of one grading run, as the attacker would write them into its code."""

    assignment: str
    submissions: Path  # the folder of all students' submissions
    out: Path  # OUT of the run: grades.csv, feedback, logs
    grading_dir: Path  # $GANCOURSE_GRADING_DIR: the course gradebook, autograded notebooks
    cache_dir: Path  # $GANCOURSE_CACHE_DIR of the instructor: decoded datasets
    repository: Path = pipeline.REPOSITORY
    host_tmp: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    home: Path = field(default_factory=Path.home)

    def literals(self) -> dict[str, str]:
        """``repr`` of every path an attack may name, by the name it uses in its template."""
        from jupyter_core.paths import ENV_CONFIG_PATH, SYSTEM_CONFIG_PATH

        repo = self.repository
        config_dirs = [
            str(self.repository),  # the course root: nbgrader reads ./nbgrader_config.py
            str(self.repository / "autograder"),  # where instructors run nbgrader
            str(self.host_tmp),
            str(self.home / ".jupyter"),
            *ENV_CONFIG_PATH,
            *SYSTEM_CONFIG_PATH,
        ]
        values = {
            "assignment": self.assignment,
            "repository": str(repo),
            "solutions": str(pipeline.SOLUTIONS),
            "solution_notebook": str(
                pipeline.SOLUTIONS / self.assignment / f"{self.assignment}.ipynb"
            ),
            "wrong_solutions": str(repo / "autograder" / "wrong_solutions"),
            "nbgrader_config": str(pipeline.CONFIG),
            "package": str(repo / "gancourse"),
            "autograder": str(repo / "autograder"),
            "data": str(repo / "data"),
            "out": str(self.out),
            "grades_csv": str(self.out / "grades.csv"),
            "grades_json": str(self.out / "grades.json"),
            "out_gradebook": str(self.out / ".gradebook" / "gradebook.db"),
            "incoming": str(self.out / ".incoming"),
            "submissions": str(self.submissions),
            "grading_dir": str(self.grading_dir),
            "course_gradebook": str(self.grading_dir / "gradebook.db"),
            "default_gradebook": str(repo / "autograder" / "work" / "gradebook.db"),
            "cache_dir": str(self.cache_dir),
            "host_tmp": str(self.host_tmp),
            "home": str(self.home),
            "ipython_startup": str(self.home / ".ipython" / "profile_default" / "startup"),
            "jupyter_config": str(self.home / ".jupyter" / "jupyter_config.py"),
            "config_dirs": config_dirs,
            "state": str(sandbox.STATE),
            "site_packages": str(Path(sysconfig.get_path("purelib"))),
            "venv": sys.prefix,
            "mark": ATTACK_MARK,
            "fill_prefix": FILL_PREFIX,
            "detached_sleep": DETACHED_SLEEP_S,
            "detached_tries": DETACHED_TRIES_S,
        }
        return {name: repr(value) for name, value in values.items()}

    def fill(self, template: str, **extra) -> str:
        """``template`` with every ``${name}`` replaced by the literal of that name."""
        literals = self.literals() | {k: repr(v) for k, v in extra.items()}
        return string.Template(textwrap.dedent(template)).substitute(literals)

    def forbidden_files(self) -> list[Path]:
        """Files that must not exist after grading: configs and hooks an attack may plant."""
        from jupyter_core.paths import ENV_CONFIG_PATH, SYSTEM_CONFIG_PATH

        config_names = ("nbgrader_config.py", "nbgrader_config.json")
        config_names += ("jupyter_config.py", "jupyter_config.json")
        folders = [
            self.repository,
            self.repository / "autograder",
            self.host_tmp,
            self.home / ".jupyter",
            *map(Path, ENV_CONFIG_PATH),
            *map(Path, SYSTEM_CONFIG_PATH),
        ]
        files = [folder / name for folder in folders for name in config_names]
        site = Path(sysconfig.get_path("purelib"))
        files += [
            site / f"{ATTACK_MARK}.pth",
            site / "sitecustomize.py",
            site / "usercustomize.py",
            Path(sys.prefix) / "etc" / "ipython" / "ipython_config.py",
            Path("/etc/ipython/ipython_config.py"),
            self.host_tmp / f"{FILL_PREFIX}-tmp",
            self.repository / f"{FILL_PREFIX}-root",
            Path("/dev/shm") / f"{FILL_PREFIX}-shm",
        ]
        return sorted(set(files))


@dataclass(frozen=True)
class Attack:
    """One hostile thing a submission does."""

    name: str
    klass: int  # a key of CLASSES
    kind: str  # "code", "notebook" or "folder"
    build: Callable
    doc: str
    #: Global checks its containment depends on besides its own rows and pages:
    #: "files" (the snapshot), "processes" (nothing left running), "grades" (OUT/grades.csv
    #: and the course gradebook as graded), "honest" (the honest students' grades).
    depends: tuple[str, ...] = ()
    #: Why this attack is expected to get through for now (xfail, not strict), if it is.
    known_gap: str | None = None

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0]


ATTACKS: dict[str, Attack] = {}


def attack(klass: int, kind: str = "code", depends: tuple[str, ...] = (), known_gap=None):
    """Register the decorated function as an attack named after it."""

    def register(function: Callable) -> Callable:
        name = function.__name__
        if name in ATTACKS:
            raise ValueError(f"two attacks named {name}")
        doc = textwrap.dedent(function.__doc__ or "").strip()
        if "Contained" not in doc:
            raise ValueError(f"attack {name}: the docstring must say what 'Contained' means")
        ATTACKS[name] = Attack(name, klass, kind, function, doc, depends, known_gap)
        return function

    return register


# Defined once at the top of every attacked cell. Markers are built at run time, so that only
# what an attack prints, never its source (which the feedback shows), holds them.
PREAMBLE = '''
import glob as _atk_glob
import json as _atk_json
import os as _atk_os
import sqlite3 as _atk_sqlite3
import sys as _atk_sys
import time as _atk_time

_ATK_LEAK = "LE" + "AK:"
_ATK_RESULT = "ATTACK" + "-RESULT"
_ATK_MARK = ${mark}


def _atk_say(*parts):
    print(*parts, flush=True)


_atk_current = "?"  # the attack running now, named in what it leaks


def _atk_leak(what, text=""):
    """Something the sandbox should have kept out was reached: show it."""
    _atk_say(_ATK_LEAK, f"[{_atk_current}]", what)
    if text:
        _atk_say(str(text)[:20000])


def _atk_expand(*patterns):
    found = []
    for pattern in patterns:
        if any(c in pattern for c in "*?["):
            found += sorted(_atk_glob.glob(pattern, recursive=True))
        else:
            found.append(pattern)
    return found


def _atk_write(path, text, mode="a", create=False):
    """Write or append ``text`` (``create``: its folders too); whether it worked, from inside."""
    try:
        folder = _atk_os.path.dirname(path)
        if folder and create:
            _atk_os.makedirs(folder, exist_ok=True)
        with open(path, mode) as handle:
            handle.write(text)
        return True
    except (OSError, ValueError):
        return False


def _atk_text(path, limit=400000):
    """A file's text as a person would want to read it: notebook cells, database rows."""
    with open(path, "rb") as handle:
        data = handle.read(limit)
    if data.startswith(b"SQLite format 3"):
        connection = _atk_sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        rows = []
        tables = connection.execute("select name from sqlite_master where type = 'table'")
        for (table,) in tables.fetchall():
            for row in connection.execute(f"select * from '{table}'"):
                rows.append(" | ".join(map(str, row)))
        return "\\n".join(rows)
    text = data.decode("utf-8", "replace")
    if path.endswith(".ipynb"):
        try:
            cells = _atk_json.loads(text)["cells"]
            return "\\n".join("".join(cell["source"]) for cell in cells)
        except (ValueError, KeyError, TypeError):
            pass
    return text


def _atk_mount_points():
    try:
        with open("/proc/self/mountinfo") as handle:
            return [line.split()[4].replace("\\040", " ") for line in handle]
    except OSError:
        return []


def _atk_read(path):
    """Read ``path``; on success print it after the leak marker. Whether it was read.

    A folder counts when it holds more than the way to the sandbox's own mount points (the
    sandbox makes their parents, empty, so that it can mount them).
    """
    try:
        if _atk_os.path.isdir(path):
            mounts = _atk_mount_points()
            entries = []
            for entry in sorted(_atk_os.listdir(path)):
                full = _atk_os.path.join(path, entry)
                if not any(m == full or m.startswith(full + "/") for m in mounts):
                    entries.append(entry)
            if not entries:
                return False
            text = "\\n".join(entries)
        else:
            text = _atk_text(path)
    except Exception:
        return False
    _atk_leak(path, text)
    return True
'''


def wrap(name: str, body: str) -> str:
    """One attack's body as a function, called at once; its result (or why it stopped) printed."""
    function = f"_atk_{name}"
    return (
        f"\n\n# ---- attack: {name} ----\n"
        f"def {function}():\n"
        f"{textwrap.indent(body.strip(), '    ')}\n\n\n"
        f'_atk_current = "{name}"\n'
        f"try:\n"
        f"    _atk_result = {function}()\n"
        f"except BaseException as _atk_error:  # an interrupt too: the next attack still runs\n"
        f'    _atk_result = f"stopped by {{type(_atk_error).__name__}}: {{_atk_error}}"\n'
        f'_atk_say(_ATK_RESULT, "{name}:", _atk_result)\n'
    )
