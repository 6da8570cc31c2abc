"""The instructor's pipeline around nbgrader: generate, validate, autograde, feedback.

Run from the repository root (the Makefile does):

    python -m autograder.pipeline generate [ASSIGNMENT ...]
    python -m autograder.pipeline validate [ASSIGNMENT ...]
    python -m autograder.pipeline autograde SUBMISSIONS OUT [--jobs N] [--timeout S]
                                     [--memory-mb M] [--cell-timeout S] [--checks-timeout S]
                                     [--no-course-gradebook]
    python -m autograder.pipeline feedback ASSIGNMENT [--graded OUT]

``generate`` rebuilds ``assignments/`` (student versions) from ``solutions/`` and records the
hidden tests in the gradebook under ``autograder/work/``. ``autograde`` grades every
``SUBMISSIONS/<student>/<assignment>/*.ipynb`` in its own worker process with its own copy of
the gradebook, under a wall-clock and a memory limit, and writes ``OUT/grades.csv`` and
``OUT/feedback/<student>/<assignment>/<notebook>.html``. A submission that fails in any way gets
a row whose ``status`` says why; the others are graded all the same. Next to each feedback file
go the submission's ``timestamp.txt`` and ``submission_secret.txt``, which is what nbgrader needs
to hand it back: ``feedback ASSIGNMENT --graded OUT`` releases that feedback to the students
through the exchange.

``autograde`` also records every result in the course gradebook (``autograder/work/`` or
``$GANCOURSE_GRADING_DIR``), so formgrader and ``nbgrader export`` see the pipeline's grades;
``--no-course-gradebook`` leaves it alone. The parent process does that as each worker finishes,
one submission at a time (``autograder/record.py`` has the details). A graded submission is
copied as nbgrader would have recorded it, with its autograded notebook for manual grading. A
submission that could not be graded (timeout, memory, dead kernel, broken or missing notebook,
error) is recorded with 0 points on every cell, marked for manual grading, without an autograded
notebook: never with partial grades or an earlier submission's. Grading again replaces the
earlier auto scores and keeps what a person entered in formgrader.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import os
import queue
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from autograder import record as course_record
from autograder import sandbox
from autograder.checks import module_name
from autograder.record import submission_timestamp
from gancourse.data import data_dir
from gancourse.grading import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, PIPELINE_ENV

REPOSITORY = Path(__file__).resolve().parent.parent
CONFIG = REPOSITORY / "autograder" / "nbgrader_config.py"
SOLUTIONS = REPOSITORY / "solutions"
RELEASES = REPOSITORY / "assignments"
GRADES_COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status"]
# Files that nbgrader's exchange writes into each submission and needs again to return feedback.
SUBMISSION_RECORDS = ("timestamp.txt", "submission_secret.txt")


class PipelineError(RuntimeError):
    """A step of the pipeline failed; the message says which and why."""


def assignment_names() -> list[str]:
    """Every assignment in ``solutions/`` (a folder holding at least one notebook)."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


# The configuration files nbgrader would load besides the course's: a stray one (written by a
# submission graded without the sandbox, or by anyone) could drop ClearSolutions and publish
# the answers, so the pipeline refuses to run while one exists.
CONFIG_NAMES = (
    "nbgrader_config.py",
    "nbgrader_config.json",
    "jupyter_config.py",
    "jupyter_config.json",
)


@functools.cache
def _private_config_dir() -> Path:
    """An empty folder of this process's own, given to nbgrader as its config and working dir."""
    return Path(tempfile.mkdtemp(prefix="gancourse-nbgrader-"))


def stray_configs() -> list[Path]:
    """nbgrader or Jupyter config files where nbgrader would load them, other than the course's."""
    from jupyter_core.paths import ENV_CONFIG_PATH, SYSTEM_CONFIG_PATH

    folders = [*ENV_CONFIG_PATH, *SYSTEM_CONFIG_PATH, _private_config_dir()]
    return [Path(f) / n for f in folders for n in CONFIG_NAMES if (Path(f) / n).exists()]


