"""The instructor's pipeline around nbgrader: generate, validate, autograde, feedback.

Run from the repository root (the Makefile does):

    python -m autograder.pipeline generate [ASSIGNMENT ...]
    python -m autograder.pipeline validate [ASSIGNMENT ...]
    python -m autograder.pipeline autograde SUBMISSIONS OUT [--jobs N] [--timeout S]
                                     [--memory-mb M] [--cell-timeout S]
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
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from autograder import record as course_record
from autograder.record import submission_timestamp

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


def _nbgrader_env(work: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH when it creates a gradebook: use this environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["NBGRADER_EXECUTION"] = "autograde"  # notebooks keep their own training short
    if work is not None:
        env["GANCOURSE_GRADING_DIR"] = str(work)
    return env


def run_nbgrader(args: list[str], work: Path | None = None, timeout: float | None = None, cwd=None):
    """Run one nbgrader command with the course configuration; return the CompletedProcess."""
    command = [sys.executable, "-m", "nbgrader", *args, f"--NbGrader.config_file={CONFIG}"]
    return subprocess.run(
        command,
        cwd=cwd or tempfile.gettempdir(),  # never pick up a stray nbgrader_config.py
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
    r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END (SOLUTION|HIDDEN TESTS)", re.DOTALL
)


def secret_snippets(assignment: str, hidden_tests_only: bool = False) -> set[tuple[str, str]]:
    """Pairs of consecutive lines of solutions and hidden tests, for leak checks.

    A page leaks a secret when it holds both lines of a pair: one shared line alone is
    usually an idiom (`rng = np.random.default_rng(3)`), two in a row are code. Lines are
    stripped and over 12 characters; a line that also stands in the released notebook (a
    message shared by a visible and a hidden assert) is not secret and is skipped.
    """
    import nbformat

    def lines(text):
        return [line.strip() for line in text.splitlines() if len(line.strip()) > 12]

    blocks, public = [], set()
    for source in (SOLUTIONS / assignment).glob("*.ipynb"):
        for cell in nbformat.read(source, as_version=4).cells:
            for match in _SECRET_BLOCK.finditer(cell.source):
                if match.group(1) == "HIDDEN TESTS" or not hidden_tests_only:
                    blocks.append(lines(match.group(2)))
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
    memory_mb: int = 4096  # resident memory of nbgrader, the kernel and their children
    cell_timeout: int = 120  # seconds for one cell; the cell is interrupted, grading goes on


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
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "gan-course") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return {nb.name: (float(nb.score), float(nb.max_score)) for nb in submission.notebooks}


def _max_scores(template: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{template / 'gradebook.db'}", "gan-course") as gradebook:
        return {
            nb.name: float(nb.max_score) for nb in gradebook.find_assignment(assignment).notebooks
        }


def _watch(process: subprocess.Popen, timeout: float, memory_bytes: int) -> str | None:
    """Wait for ``process``; kill its whole tree past the limits. Return the limit hit, if any."""
    import psutil

    deadline = time.monotonic() + timeout
    parent = psutil.Process(process.pid)
    while process.poll() is None:
        if time.monotonic() > deadline:
            reason = "timeout"
        else:
            try:
                tree = [parent, *parent.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.is_running())
            except psutil.Error:
                rss = 0
            reason = "memory" if rss > memory_bytes else None
        if reason:
            for proc in [*parent.children(recursive=True), parent]:
                try:
                    proc.kill()
                except psutil.Error:
                    pass
            process.wait()
            return reason
        time.sleep(0.25)
    return None


def grade_one(
    submission: Path,
    student: str,
    assignment: str,
    template: Path,
    out: Path,
    limits: Limits,
    record: bool = False,
    extension: timedelta | None = None,
) -> list[GradeRow]:
    """Autograde one student's folder for one assignment in an isolated gradebook copy.

    With ``record``, a graded submission leaves its gradebook and autograded notebooks in
    ``_staged(out, student, assignment)`` for the parent to record in the course gradebook.
    ``extension`` is the student's extension of the due date, from the course gradebook.
    """
    staged = _staged(out, student, assignment)
    if staged.exists():
        shutil.rmtree(staged)  # what an interrupted earlier run left
    max_scores = _max_scores(template, assignment)
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

    notebooks = {p.stem: p for p in submission.glob("*.ipynb")}
    missing = [nb for nb in expected if nb not in notebooks]
    if missing:
        return rows("missing-notebook", f"no {missing[0]}.ipynb in the submission")
    import nbformat

    flags, details = [], []
    for name in expected:
        path = notebooks[name]
        try:
            submitted = nbformat.read(path, as_version=4)
            nbformat.validate(submitted)
        except Exception as err:  # any parse or schema failure means "not a notebook"
            return rows("not-a-notebook", f"{path.name}: {err.__class__.__name__}: {err}"[:300])
        released = template / "release" / assignment / f"{name}.ipynb"
        deleted, edited = _test_cell_changes(nbformat.read(released, as_version=4), submitted)
        if deleted:
            flags.append("test-cells-deleted")
            details.append(f"{name}: deleted test cells {deleted} score 0")
        if edited:
            flags.append("test-cells-restored")
            details.append(f"{name}: edited test cells {edited} were graded as released")

    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as tmp:
        work = Path(tmp)
        shutil.copy2(template / "gradebook.db", work / "gradebook.db")
        if extension is not None:
            _grant_extension(work, student, assignment, extension)
        target = work / "submitted" / student / assignment
        target.mkdir(parents=True)
        for name in expected:
            shutil.copy2(notebooks[name], target / f"{name}.ipynb")
        # The submission time, for the gradebook and late penalties (nbgrader fails on a bad one).
        if submission_timestamp(submission) is not None:
            shutil.copy2(submission / "timestamp.txt", target / "timestamp.txt")
        command = [
            sys.executable,
            "-m",
            "autograder.worker",
            assignment,
            student,
            str(limits.cell_timeout),
        ]
        with open(work / "autograde.log", "w") as log:
            env = _nbgrader_env(work)
            # The worker imports `autograder` from the repository, wherever it runs.
            env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])
            process = subprocess.Popen(
                command, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            limit = _watch(process, limits.timeout, limits.memory_mb * 1024 * 1024)
        log_text = (work / "autograde.log").read_text(errors="replace")
        logs = out / "logs"
        logs.mkdir(exist_ok=True)
        (logs / f"{student}--{assignment}.log").write_text(log_text)
        if limit == "timeout":
            return rows("timeout", f"grading took longer than {limits.timeout:.0f} s")
        if limit == "memory":
            return rows("memory-limit", f"the notebook used more than {limits.memory_mb} MB")
        if _kernel_died(log_text):
            return rows(
                "kernel-died",
                "the kernel died while running the notebook "
                "(os._exit, a crash or the system's out-of-memory killer)",
            )
        if process.returncode != 0:
            if "CellTimeoutError" in log_text:
                return rows("cell-timeout", _summarise_log(log_text))
            return rows("error", _summarise_log(log_text))
        try:
            scores = _gradebook_scores(work, assignment, student)
        except Exception as err:
            return rows("error", f"no grades recorded: {err}")
        if record:
            staged.mkdir(parents=True)
            shutil.copy2(work / "gradebook.db", staged / "gradebook.db")
            autograded = work / "autograded" / student / assignment
            if autograded.is_dir():
                shutil.copytree(autograded, staged / "autograded")
        if "CellTimeoutError" in log_text or "Timeout waiting for execute reply" in log_text:
            flags.append("cell-timeout")
            details.append("a cell ran past the per-cell time limit and was interrupted")
        status = "+".join(["graded", *dict.fromkeys(flags)])
        source = work / "feedback" / student / assignment
        feedback = sorted(source.glob("*.html")) if source.is_dir() else []
        if feedback and "FEEDBACK FAILED" not in log_text:
            destination = out / "feedback" / student / assignment
            destination.mkdir(parents=True, exist_ok=True)
            for html in feedback:
                shutil.copy2(html, destination / html.name)
            # What nbgrader's release_feedback needs to match the feedback to the submission.
            for name in SUBMISSION_RECORDS:
                if (submission / name).is_file():
                    shutil.copy2(submission / name, destination / name)
        else:
            status += "+no-feedback"
        return rows(status, "; ".join(details), scores=scores)


def _staged(out: Path, student: str, assignment: str) -> Path:
    """Where a worker leaves a graded submission's results for the course gradebook."""
    return out / ".record" / student / assignment


