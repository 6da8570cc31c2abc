"""A class of hostile submissions, graded once in the sandbox: every attack must be contained.

``autograder/attacks/`` holds the attacks (persistence, reading, denial, limits, folders and
outputs); ``write_class`` lays them out as students of problem set 1 beside an honest correct
and an honest blank student. The whole class is graded by ``pipeline.autograde`` once, as the
instructor would (two jobs, sandboxed, recorded in a course gradebook of its own), and then:

- every attack scores at most what its notebook deserves (0 for a blank release, full marks
  for an answered one), refused folders get a ``refused`` row, every submission has a row;
- nothing the run wrote (feedback pages, logs, ``grades.json``, autograded notebooks) holds a
  leak marker or two consecutive lines of a solution or hidden test, and no feedback page
  holds live script from a student;
- nothing of the instructor's changed: every file git knows in the repository, the
  environment's site-packages, ``~/.ipython``, ``~/.jupyter``, the dataset cache; no config
  file appeared where nbgrader or Jupyter would load it;
- the honest students get exactly their marks; nothing of a sandbox uid keeps running and no
  cgroup is left; ``grades.csv`` and the course gradebook hold the same grades long after the
  detached processes would have struck.

A table of what each attack got goes to the terminal. Needs root (the sandbox does), like CI.
With ``GANCOURSE_SHARED_CHECKOUT=1`` (several people working in one checkout on one machine)
a repository file changed during the run without any attack's mark, and the processes of a
jail still in use by another grading, are reported in the table's notes instead of failing.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import json
import os
import pwd
import re
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder import attacks, pipeline, sandbox
from autograder.attacks import ATTACKS, CLASSES, HONEST_BLANK, HONEST_CORRECT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0, reason="the sandbox needs root (`sudo make sandbox`; CI runs as root)"
    ),
]

ASSIGNMENT = "ps1-gan-foundations"
LIMITS = pipeline.Limits(timeout=300, memory_mb=2500, cell_timeout=60, checks_timeout=150)
JOBS = 2
# The detached attacks sleep, then try for a while: wait longer than both after the run.
SETTLE_S = attacks.DETACHED_SLEEP_S + attacks.DETACHED_TRIES_S + 5
# Normally (CI included) nothing else grades on the machine or edits the checkout: a live jail
# after the run is this run's, and every changed file counts. On a shared checkout both may be
# someone else's.
STRICT = os.environ.get("GANCOURSE_SHARED_CHECKOUT") != "1"
# A feedback page or autograded notebook may exceed the honest blank one's by this much.
PAGE_SLACK = 1 << 20
# What makes a spreadsheet evaluate a CSV cell (OWASP's list for CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GLOBAL_CHECKS = ("run", "rows", "honest", "files", "processes", "grades", "leaks")
REFUSED = ("refused", "missing-notebook")  # a folder attack is never graded
# What may land where a fill attack writes: the private tmpfs sizes, and for the working
# folder (on the host's disk) as much as the private /tmp.
FILL_BOUNDS = {
    "fill_shm": sandbox.SHM_BYTES,
    "fill_tmp": sandbox.TMP_BYTES,
    "fill_workdir": sandbox.TMP_BYTES,
    "fill_root": LIMITS.memory_mb << 20,
}


# ---------------------------------------------------------------- what the instructor has


def _sha256(path: Path) -> str | None:
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _repository_files(repository: Path) -> list[Path]:
    """Every file git tracks, and every untracked file it does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repository,
        capture_output=True,
        check=True,
    ).stdout
    return [repository / os.fsdecode(name) for name in listed.split(b"\0") if name]