def _nbgrader_env(work: Path | None) -> dict[str, str]:
    stray = stray_configs()
    if stray:
        raise PipelineError(
            "refusing to run nbgrader: configuration files it would load besides the "
            f"course's: {', '.join(map(str, stray))}. Remove them (they may come from a "
            "submission graded outside the sandbox) and run again."
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    env["JUPYTER_CONFIG_DIR"] = str(_private_config_dir())
    # nbgrader runs `alembic` from PATH when it creates a gradebook: use this environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["NBGRADER_EXECUTION"] = "autograde"  # notebooks keep their own training short
    env[PIPELINE_ENV] = "1"  # the course config refuses to autograde without it
    if work is not None:
        env["GANCOURSE_GRADING_DIR"] = str(work)
    return env


def run_nbgrader(args: list[str], work: Path | None = None, timeout: float | None = None, cwd=None):
    """Run one nbgrader command with the course configuration; return the CompletedProcess."""
    command = [sys.executable, "-m", "nbgrader", *args, f"--NbGrader.config_file={CONFIG}"]
    return subprocess.run(
        command,
        cwd=cwd or _private_config_dir(),  # never pick up a stray nbgrader_config.py
        env=_nbgrader_env(work),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def course_directory():
    """nbgrader's course folders, as the course's configuration and environment set them."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    return CourseDirectory(config=config)


def generate(
    assignments: list[str] | None = None, work: Path | None = None, release: Path | None = None
) -> None:
    """Regenerate the student versions and record the assignments in the gradebook.

    The student versions go to ``assignments/`` unless ``release`` names another folder (the
    in-sync test and the autograder use a scratch folder, so they never touch the repository).
    """
    for name in assignments or assignment_names():
        args = ["generate_assignment", name, "--force"]
        if release is not None:
            args.append(f"--CourseDirectory.release_directory={release}")
        result = run_nbgrader(args, work=work)
        if result.returncode != 0:
            raise PipelineError(f"nbgrader generate_assignment {name} failed:\n{result.stderr}")
        print(f"generated {(release or RELEASES) / name}")


def validate(assignments: list[str] | None = None) -> list[str]:
    """Solutions must pass ``nbgrader validate``; released notebooks must fail it.

    Returns the list of problems (empty when all is well).
    """
    problems = []
    for name in assignments or assignment_names():
        for source in sorted((SOLUTIONS / name).glob("*.ipynb")):
            release = RELEASES / name / source.name
            for path, should_pass in ((source, True), (release, False)):
                if not path.is_file():
                    problems.append(f"{path.relative_to(REPOSITORY)} is missing")
                    continue
                result = run_nbgrader(["validate", str(path)])
                passed = result.returncode == 0 and "Success!" in result.stdout
                if passed != should_pass:
                    verb = "fails" if should_pass else "passes"
                    problems.append(
                        f"{path.relative_to(REPOSITORY)} {verb} nbgrader validate:\n"
                        + result.stdout[-2000:]
                    )
                print(f"validate {path.relative_to(REPOSITORY)}: {'pass' if passed else 'fail'}")
    return problems


_SECRET_BLOCK = re.compile(
    rf"{re.escape(BEGIN_SOLUTION)}()(.*?){re.escape(END_SOLUTION)}"
    rf"|{re.escape(BEGIN_HIDDEN)}()(.*?){re.escape(END_HIDDEN)}",
    re.DOTALL,
)


def secret_snippets(assignment: str, hidden_tests_only: bool = False) -> set[tuple[str, str]]:
    """Pairs of consecutive lines of solutions and hidden checks, for leak checks.

    The hidden checks are the judge's module (``autograder/checks/<assignment>.py``) and any
    hidden-test block left in the instructor's notebook.

    A page leaks a secret when it holds both lines of a pair: one shared line alone is
    usually an idiom (`rng = np.random.default_rng(3)`), two in a row are code. Lines are
    stripped and over 12 characters; a line that also stands in the released notebook (a
    message shared by a visible and a hidden assert) is not secret and is skipped.
    """
    import nbformat

    def lines(text):
        return [line.strip() for line in text.splitlines() if len(line.strip()) > 12]

    checks = REPOSITORY / "autograder" / "checks" / f"{module_name(assignment)}.py"
    # The hidden checks; their short lines are idioms (`return float(`), not code worth hiding.
    blocks = [[x for x in lines(checks.read_text()) if len(x) > 24]] if checks.is_file() else []
    public: set[str] = set()
    for source in (SOLUTIONS / assignment).glob("*.ipynb"):
        for cell in nbformat.read(source, as_version=4).cells:
            for match in _SECRET_BLOCK.finditer(cell.source):
                hidden = match.group(3) is not None
                if hidden or not hidden_tests_only:
                    blocks.append(lines(match.group(4) if hidden else match.group(2)))
        release = RELEASES / assignment / source.name
        if release.is_file():
            for cell in nbformat.read(release, as_version=4).cells:
                public.update(lines(cell.source))
    pairs = set()
    for block in blocks:
        secret = [line for line in block if line not in public]
        pairs.update(zip(secret, secret[1:], strict=False))
    return pairs


def leaked_snippets(text: str, snippets: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The snippets of which ``text`` holds both lines."""
    return sorted(pair for pair in snippets if pair[0] in text and pair[1] in text)


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it is graded."""

    timeout: float = 300.0  # seconds for the whole notebook, kernel start included
    memory_mb: int = 4096  # memory of the submission's sandbox: its processes and its tmpfs
    cell_timeout: int = 120  # seconds for one cell; the cell is interrupted, grading goes on
    checks_timeout: float = 300.0  # seconds for the checks of one notebook (phase 2)


# What a submission folder may hold; anything past these is refused before it is read.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")  # nbgrader ids, no path tricks
MAX_NOTEBOOK_BYTES = 20 << 20  # a course notebook with its outputs is well under 5 MB
MAX_SUBMISSION_BYTES = 50 << 20  # notebooks plus the files a student keeps beside them
MAX_SUBMISSION_FILES = 100
# nbgrader itself (outside the sandbox) holds the notebook and its outputs in memory.
WORKER_MEMORY_BYTES = 3 << 30
# A worker killed from outside (not by a limit) is started once more for the same submission.
WORKER_ATTEMPTS = 2


@dataclass
class GradeRow:
    student_id: str
    assignment: str
    notebook: str
    score: float
    max_score: float
    status: str
    detail: str = ""


def _gradebook_scores(work: Path, assignment: str, student: str) -> dict[str, tuple[float, float]]:
    with course_record.open_gradebook(f"sqlite:///{work / 'gradebook.db'}", "gan-course") as gb:
        submission = gb.find_submission(assignment, student)
        return {nb.name: (float(nb.score), float(nb.max_score)) for nb in submission.notebooks}


def _max_scores(template: Path, assignment: str) -> dict[str, float]:
    with course_record.open_gradebook(f"sqlite:///{template / 'gradebook.db'}", "gan-course") as gb:
        return {nb.name: float(nb.max_score) for nb in gb.find_assignment(assignment).notebooks}


@dataclass
class _Run:
    """What every submission of one ``autograde`` run shares."""

    template: Path  # the gradebook and release generated for this run
    incoming: Path  # OUT/.incoming: results wait here until the run ends
    limits: Limits
    shared: sandbox.RunFiles | None  # None: --no-sandbox
    record: bool


def _regular_files(folder: Path) -> tuple[dict[str, Path], str | None]:
    """The regular files directly in ``folder``, or why the folder is refused.

    Nothing is followed: a link (to ``solutions/``, to another student's work), a device or a
    FIFO refuses the whole submission; so do too many files or bytes.
    """
    files, total = {}, 0
    with os.scandir(folder) as entries:
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode) and entry.name in (".ipynb_checkpoints", "__pycache__"):
                continue
            if entry.name in SUBMISSION_RECORDS:
                continue
            if stat.S_ISLNK(mode):
                return {}, f"{entry.name} is a link"
            if not stat.S_ISREG(mode):
                continue  # subfolders are not part of what is graded
            size = entry.stat(follow_symlinks=False).st_size
            if entry.name.endswith(".ipynb") and size > MAX_NOTEBOOK_BYTES:
                return {}, f"{entry.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB"
            total += size
            files[entry.name] = Path(entry.path)
    if len(files) > MAX_SUBMISSION_FILES or total > MAX_SUBMISSION_BYTES:
        return {}, (
            f"more than {MAX_SUBMISSION_FILES} files or {MAX_SUBMISSION_BYTES >> 20} MB "
            "in the submission"
        )
    return files, None


def _copy_private(source: Path, target: Path) -> None:
    """Copy a submission's file without following a link swapped in since it was listed."""
    descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise PipelineError(f"{source.name} is not a regular file")
        with open(target, "wb") as copy:
            shutil.copyfileobj(handle, copy)


def grade_one(
    submission: Path,
    student: str,
    assignment: str,
    run: _Run,
    worker: _Worker,
    slot: int = 0,
    extension: timedelta | None = None,
) -> list[GradeRow]:
    """Autograde one student's folder for one assignment in an isolated gradebook copy.

    The notebook's kernel runs in jail ``slot`` (see ``autograder/sandbox.py``); nbgrader runs
    outside it, in a private folder, on a copy of the gradebook. Feedback, the log and (for
    the course gradebook) the graded copy go to ``run.incoming``; the parent moves them into
    ``OUT`` when the whole run is over.
    """
    max_scores = _max_scores(run.template, assignment)
    expected = sorted(max_scores)

    def rows(status, detail="", scores=None):
        scores = scores or {}
        return [
            GradeRow(
                student,
                assignment,
                nb,
                scores.get(nb, (0.0, max_scores[nb]))[0],
                max_scores[nb],
                status,
                detail,
            )
            for nb in expected
        ]

    files, refused = _regular_files(submission)
    if refused:
        return rows("refused", refused)
    missing = [nb for nb in expected if f"{nb}.ipynb" not in files]
    if missing:
        return rows("missing-notebook", f"no {missing[0]}.ipynb in the submission")
    import nbformat

    flags, details = [], []
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        work = Path(tmp)
        target = work / "submitted" / student / assignment
        target.mkdir(parents=True)
        for name, path in files.items():
            _copy_private(path, target / name)
        for name in expected:
            path = target / f"{name}.ipynb"
            try:
                submitted = nbformat.read(path, as_version=4)
                nbformat.validate(submitted)
            except Exception as err:  # any parse or schema failure means "not a notebook"
                return rows("not-a-notebook", f"{path.name}: {err.__class__.__name__}: {err}"[:300])
            released = run.template / "release" / assignment / f"{name}.ipynb"
            deleted, edited = _test_cell_changes(nbformat.read(released, as_version=4), submitted)
            if deleted:
                flags.append("test-cells-deleted")
                details.append(f"{name}: deleted test cells {deleted} (judged all the same)")
            if edited:
                flags.append("test-cells-restored")
                details.append(f"{name}: edited test cells {edited} were graded as released")
        shutil.copy2(run.template / "gradebook.db", work / "gradebook.db")
        if extension is not None:
            _grant_extension(work, student, assignment, extension)
        # The submission time, for the gradebook and late penalties (nbgrader fails on a bad one).
        if submission_timestamp(submission) is not None:
            _copy_private(submission / "timestamp.txt", target / "timestamp.txt")
        for _attempt in range(WORKER_ATTEMPTS):
            outcome = _run_worker(work, student, assignment, run, worker, slot)
            if outcome.limit != "killed":
                break
        log_text = outcome.log
        incoming = run.incoming / student / assignment
        incoming.mkdir(parents=True, exist_ok=True)
        (incoming / "log.txt").write_text(log_text)
        if outcome.limit == "timeout":
            limit = run.limits.timeout + run.limits.checks_timeout
            return rows("timeout", f"grading took longer than {limit:.0f} s")
        if outcome.limit == "memory":
            return rows("memory-limit", f"the notebook used more than {run.limits.memory_mb} MB")
        if outcome.limit == "killed":
            return rows("error", f"the grading worker was killed {WORKER_ATTEMPTS} times")
        if _kernel_died(log_text):
            return rows(
                "kernel-died",
                "the kernel died while running the notebook (os._exit, a crash, a signal)",
            )
        if outcome.returncode != 0:
            if "CellTimeoutError" in log_text:
                return rows("cell-timeout", _summarise_log(log_text))
            return rows("error", _summarise_log(log_text))
        try:
            scores = _gradebook_scores(work, assignment, student)
        except Exception as err:
            return rows("error", f"no grades recorded: {err}")
        if run.record:
            staged = incoming / "record"
            staged.mkdir()
            shutil.copy2(work / "gradebook.db", staged / "gradebook.db")
            autograded = work / "autograded" / student / assignment
            if autograded.is_dir():
                shutil.copytree(autograded, staged / "autograded", symlinks=True)
        if "CellTimeoutError" in log_text or "Timeout waiting for execute reply" in log_text:
            flags.append("cell-timeout")
            details.append("a cell ran past the per-cell time limit and was interrupted")
        status = "+".join(["graded", *dict.fromkeys(flags)])
        source = work / "feedback" / student / assignment
        feedback = sorted(source.glob("*.html")) if source.is_dir() else []
        if feedback and "FEEDBACK FAILED" not in log_text:
            destination = incoming / "feedback"
            destination.mkdir()
            for html in feedback:
                shutil.copy2(html, destination / html.name)
            # What nbgrader's release_feedback needs to match the feedback to the submission.
            for name in SUBMISSION_RECORDS:
                if (submission / name).is_file() and not (submission / name).is_symlink():
                    _copy_private(submission / name, destination / name)
        else:
            status += "+no-feedback"
        return rows(status, "; ".join(details), scores=scores)


@dataclass
class _WorkerOutcome:
    returncode: int | None
    limit: str | None  # "timeout", "memory" or "killed" (by something else than a limit)
    log: str


class _Worker:
    """One slot's nbgrader process (``autograder/worker.py``), kept for submission after
    submission and replaced whenever it had to be killed or died."""

    def __init__(self, log: Path):
        self.process: subprocess.Popen | None = None
        self.log = log  # what the worker itself prints, beside the jobs' logs

    def _start(self) -> None:
        env = _nbgrader_env(None)
        # The worker imports `autograder` from the repository, wherever it runs.
        env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])
        read, write = os.pipe()
        with open(self.log, "a") as log:
            # A session of its own: no controlling terminal that a kernel could type into.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.worker", str(write)],
                cwd=_private_config_dir(),
                env=env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(write,),
                start_new_session=True,
                text=True,
            )
        os.close(write)
        self.answers = os.fdopen(read, "r")

    def run(self, job: dict, timeout: float) -> tuple[int | None, str | None]:
        """Send one job; wait for its answer. Return (returncode, limit hit or None)."""
        import psutil

        if self.process is None or self.process.poll() is not None:
            self._start()
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return self.stop(), "killed"
        deadline = time.monotonic() + timeout
        worker = psutil.Process(self.process.pid)
        while True:
            ready, _, _ = select.select([self.answers], [], [], 0.25)
            if ready:
                line = self.answers.readline()
                if not line:  # the worker died
                    return self.stop(), "killed"
                return json.loads(line)["returncode"], None
            if time.monotonic() > deadline:
                self.stop()
                return None, "timeout"
            try:
                if worker.memory_info().rss > WORKER_MEMORY_BYTES:
                    self.stop()
                    return None, "memory"
            except psutil.Error:
                return self.stop(), "killed"

    def stop(self) -> int | None:
        """Kill the worker and whatever it started; the next job starts a fresh one."""
        if self.process is None:
            return None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = self.process.wait()
        self.answers.close()
        self.process = None
        return code


