"""Grade one submission in one process: nbgrader's autograde, then its feedback.

Started by ``autograder.pipeline.grade_one`` inside a scratch course folder
(``$GANCOURSE_GRADING_DIR``) that holds a copy of the gradebook and the one submission, and
watched from outside for time and memory. Importing nbgrader once for both steps saves a
second interpreter start per submission.

    python -m autograder.worker ASSIGNMENT STUDENT CELL_TIMEOUT

Exit status 0 when autograding succeeded (feedback problems are printed, not fatal), 1 when
it failed; the log goes to stdout.
"""

from __future__ import annotations

import os
import sys

from traitlets.config.loader import PyFileConfigLoader

from autograder.pipeline import CONFIG
from autograder.sandbox import JAIL_ENV


def main(argv=None) -> int:
    assignment, student, cell_timeout = argv or sys.argv[1:4]
    from nbgrader.apps import NbGraderAPI

    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    config.Execute.timeout = int(cell_timeout)
    if os.environ.get(JAIL_ENV):  # the kernel starts in the submission's sandbox
        config.Execute.kernel_manager_class = "autograder.sandbox.SandboxedKernelManager"
    api = NbGraderAPI(config=config)
    result = api.autograde(assignment, student, force=True, create=True)
    print(result.get("log", ""))
    if not result["success"]:
        print(result.get("error", "autograde failed"))
        return 1
    feedback = api.generate_feedback(assignment, student, force=True)
    if not feedback["success"]:
        print("FEEDBACK FAILED\n" + feedback.get("log", "") + feedback.get("error", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