def _snapshot(targets: attacks.Targets) -> dict[str, str | None]:
    """sha256 (or absence) of everything an attack could change that outlives the run."""
    paths = _repository_files(targets.repository)
    for tree in (targets.home / ".ipython", targets.home / ".jupyter", targets.cache_dir):
        if tree.is_dir():
            paths += [p for p in tree.rglob("*") if p.is_file() or p.is_symlink()]
    site = Path(sysconfig.get_path("purelib"))
    paths += [p for p in site.iterdir() if p.is_file()]  # .pth files, finders, customize hooks
    for folder in targets.host_tmp.glob("gancourse-nbgrader-*"):  # the pipelines' config dirs
        paths += [folder / name for name in pipeline.CONFIG_NAMES]
    paths += targets.forbidden_files()
    return {str(p): _sha256(p) for p in sorted(set(paths))}


def _changes(before: dict, after: dict, repository: Path) -> tuple[list[str], list[str]]:
    """What changed: (problems, notes).

    A change is a problem unless it is a repository file holding no attack's mark while the
    test runs on a shared checkout: on a shared checkout people edit files during the run (normally nothing
    else does, and every change is a problem). Every attack marks what it writes.
    """
    own = {str(p) for p in _repository_files(repository)}
    problems, notes = [], []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        what = "appeared" if old is None else "removed" if new is None else "changed"
        marks = []
        if new is not None and not new.startswith("link:"):
            text = Path(path).read_bytes().decode("utf-8", "replace")
            marks = sorted(set(re.findall(rf"{attacks.ATTACK_MARK} (\w+)", text)))
        if marks:
            problems.append(f"{path} {what} by attack {', '.join(marks)}")
        elif path in own and not STRICT:
            notes.append(f"{path} {what} during the run, without any attack's mark")
        else:
            problems.append(f"{path} {what} (no attack's mark)")
    return problems, notes


# ---------------------------------------------------------------- what is left running


def _jail_of(pid: int) -> str | None:
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return None
    found = re.search(rf"/{sandbox.CGROUP_PARENT}/([^/\s]+)", text)
    return found.group(1) if found else None


def _leftovers() -> tuple[list[str], list[str], list[str]]:
    """Processes of sandbox uids and cgroups no live jail explains; and the live jails.

    On a shared checkout another grading (another checkout's tests) may run on the machine: a jail whose
    folder still exists belongs to a grading in progress, and this run's jails are all
    destroyed when ``autograde`` returns. Normally nothing else grades: any jail counts.
    """
    import psutil

    uids = {u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith(sandbox.USER_PREFIX)}
    jails = sandbox.STATE / "jails"
    live = {p.name for p in jails.iterdir()} if jails.is_dir() else set()
    processes = []
    for proc in psutil.process_iter(["uids", "status", "cmdline"]):
        info = proc.info
        if not info["uids"] or info["uids"].real not in uids:
            continue
        if info["status"] == psutil.STATUS_ZOMBIE:  # exited, not reaped yet: runs nothing
            continue
        jail = _jail_of(proc.pid)
        if jail in live and not STRICT:
            continue
        command = " ".join(info["cmdline"] or [])[:120]
        processes.append(f"pid {proc.pid} uid {info['uids'].real} jail {jail}: {command}")
    cgroups = []
    for controller in sandbox.CONTROLLERS:
        parent = sandbox.CGROUP_ROOT / controller / sandbox.CGROUP_PARENT
        if parent.is_dir():
            cgroups += [
                str(d) for d in parent.iterdir() if d.is_dir() and (STRICT or d.name not in live)
            ]
    return processes, cgroups, sorted(live)


# ---------------------------------------------------------------- what the run wrote


class _LiveMarkup(HTMLParser):
    """Scripts, event handlers and script URLs that a browser would run in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.problems: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            normal = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if normal.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc=...>")
        if tag == "script":
            if any(name == "src" for name, _ in attrs):
                self.problems.append("<script src=...>")
            self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None


def _live_markup(page: str) -> _LiveMarkup:
    parser = _LiveMarkup()
    parser.feed(page)
    parser.close()
    return parser


def _plain(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _outputs_text(notebook_path: Path) -> str:
    """Every output's text of a notebook (its sources hold the restored hidden tests)."""
    notebook = json.loads(notebook_path.read_text())
    texts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            for value in [output.get("text", ""), *output.get("data", {}).values()]:
                texts.append("".join(value) if isinstance(value, list) else str(value))
            texts += output.get("traceback", [])
    return "\n".join(texts)