def _run_worker(
    work: Path, student: str, assignment: str, run: _Run, worker: _Worker, slot: int
) -> _WorkerOutcome:
    """nbgrader's autograde and feedback for one submission, its kernel in a fresh jail."""
    jail = None
    env = {"GANCOURSE_GRADING_DIR": str(work)}
    if run.shared is not None:
        submitted = work / "submitted" / student / assignment
        files = {p.name: p for p in submitted.iterdir() if p.name not in SUBMISSION_RECORDS}
        jail = sandbox.Jail.create(slot, run.limits.memory_mb << 20, run.shared, files)
        env[sandbox.JAIL_ENV] = str(jail.save())
        env["JUPYTER_RUNTIME_DIR"] = str(jail.runtime)  # the connection file and sockets
        env["GANCOURSE_SANDBOX_LIBRARY"] = run.shared.library  # the probe's packages
    job = {
        "work": str(work),
        "assignment": assignment,
        "student": student,
        "cell_timeout": run.limits.cell_timeout,
        "checks_timeout": run.limits.checks_timeout,
        "sandboxed": jail is not None,
        "env": env,
    }
    oom, problems = False, []
    try:
        returncode, limit = worker.run(job, run.limits.timeout + run.limits.checks_timeout)
    finally:
        if jail is not None:
            oom = jail.oom_killed()
            problems = jail.destroy()
    log = work / "autograde.log"
    log_text = log.read_text(errors="replace") if log.is_file() else ""
    if problems:  # never expected: the jail could not be emptied or removed
        log_text += "\nSANDBOX: " + "; ".join(problems)
        print(f"WARNING: {student}/{assignment}: {'; '.join(problems)}", file=sys.stderr)
    if oom:
        limit = "memory"
    return _WorkerOutcome(returncode, limit, log_text)