def _grant_extension(work: Path, student: str, assignment: str, extension: timedelta) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "gan-course") as gradebook:
        gradebook.update_or_create_student(student)
        gradebook.add_submission(assignment, student, extension=extension)


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


def _discover(submissions: Path) -> list[tuple[str, str, Path]]:
    found = []
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir()):
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            found.append((student_dir.name, assignment_dir.name, assignment_dir))
    return found


def autograde(
    submissions: Path,
    out: Path,
    jobs: int | None = None,
    limits: Limits = Limits(),
    progress: bool = True,
    record: bool = False,
) -> list[GradeRow]:
    """Grade every submission under ``submissions`` in parallel; write grades.csv and feedback.

    With ``record`` (the command line's default), every result also goes into the course
    gradebook, as each worker finishes (see the module's docstring and ``autograder/record.py``).
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise PipelineError(f"no submissions folder at {submissions}")
    out.mkdir(parents=True, exist_ok=True)
    template = out / ".gradebook"
    template.mkdir(exist_ok=True)
    known = set(assignment_names())
    tasks = _discover(submissions)
    graded_assignments = sorted({a for _, a, _ in tasks if a in known})
    generate(graded_assignments, work=template, release=template / "release")
    recorder = _Recorder(template, out, graded_assignments) if record else None
    extensions = recorder.extensions if recorder else {}
    rows: list[GradeRow] = []
    jobs = jobs or max(1, (os.cpu_count() or 2))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for student, assignment, folder in tasks:
            if assignment not in known:
                rows.append(GradeRow(student, assignment, "", 0.0, 0.0, "unknown-assignment"))
                continue
            job = pool.submit(
                grade_one,
                folder,
                student,
                assignment,
                template,
                out,
                limits,
                record=record,
                extension=extensions.get((assignment, student)),
            )
            futures[job] = (student, assignment, folder)
        iterator = as_completed(futures)
        if progress:
            from tqdm import tqdm

            iterator = tqdm(iterator, total=len(futures), desc="autograde", unit="submission")
        for future in iterator:
            student, assignment, folder = futures[future]
            try:
                result = future.result()
            except Exception as err:  # a crash in one worker must not stop the others
                result = [GradeRow(student, assignment, "", 0.0, 0.0, "error", str(err)[:300])]
            rows.extend(result)
            if recorder is not None:
                recorder.record(student, assignment, folder, result[0].status)
    rows.sort(key=lambda r: (r.student_id, r.assignment, r.notebook))
    with open(out / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADES_COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, c) for c in GRADES_COLUMNS])
    (out / "grades.json").write_text(json.dumps([asdict(r) for r in rows], indent=1))
    if recorder is not None:
        recorder.finish()
    return rows


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
        staged = _staged(self.out, student, assignment)
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
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        self.counts["graded" if graded else "failed"] += 1

    def finish(self) -> None:
        shutil.rmtree(self.out / ".record", ignore_errors=True)
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
        result = run_nbgrader(step)
        print(result.stdout, end="")
        if result.returncode != 0:
            print(result.stderr[-4000:], file=sys.stderr)
            print(f"error: nbgrader {' '.join(step)} failed", file=sys.stderr)
            return result.returncode
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
        "--no-course-gradebook",
        dest="record",
        action="store_false",
        help="do not record the grades and autograded notebooks in the course gradebook "
        "(formgrader, nbgrader export); write only OUT",
    )
    for command, text in _EXCHANGE_COMMANDS.items():
        exchange = sub.add_parser(command, help=text)
        exchange.add_argument("assignment", nargs="?" if command == "export" else None)
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
            limits = Limits(args.timeout, args.memory_mb, args.cell_timeout)
            rows = autograde(args.submissions, args.out, args.jobs, limits, record=args.record)
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