@dataclass
class _Pages:
    """What the run wrote about one student."""

    feedback: list[Path] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    autograded: list[Path] = field(default_factory=list)


def _pages(out: Path, grading: Path, student: str) -> _Pages:
    folder = os.path.join(os.fsencode(out / "feedback"), os.fsencode(student))
    return _Pages(
        sorted((Path(os.fsdecode(folder)) / ASSIGNMENT).glob("*.html")),
        [p for p in [out / "logs" / f"{student}--{ASSIGNMENT}.log"] if p.is_file()],
        sorted((grading / "autograded" / student / ASSIGNMENT).glob("*.ipynb")),
    )


def _results(pages: _Pages) -> dict[str, str]:
    """Each attack's one-line summary, as its notebook printed it."""
    found = {}
    for notebook in pages.autograded:
        for line in _outputs_text(notebook).splitlines():
            if line.startswith(attacks.RESULT_MARKER + " "):
                name, _, text = line[len(attacks.RESULT_MARKER) + 1 :].partition(": ")
                found[name.rstrip(":")] = text
    return found


_LEAK_LINE = re.compile(re.escape(attacks.LEAK_MARKER) + r" \[([\w?]+)\] ?(.{0,120})")


# ---------------------------------------------------------------- the run


@dataclass
class Outcome:
    """The graded class and every check's findings, shared by the tests below."""

    rows: list[dict]
    planted: attacks.Planted
    problems: dict[str, list[str]]  # global check -> what went wrong
    verdicts: dict[tuple[str, str], list[str]]  # (attack, student) -> what got through
    results: dict[tuple[str, str], str]  # (attack, student) -> what the attack printed
    timings: dict[str, float]


def _shown_as(name: str) -> str:
    """A name as grades.csv shows it: a leading formula character is quoted with ``'``."""
    return "'" + name if name.startswith(FORMULA_START) else name


def _check_rows(rows, returned, planted, problems):
    students = {r["student_id"] for r in rows}
    expected = {_shown_as(student) for student in planted.deserved}
    for student in sorted(expected - students):
        problems["rows"].append(f"no row in grades.csv for {student!r}")
    for student in sorted(students - expected):
        problems["rows"].append(f"a row for {student!r}, who is no student of the class")
    if returned is not None and len(returned) != len(rows):
        problems["rows"].append(
            f"grades.csv has {len(rows)} rows, autograde returned {len(returned)}"
        )
    by = {r["student_id"]: r for r in rows}
    correct, blank = by.get(HONEST_CORRECT), by.get(HONEST_BLANK)
    if not correct or correct["status"] != "graded" or correct["score"] != correct["max_score"]:
        problems["honest"].append(f"the correct student got {correct}")
    elif correct["max_score"] <= 0:
        problems["honest"].append("the correct student's maximum is 0")
    if not blank or blank["status"] != "graded" or blank["score"] != 0:
        problems["honest"].append(f"the blank student got {blank}")


def _check_gradebook(grading: Path, rows, problems):
    """The course gradebook holds exactly the grades of grades.csv."""
    from autograder import record

    by = {r["student_id"]: r for r in rows}
    url = f"sqlite:///{grading / 'gradebook.db'}"
    with record.open_gradebook(url, "gan-course") as gradebook:
        for student in gradebook.students:
            if student.id not in by:
                problems["grades"].append(f"the course gradebook has a student {student.id!r}")
                continue
            score = gradebook.find_submission(ASSIGNMENT, student.id).score
            if abs(score - by[student.id]["score"]) > 1e-9:
                problems["grades"].append(
                    f"{student.id}: {score} in the course gradebook, "
                    f"{by[student.id]['score']} in grades.csv"
                )