def _grant_extension(work: Path, student: str, assignment: str, extension: timedelta) -> None:
    with course_record.open_gradebook(f"sqlite:///{work / 'gradebook.db'}", "gan-course") as gb:
        gb.update_or_create_student(student)
        gb.add_submission(assignment, student, extension=extension)


def _test_cell_changes(released, submitted) -> tuple[list[str], list[str]]:
    """Test cells of the release that the submission deleted, and those it edited."""
    from nbgrader.utils import is_grade, is_solution

    def tests(nb):
        return {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in nb.cells
            if c.cell_type == "code" and is_grade(c) and not is_solution(c)
        }

    original, found = tests(released), tests(submitted)
    deleted = sorted(set(original) - set(found))
    edited = sorted(g for g in original if g in found and found[g].strip() != original[g].strip())
    return deleted, edited


def _kernel_died(log_text: str) -> bool:
    markers = ("DeadKernelError", "Kernel died", "kernel died", "Kernel is dead")
    return any(marker in log_text for marker in markers)


def _summarise_log(log_text: str) -> str:
    lines = [line for line in log_text.splitlines() if "ERROR" in line or "Error" in line]
    return (lines[-1] if lines else log_text.strip().splitlines()[-1:] or ["unknown error"])[0][
        :300
    ]


