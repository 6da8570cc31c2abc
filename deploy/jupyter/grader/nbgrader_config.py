"""nbgrader configuration of the grader: the course repository's own configuration.

The grader is the shared server of nbgrader's "One Class, Multiple Graders" (the hub's service
gan-course, run as grader-gan-course) or, on the hub of `make hub`, the instructor's own server.
It works in a clone of the course repository (by default ~/gan-course; the hub sets
GANCOURSE_REPOSITORY where it lives elsewhere). Its autograder/nbgrader_config.py maps nbgrader's
folders onto the repository (solutions/ is the source, assignments/ the release) and keeps the
gradebook and submissions in autograder/work/ or GANCOURSE_GRADING_DIR, so the formgrader, the
command line and `python -m autograder.pipeline` all see the same course.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

repository = Path(os.environ.get("GANCOURSE_REPOSITORY", Path.home() / "gan-course"))
course_config = repository / "autograder" / "nbgrader_config.py"
if course_config.is_file():
    load_subconfig(str(course_config))  # noqa: F821 (provided by traitlets)
    # The formgrader works only on a course inside the server's root folder (the home): keep
    # the path as given, so that a course folder reached through a link in the home counts.
    c.CourseDirectory.root = str(repository)
else:
    c.CourseDirectory.course_id = "gan-course"
    print(f"gan-course: no {course_config}; clone the course repository there")