def _read_grades(out: Path) -> list[dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["score"], row["max_score"] = float(row["score"]), float(row["max_score"])
    return rows


def _attacks_of(planted) -> dict[str, list[str]]:
    by_student: dict[str, list[str]] = {}
    for name, students in planted.students.items():
        for student in students:
            by_student.setdefault(student, []).append(name)
    return by_student


def _scan(text: str, where: str, secrets, leaks: list, found: list) -> None:
    """Leak lines (with the attack that printed them) and secret lines in ``text``."""
    for name, what in _LEAK_LINE.findall(text):
        leaks.append((name, f"{where}: {attacks.LEAK_MARKER} {what}"))
    if attacks.LEAK_MARKER in text and not _LEAK_LINE.search(text):
        found.append(f"a leak marker in {where}")
    leaked = pipeline.leaked_snippets(text, secrets)
    if leaked:
        found.append(f"secret lines in {where}: {leaked[:2]}")


def _check_pages(out, grading, planted, problems, verdicts, results):
    """Leaks, live script and sizes in everything the run wrote about each student."""
    everything = pipeline.secret_snippets(ASSIGNMENT)
    hidden = pipeline.secret_snippets(ASSIGNMENT, hidden_tests_only=True)
    reference = _pages(out, grading, HONEST_BLANK)
    template_scripts = set()
    for page in reference.feedback:
        template_scripts |= set(_live_markup(page.read_text()).scripts)
    limit_page = max([p.stat().st_size for p in reference.feedback] or [0]) + PAGE_SLACK
    limit_notebook = max([p.stat().st_size for p in reference.autograded] or [0]) + PAGE_SLACK
    by_student = _attacks_of(planted)
    for student in sorted(planted.deserved):
        pages = _pages(out, grading, student)
        secrets = hidden if planted.deserved[student] == "full" else everything
        mine = by_student.get(student, [])
        found: list[str] = []  # not traceable to one attack: counts against all of the student's
        leaks: list[tuple[str, str]] = []
        for path in pages.feedback:
            page = path.read_text(errors="replace")
            _scan(_plain(page), f"the feedback page {path.name}", secrets, leaks, found)
            live = _live_markup(page)
            found += [f"live markup in the feedback: {p}" for p in live.problems]
            extra = [s[:80] for s in live.scripts if s not in template_scripts]
            found += [f"a script the honest page lacks: {s!r}" for s in extra]
            if path.stat().st_size > limit_page:
                found.append(f"a feedback page of {path.stat().st_size} bytes")
        for path in pages.logs:
            _scan(path.read_text(errors="replace"), f"the log {path.name}", secrets, leaks, found)
        for path in pages.autograded:
            outputs = _outputs_text(path)
            _scan(outputs, "the autograded notebook's outputs", everything, leaks, found)
            if path.stat().st_size > limit_notebook:
                found.append(f"an autograded notebook of {path.stat().st_size} bytes")
        for name, text in _results(pages).items():
            results[(name, student)] = text
        if student in (HONEST_CORRECT, HONEST_BLANK):
            problems["leaks"] += [f"{student}: {f}" for f in found + [w for _, w in leaks]]
        for name, what in leaks:
            for culprit in [name] if name in mine else mine:
                verdicts[(culprit, student)].append(what)
        for name in mine:
            verdicts[(name, student)] += found
    for path in [out / "grades.json", out / "autograde.log", *(out / "logs").glob("worker-*")]:
        if path.is_file():
            text = path.read_text(errors="replace")
            if attacks.LEAK_MARKER in text or pipeline.leaked_snippets(text, everything):
                problems["leaks"].append(f"a leak in {path.name}")


def _check_attacks(planted, rows, problems, verdicts, results):
    """Each attack's own rows: at most what it deserves, refused where it must be."""
    by: dict[str, list[dict]] = {}
    for row in rows:
        by.setdefault(row["student_id"], []).append(row)
    for name, attack in ATTACKS.items():
        for student in planted.students[name]:
            verdict = verdicts[(name, student)]
            for row in by.get(_shown_as(student), []):
                deserved = row["max_score"] if planted.deserved[student] == "full" else 0.0
                if row["score"] > deserved:
                    verdict.append(f"scored {row['score']}, deserves {deserved}")
                if attack.kind == "folder" and row["status"] not in REFUSED:
                    verdict.append(f"{row['status']}, not refused")
                graded = row["status"].startswith("graded")
                if attack.kind == "code" and graded and (name, student) not in results:
                    # Not containment: the check would be empty if the attack never ran.
                    verdict.append("graded, but the attack printed no result: did it run?")
            verdict += [
                f"the {d} check failed (see its test)" for d in attack.depends if problems[d]
            ]
    # The disk and memory bounds: what each fill attack says landed.
    for (name, student), summary in results.items():
        bound = FILL_BOUNDS.get(name)
        written = re.search(r"written=(\d+)", summary)
        if bound and written and int(written.group(1)) > bound:
            verdicts[(name, student)].append(
                f"{int(written.group(1)) >> 20} MiB landed, bound {bound >> 20} MiB"
            )
    # No cell of grades.csv that a spreadsheet would evaluate.
    for row in rows:
        for column in pipeline.GRADES_COLUMNS:
            value = str(row[column])
            if value.startswith(FORMULA_START):
                student = row["student_id"]
                culprits = _attacks_of(planted).get(student)
                what = f"grades.csv cell {value[:40]!r} is a formula to a spreadsheet"
                if not culprits:
                    problems["rows"].append(what)
                for name in culprits or []:
                    verdicts[(name, student)].append(what)


def _table(planted, rows, verdicts, results) -> str:
    by: dict[str, list[dict]] = {}
    for row in rows:
        by.setdefault(row["student_id"], []).append(row)
    lines = []
    header = f"{'attack':34} {'class':21} {'status':27} {'score':>7} {'contained':10} reported"
    lines += [header, "-" * len(header)]
    for name, attack in ATTACKS.items():
        for student in planted.students[name]:
            row = (by.get(_shown_as(student)) or [{}])[0]
            score = f"{row['score']:g}/{row['max_score']:g}" if row else "-"
            contained = "NO" if verdicts[(name, student)] else "yes"
            if attack.known_gap and contained == "NO":
                contained = "NO (gap)"
            label = f"{name} {student!r}" if len(planted.students[name]) > 1 else name
            lines.append(
                f"{label[:34]:34} {attack.klass} {CLASSES[attack.klass]:19} "
                f"{row.get('status', 'NO ROW')[:27]:27} {score:>7} {contained:10} "
                f"{results.get((name, student), '')[:100]}"
            )
    for student in (HONEST_CORRECT, HONEST_BLANK):
        row = (by.get(student) or [{}])[0]
        score = f"{row['score']:g}/{row['max_score']:g}" if row else "-"
        lines.append(f"{'honest ' + student:56} {row.get('status', 'NO ROW'):27} {score:>7}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request) -> Outcome:
    """Write the class, snapshot, grade it once, wait, and run every check."""
    from gancourse.data import load_dataset

    started = time.monotonic()
    root = tmp_path_factory.mktemp("attacks")
    out, grading, cache = root / "out", root / "grading", root / "cache"
    timings: dict[str, float] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANCOURSE_GRADING_DIR", str(grading))
        patch.setenv("GANCOURSE_CACHE_DIR", str(cache))
        load_dataset("mnist")  # the instructor's cache, which an attack tries to poison
        targets = attacks.Targets(ASSIGNMENT, root / "submitted", out, grading, cache)
        planted = attacks.write_class(targets)
        before = _snapshot(targets)
        timings["prepare"] = time.monotonic() - started

        problems: dict[str, list[str]] = {check: [] for check in GLOBAL_CHECKS}
        verdicts = {(n, s): [] for n, ss in planted.students.items() for s in ss}
        results: dict[tuple[str, str], str] = {}
        run_started = time.monotonic()
        returned = None
        try:
            returned = pipeline.autograde(
                targets.submissions,
                out,
                jobs=JOBS,
                limits=LIMITS,
                progress=False,
                record=True,
            )
        except Exception as err:  # still check what it left
            problems["run"].append(f"autograde raised {err.__class__.__name__}: {err}")
        ended = time.monotonic()
        timings["autograde"] = ended - run_started
        grades_digest = _sha256(out / "grades.csv")

        processes, cgroups, live = _leftovers()
        problems["processes"] += [f"left running right after the run: {p}" for p in processes]
        rows = _read_grades(out) if (out / "grades.csv").is_file() else []
        _check_rows(rows, returned, planted, problems)
        _check_pages(out, grading, planted, problems, verdicts, results)
        folder = out / "feedback"
        feedback = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        unknown = sorted(feedback - set(planted.deserved))
        problems["grades"] += [f"OUT/feedback/{s} belongs to no student" for s in unknown]

        time.sleep(max(0.0, ended + SETTLE_S - time.monotonic()))
        timings["settle"] = time.monotonic() - ended
        after = _snapshot(targets)
        changed, notes = _changes(before, after, targets.repository)
        problems["files"] += changed
        problems["files"] += [f"a stray config: {p}" for p in pipeline.stray_configs()]
        if _sha256(out / "grades.csv") != grades_digest:
            problems["grades"].append(f"grades.csv changed within {SETTLE_S} s after the run")
        try:
            _check_gradebook(grading, rows, problems)
        except Exception as err:
            problems["grades"].append(f"the course gradebook: {err.__class__.__name__}: {err}")
        processes, cgroups, live = _leftovers()
        problems["processes"] += [f"left running after {SETTLE_S} s: {p}" for p in processes]
        problems["processes"] += [f"cgroup left: {c}" for c in cgroups]
        _check_attacks(planted, rows, problems, verdicts, results)
    timings["total"] = time.monotonic() - started

    table = _table(planted, rows, verdicts, results)
    report = [
        f"\n{len(ATTACKS)} attacks in {len(planted.deserved)} submissions, graded with "
        f"jobs={JOBS} on {os.cpu_count()} CPUs: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()),
        table,
    ]
    if live and not STRICT:
        report.append(f"(jails of another grading in progress, not counted: {live})")
    report += [f"(not counted on a shared checkout: {note})" for note in notes]
    for check, found in problems.items():
        report += [f"{check}: {line}" for line in found[:20]]
    (root / "attacks-table.txt").write_text("\n".join(report) + "\n")
    # Shown whatever pytest captures (as capsys.disabled() does), so the CI log has it.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        for line in "\n".join(report).splitlines():
            if reporter is not None:
                reporter.write_line(line)
            else:
                print(line, file=sys.stderr)
    return Outcome(rows, planted, problems, verdicts, results, timings)


# ---------------------------------------------------------------- the tests


def test_the_run_finishes(graded):
    assert not graded.problems["run"], graded.problems["run"]


def test_every_submission_has_a_row(graded):
    assert not graded.problems["rows"], "\n".join(graded.problems["rows"])


def test_honest_students_get_exactly_their_marks(graded):
    assert not graded.problems["honest"], "\n".join(graded.problems["honest"])


def test_nothing_secret_reaches_what_the_run_wrote(graded):
    assert not graded.problems["leaks"], "\n".join(graded.problems["leaks"])


def test_nothing_of_the_instructor_changed(graded):
    assert not graded.problems["files"], "\n".join(graded.problems["files"])


def test_nothing_keeps_running(graded):
    assert not graded.problems["processes"], "\n".join(graded.problems["processes"])


def test_grades_hold_after_the_detached_processes_slept(graded):
    assert not graded.problems["grades"], "\n".join(graded.problems["grades"])


def _attack_params():
    for name, attack in ATTACKS.items():
        marks = []
        if attack.known_gap:
            marks.append(pytest.mark.xfail(strict=False, reason=attack.known_gap))
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_attack_params()))
def test_attack_is_contained(graded, name):
    found = [f"{s}: {p}" for (n, s), ps in graded.verdicts.items() if n == name for p in ps]
    assert not found, f"{name} ({ATTACKS[name].summary}) got through:\n" + "\n".join(found)