def _printable(name: bytes) -> str:
    """A folder name as text for grades.csv, whatever bytes it holds."""
    return name.decode("utf-8", "backslashreplace")


def _discover(submissions: Path) -> tuple[list[tuple[str, str, Path]], list[GradeRow]]:
    """Every ``<student>/<assignment>/`` folder to grade, and a row for each one refused.

    The folder is untrusted: names must be nbgrader-like ids in UTF-8, and links are never
    followed (a student folder linked to another student's, or to ``solutions/``).
    """
    found, refused = [], []

    def folders(path: Path):
        with os.scandir(os.fsencode(path)) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
                    yield entry.name, stat.S_ISLNK(mode)

    def check(name: bytes, link: bool) -> str | None:
        if link:
            return "is a link"
        try:
            text = name.decode("utf-8")
        except UnicodeDecodeError:
            return "its name is not UTF-8"
        if not STUDENT_ID.fullmatch(text):
            return "its name is not a valid nbgrader id"
        return None

    for student, link in folders(submissions):
        problem = check(student, link)
        if problem:
            refused.append(
                GradeRow(_printable(student), "", "", 0.0, 0.0, "refused", f"folder {problem}")
            )
            continue
        student_dir = submissions / os.fsdecode(student)
        for assignment, link in folders(student_dir):
            problem = check(assignment, link)
            if problem:
                row = GradeRow(
                    os.fsdecode(student), _printable(assignment), "", 0.0, 0.0, "refused"
                )
                row.detail = f"folder {problem}"
                refused.append(row)
                continue
            found.append(
                (
                    os.fsdecode(student),
                    os.fsdecode(assignment),
                    student_dir / os.fsdecode(assignment),
                )
            )
    return found, refused


def _spreadsheet_safe(value):
    """A grades.csv cell that a spreadsheet shows as text, never runs as a formula.

    Valid ids cannot start with ``= + - @``, but a refused folder's name is shown as it is.
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def autograde(
    submissions: Path,
    out: Path,
    jobs: int | None = None,
    limits: Limits = Limits(),
    progress: bool = True,
    record: bool = False,
    sandboxed: bool = True,
) -> list[GradeRow]:
    """Grade every submission under ``submissions`` in parallel; write grades.csv and feedback.

    Each submission's kernel runs in its own sandbox (``autograder/sandbox.py``); without
    ``sandboxed`` (``--no-sandbox``) it runs as the instructor, for trusted notebooks only.
    Results are collected in ``OUT/.incoming`` and moved into ``OUT`` (and, with ``record``,
    the course gradebook) by this process only, when every submission has been graded.
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise PipelineError(f"no submissions folder at {submissions}")
    jobs = jobs or max(1, (os.cpu_count() or 2))
    if sandboxed:
        try:
            sandbox.check(jobs)
        except sandbox.SandboxError as err:
            raise PipelineError(f"cannot grade in the sandbox: {err}") from None
        try:
            with sandbox.exclusive_run():
                return _autograde(submissions, out, jobs, limits, progress, record, sandboxed)
        except sandbox.SandboxError as err:
            raise PipelineError(str(err)) from None
    print(
        "WARNING: --no-sandbox: submissions run as you, with your files and network. "
        "Use it only for notebooks you trust.",
        file=sys.stderr,
    )
    return _autograde(submissions, out, jobs, limits, progress, record, sandboxed)


