"""Grading of one submission after another, in one process: nbgrader's autograde runs the
notebook (phase 1), ``autograder/judging.py`` judges it (phase 2), nbgrader writes feedback.

Started by ``autograder.pipeline`` once per grading slot and fed jobs, one JSON line each, on
stdin; it answers each with one JSON line on stdout. A job names a private course folder
(``$GANCOURSE_GRADING_DIR``) holding a copy of the gradebook and the one submission, and the
jail its kernel starts in (``$GANCOURSE_SANDBOX_JAIL``). Importing nbgrader and nbconvert once
per slot instead of once per submission is what this process is for: it never runs student
code (the kernel and the probe do, in the submission's jail), so reusing it is safe. The pipeline watches it for time
and memory from outside and replaces it when it has to kill it.

    python -m autograder.worker ANSWER_FD

Each answer (on the inherited file descriptor ANSWER_FD, so that nothing nbgrader or a library
prints can be taken for one) is ``{"returncode": 0}`` when autograding succeeded (feedback problems go to the
log, not fatal) or 1 when it failed; the job's log is written to ``autograde.log`` in its
folder.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from autograder import judging
from autograder.pipeline import CONFIG
from autograder.sandbox import JAIL_ENV, Jail

#: Where the jail's copy of the probe and the course package is (``RunFiles.library``).
LIBRARY_ENV = "GANCOURSE_SANDBOX_LIBRARY"
#: The environment a job may set; nothing else of the worker's changes between jobs.
JOB_ENV = ("GANCOURSE_GRADING_DIR", JAIL_ENV, "JUPYTER_RUNTIME_DIR", LIBRARY_ENV)


def grade(
    assignment: str, student: str, cell_timeout: int, checks_timeout: float
) -> tuple[int, str]:
    """Run, judge and write feedback for one submission; return the status and the log."""
    from nbgrader.apps import NbGraderAPI

    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    config.Execute.timeout = int(cell_timeout)
    if os.environ.get(JAIL_ENV):  # the kernel starts in the submission's sandbox
        config.Execute.kernel_manager_class = "autograder.sandbox.SandboxedKernelManager"
    api = NbGraderAPI(config=config)
    start = time.perf_counter()
    result = api.autograde(assignment, student, force=True, create=True)
    executed = time.perf_counter()
    log = [result.get("log", "")]
    if not result["success"]:
        log.append(result.get("error", "autograde failed"))
        return 1, "\n".join(log)
    # Phase 2: the checks, judged here from what a fresh probe process reports.
    work = Path(os.environ["GANCOURSE_GRADING_DIR"])
    jail = Jail.load(os.environ[JAIL_ENV]) if os.environ.get(JAIL_ENV) else None
    runner = judging.probe_runner(jail, os.environ.get(LIBRARY_ENV, ""), checks_timeout)
    judgements = judging.judge_submission(
        assignment, work / "submitted" / student / assignment, runner, checks_timeout
    )
    judging.record(work, assignment, student, judgements)
    judging.write_json(work / "judgement.json", judgements)
    judged = time.perf_counter()
    feedback = api.generate_feedback(assignment, student, force=True)
    if not feedback["success"]:
        log.append("FEEDBACK FAILED\n" + feedback.get("log", "") + feedback.get("error", ""))
    done = time.perf_counter()
    log.append(
        f"notebook {executed - start:.1f} s, checks {judged - executed:.1f} s, "
        f"feedback {done - judged:.1f} s"
    )
    return 0, "\n".join(log)


def serve(jobs, answers) -> None:
    for line in jobs:
        job = json.loads(line)
        for key in JOB_ENV:
            os.environ.pop(key, None)
        os.environ.update({k: v for k, v in job["env"].items() if k in JOB_ENV})
        os.chdir(job["work"])
        try:
            if job["sandboxed"] and not os.environ.get(JAIL_ENV):
                raise RuntimeError("a sandboxed job came without its jail: not graded")
            code, log = grade(
                job["assignment"], job["student"], job["cell_timeout"], job["checks_timeout"]
            )
        except Exception:  # reported for this job; the next one gets a clean start
            code, log = 1, traceback.format_exc()
        Path(job["work"], "autograde.log").write_text(log)
        answers.write(json.dumps({"returncode": code}) + "\n")
        answers.flush()


if __name__ == "__main__":
    with os.fdopen(int(sys.argv[1]), "w") as answers:
        serve(sys.stdin, answers)