def _autograde(
    submissions: Path,
    out: Path,
    jobs: int,
    limits: Limits,
    progress: bool,
    record: bool,
    sandboxed: bool,
) -> list[GradeRow]:
    out_owner = _owner(out)
    out.mkdir(parents=True, exist_ok=True)
    template = out / ".gradebook"
    template.mkdir(exist_ok=True)
    incoming = out / ".incoming"
    shutil.rmtree(incoming, ignore_errors=True)  # what an interrupted earlier run left
    incoming.mkdir(mode=0o700)
    known = set(assignment_names())
    tasks, rows = _discover(submissions)
    graded_assignments = sorted({a for _, a, _ in tasks if a in known})
    generate(graded_assignments, work=template, release=template / "release")
    recorder = _Recorder(template, out, graded_assignments) if record else None
    extensions = recorder.extensions if recorder else {}
    shared = sandbox.RunFiles.create(REPOSITORY, data_dir()) if sandboxed else None
    if shared is not None:
        shared.env.update(TF_CPP_MIN_LOG_LEVEL="3", NBGRADER_EXECUTION="autograde")
    run = _Run(template, incoming, limits, shared, record)
    slots: queue.SimpleQueue[int] = queue.SimpleQueue()
    workers = {}
    for slot in range(jobs):
        slots.put(slot)
        workers[slot] = _Worker(incoming / f"worker-{slot}.log")

    def grade(student: str, assignment: str, folder: Path) -> list[GradeRow]:
        slot = slots.get()  # one jail, one uid, one worker per slot: one submission at a time
        try:
            extension = extensions.get((assignment, student))
            return grade_one(folder, student, assignment, run, workers[slot], slot, extension)
        finally:
            slots.put(slot)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {}
            for student, assignment, folder in tasks:
                if assignment not in known:
                    rows.append(GradeRow(student, assignment, "", 0.0, 0.0, "unknown-assignment"))
                    continue
                futures[pool.submit(grade, student, assignment, folder)] = (student, assignment)
            iterator = as_completed(futures)
            if progress:
                from tqdm import tqdm

                iterator = tqdm(iterator, total=len(futures), desc="autograde", unit="submission")
            results = {}
            for future in iterator:
                student, assignment = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # one submission's failure must not stop the others
                    detail = f"{err.__class__.__name__}: {err}"[:300]
                    result = [GradeRow(student, assignment, "", 0.0, 0.0, "error", detail)]
                results[(student, assignment)] = result
                rows.extend(result)
    finally:
        for worker in workers.values():
            worker.stop()
        if shared is not None:
            shared.remove()
    rows.sort(key=lambda r: (r.student_id, r.assignment, r.notebook))
    _publish(out, incoming, rows)
    if recorder is not None:
        for (student, assignment), result in sorted(results.items()):
            folder = submissions / student / assignment
            recorder.record(student, assignment, folder, result[0].status)
    shutil.rmtree(incoming, ignore_errors=True)
    _hand_over(out, out_owner)
    if recorder is not None:
        course = Path(recorder.coursedir.db_url.removeprefix("sqlite:///")).parent
        _hand_over(course, _owner(course))
        recorder.finish()
    return rows


def _owner(path: Path) -> tuple[int, int]:
    """The uid and gid of ``path``, or of its nearest existing parent."""
    path = Path(path).resolve()
    while not path.exists():
        path = path.parent
    info = path.stat()
    return info.st_uid, info.st_gid


def _hand_over(folder: Path, owner: tuple[int, int]) -> None:
    """Give what root wrote under ``folder`` to ``owner``.

    Grading runs as root (the sandbox needs it), but an instructor's formgrader, running as the
    instructor, must still open and update the gradebook and the autograded notebooks.
    """
    if os.geteuid() != 0 or owner[0] == 0:
        return
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink() and path.stat().st_uid == 0:
            os.chown(path, *owner)


def _publish(out: Path, incoming: Path, rows: list[GradeRow]) -> None:
    """Move every graded submission's feedback and log into ``OUT``; write the grade files.

    Each file is replaced whole (written beside it, then renamed), and a digest of the grades
    goes to ``OUT/autograde.log``, so an instructor can tell the files they read are the ones
    this run wrote.
    """
    for log in incoming.glob("worker-*.log"):
        (out / "logs").mkdir(exist_ok=True)
        os.replace(log, out / "logs" / log.name)
    for folder in sorted(incoming.glob("*/*")):
        student, assignment = folder.parent.name, folder.name
        log = folder / "log.txt"
        if log.is_file():
            (out / "logs").mkdir(exist_ok=True)
            os.replace(log, out / "logs" / f"{student}--{assignment}.log")
        destination = out / "feedback" / student / assignment
        if (folder / "feedback").is_dir():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(destination, ignore_errors=True)
            os.replace(folder / "feedback", destination)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(GRADES_COLUMNS)
    for row in rows:
        writer.writerow([_spreadsheet_safe(getattr(row, c)) for c in GRADES_COLUMNS])
    _write_atomically(out / "grades.csv", table.getvalue())
    _write_atomically(out / "grades.json", json.dumps([asdict(r) for r in rows], indent=1))
    digest = hashlib.sha256(table.getvalue().encode()).hexdigest()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    with open(out / "autograde.log", "a") as log:
        log.write(f"{stamp} {len(rows)} rows, grades.csv sha256 {digest}\n")
    print(f"grades.csv sha256 {digest}")


class _Recorder:
    """Writes each submission's result into the course gradebook, from the parent process only."""

    def __init__(self, template: Path, out: Path, assignments: list[str]):
        self.coursedir = course_directory()
        self.out = out
        self.counts = {"graded": 0, "failed": 0}
        self.problems: list[str] = []
        with (
            course_record.open_gradebook(self.coursedir.db_url, self.coursedir.course_id) as course,
            course_record.open_gradebook(
                f"sqlite:///{template / 'gradebook.db'}", "gan-course"
            ) as tb,
        ):
            try:
                self.extensions = course_record.prepare(course, tb, assignments)
            except course_record.GradebookMismatch as err:
                raise PipelineError(str(err)) from None

    def record(self, student: str, assignment: str, folder: Path, status: str) -> None:
        """Record one finished submission; a problem is kept for :meth:`finish`, not raised."""
        if status == "unknown-assignment":
            return
        staged = self.out / ".incoming" / student / assignment / "record"
        graded = status.startswith("graded")
        autograded = self.coursedir.format_path(
            self.coursedir.autograded_directory, student, assignment
        )
        try:
            with course_record.open_gradebook(
                self.coursedir.db_url, self.coursedir.course_id
            ) as course:
                if graded:
                    if not (staged / "gradebook.db").is_file():
                        raise PipelineError(f"the worker left no results in {staged}")
                    course_record.record_graded(
                        course, staged / "gradebook.db", student, assignment
                    )
                else:
                    course_record.record_failed(
                        course, student, assignment, submission_timestamp(folder)
                    )
            course_record.place_autograded(staged / "autograded" if graded else None, autograded)
        except Exception as err:  # one submission's problem must not lose the others
            self.problems.append(f"{student}/{assignment}: {err.__class__.__name__}: {err}")
            return
        self.counts["graded" if graded else "failed"] += 1

    def finish(self) -> None:
        where = self.coursedir.db_url.removeprefix("sqlite:///")
        print(
            f"course gradebook {where}: {self.counts['graded']} graded submission(s) recorded, "
            f"{self.counts['failed']} that could not be graded recorded with 0 points"
        )
        if self.problems:
            raise PipelineError(
                f"{len(self.problems)} submission(s) not recorded in the course gradebook "
                "(grades.csv is complete):\n" + "\n".join(self.problems)
            )


# nbgrader's own commands for the hub's exchange, run with the course configuration.
_EXCHANGE_COMMANDS = {
    "release": "copy assignments/<assignment> to the exchange for students to fetch",
    "collect": "copy students' submissions from the exchange into autograder/work/submitted",
    "feedback": "generate and release feedback for an autograded assignment",
    "export": "export the gradebook's grades to grades.csv in the current folder",
}


def release_graded_feedback(assignment: str, graded: Path) -> int:
    """Release the feedback that ``autograde`` wrote into ``graded`` through nbgrader's exchange.

    ``autograde`` writes each submission's feedback in its own worker, hidden tests stripped,
    so there is nothing to generate again (and with ``--no-course-gradebook`` the course
    gradebook that ``nbgrader generate_feedback`` reads would not know the grades). nbgrader's
    ``release_feedback`` is pointed at ``graded/feedback/<student>/<assignment>/``, where the
    HTML sits beside the submission's timestamp and secret, and copies each file to the
    exchange under the name the student's ``fetch_feedback`` looks for. Submissions without
    those records (not collected through the exchange) are left out, with a warning.
    """
    feedback = Path(graded).resolve() / "feedback"
    students = sorted(
        p.parent.name for p in feedback.glob(f"*/{assignment}") if any(p.glob("*.html"))
    )
    if not students:
        print(f"error: no feedback for {assignment} in {feedback}", file=sys.stderr)
        return 1
    incomplete = [
        s
        for s in students
        if not all((feedback / s / assignment / n).is_file() for n in SUBMISSION_RECORDS)
    ]
    for student in incomplete:
        print(
            f"warning: {student}'s {assignment} was not collected through the exchange "
            "(no timestamp.txt or submission_secret.txt): feedback not released",
            file=sys.stderr,
        )
    if len(incomplete) == len(students):
        return 1
    step = ["release_feedback", assignment, f"--CourseDirectory.feedback_directory={feedback}"]
    if incomplete:
        step.append(f"--CourseDirectory.student_id_exclude={','.join(incomplete)}")
    result = run_nbgrader(step)
    print(result.stdout, end="")
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        print("error: nbgrader release_feedback failed", file=sys.stderr)
        return result.returncode
    released = len(students) - len(incomplete)
    print(f"released {assignment} feedback to {released} student(s): {', '.join(students)}")
    return 0


def collect(assignment: str, single_user: bool = False) -> int:
    """Stage the exchange's inbound folders of ``assignment`` safely, then nbgrader collects them.

    nbgrader's own collect runs as the instructor on folders students wrote: it follows links
    (a notebook linked to ``solutions/`` is copied in as the submission) and only logs a folder
    named for another student. ``autograder/exchange.py`` copies each folder without following
    anything, checks that its owner is the student it names, and refuses the rest loudly; nbgrader
    then collects from that private copy. ngshare (no filesystem exchange) checks owners itself.
    ``single_user`` is for a hub where every user is the instructor (``make hub`` without root):
    every folder must then be the instructor's own.
    """
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.exchange import format_report, stage_inbound

    if os.environ.get("NGSHARE_URL"):
        return _exchange("collect", assignment)
    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    exchange_root, course_id = Path(config.Exchange.root), config.CourseDirectory.course_id
    with tempfile.TemporaryDirectory(prefix="collect-") as staging:  # 0700, the instructor's
        try:
            report = stage_inbound(
                exchange_root, course_id, assignment, Path(staging), trust_owner=single_user
            )
        except (OSError, ValueError) as err:
            inbound = exchange_root / course_id / "inbound"
            print(f"error: cannot stage {inbound}: {err}", file=sys.stderr)
            return 1
        print(format_report(report), file=sys.stderr if report.refused else sys.stdout)
        step = ["collect", assignment, "--update", f"--Exchange.root={staging}"]
        step.append("--ExchangeCollect.check_owner=False")  # checked strictly while staging
        failed = _run_step(step)
        if failed:
            return failed
    return 1 if report.refused else 0  # the others are collected; refusals need a look


def _run_step(step: list[str]) -> int:
    """Run one nbgrader command, show its output; return its exit status."""
    result = run_nbgrader(step)
    print(result.stdout, end="")
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        print(f"error: nbgrader {' '.join(step)} failed", file=sys.stderr)
    return result.returncode


def _exchange(command: str, assignment: str | None) -> int:
    steps = {
        "release": [["release_assignment", assignment, "--force"]],
        "collect": [["collect", assignment, "--update"]],
        "feedback": [
            ["generate_feedback", assignment, "--force"],
            ["release_feedback", assignment],
        ],
        "export": [
            ["export", "--to", str(Path.cwd() / "grades.csv")]
            + ([f"--assignment={assignment}"] if assignment else [])
        ],
    }[command]
    for step in steps:
        failed = _run_step(step)
        if failed:
            return failed
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="regenerate assignments/ from solutions/")
    gen.add_argument("assignments", nargs="*")
    val = sub.add_parser("validate", help="solutions pass nbgrader validate, releases fail")
    val.add_argument("assignments", nargs="*")
    auto = sub.add_parser("autograde", help="grade a folder of submissions in parallel")
    auto.add_argument("submissions", type=Path)
    auto.add_argument("out", type=Path)
    auto.add_argument("--jobs", type=int, default=None)
    auto.add_argument("--timeout", type=float, default=300.0, help="seconds per submission")
    auto.add_argument("--memory-mb", type=int, default=4096, help="memory per submission")
    auto.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")
    auto.add_argument(
        "--checks-timeout", type=float, default=300, help="seconds for the checks of a notebook"
    )
    auto.add_argument(
        "--no-sandbox",
        dest="sandboxed",
        action="store_false",
        help="UNSAFE: run submissions as yourself, with your files and network (only for "
        "notebooks you trust, such as your own solutions)",
    )
    auto.add_argument(
        "--no-course-gradebook",
        dest="record",
        action="store_false",
        help="do not record the grades and autograded notebooks in the course gradebook "
        "(formgrader, nbgrader export); write only OUT",
    )
    for command, text in _EXCHANGE_COMMANDS.items():
        exchange = sub.add_parser(command, help=text)
        exchange.add_argument("assignment", nargs="?" if command == "export" else None)
        if command == "collect":
            exchange.add_argument(
                "--single-user",
                action="store_true",
                help="every hub user is you (a local hub without root): accept folders you own",
            )
        if command == "feedback":
            exchange.add_argument(
                "--graded",
                type=Path,
                metavar="OUT",
                help="release the feedback that `autograde SUBMISSIONS OUT` wrote "
                "(instead of generating it from the course gradebook)",
            )
    args = parser.parse_args(argv)

    try:
        if args.command == "feedback" and args.graded is not None:
            return release_graded_feedback(args.assignment, args.graded)
        if args.command == "collect":
            return collect(args.assignment, args.single_user)
        if args.command in _EXCHANGE_COMMANDS:
            return _exchange(args.command, args.assignment)
        if args.command == "generate":
            generate(args.assignments or None)
        elif args.command == "validate":
            problems = validate(args.assignments or None)
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 1
        elif args.command == "autograde":
            limits = Limits(args.timeout, args.memory_mb, args.cell_timeout, args.checks_timeout)
            rows = autograde(
                args.submissions,
                args.out,
                args.jobs,
                limits,
                record=args.record,
                sandboxed=args.sandboxed,
            )
            counts: dict[str, int] = {}
            for row in rows:
                counts[row.status] = counts.get(row.status, 0) + 1
            print(f"{len(rows)} rows written to {args.out / 'grades.csv'}: {counts}")
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
