"""nbgrader configuration for the GAN course.

nbgrader's course folders are mapped onto the repository: the instructor's source notebooks are
`solutions/`, the generated student versions are `assignments/`, and everything that holds
student work or grades lives under `autograder/work/`, which git ignores. Run nbgrader from this
folder (`cd autograder && nbgrader ...`) or through `python -m autograder.pipeline`, which loads
this file explicitly.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

repository = Path(__file__).resolve().parent.parent
work = Path(os.environ.get("GANCOURSE_GRADING_DIR", repository / "autograder" / "work"))
work.mkdir(parents=True, exist_ok=True)  # sqlite cannot create the gradebook's folder

c.CourseDirectory.course_id = "gan-course"
c.CourseDirectory.root = str(repository)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = str(work / "submitted")
c.CourseDirectory.autograded_directory = str(work / "autograded")
c.CourseDirectory.feedback_directory = str(work / "feedback")
c.CourseDirectory.solution_directory = str(work / "solution")
c.CourseDirectory.db_url = f"sqlite:///{work / 'gradebook.db'}"
# Only notebooks are assignment files; data comes from the installed `gancourse` package.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# The exchange shared by instructor and students on the hub (see deploy/README.md): a folder,
# or on Kubernetes the ngshare service when the hub sets NGSHARE_URL.
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
if os.environ.get("NGSHARE_URL"):
    from ngshare_exchange import configureExchange

    configureExchange(c, os.environ["NGSHARE_URL"])

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A whole notebook must finish well within this; a cell that runs longer is stopped.
c.ExecutePreprocessor.timeout = 120
c.ExecutePreprocessor.interrupt_on_timeout = True

# Grading and feedback: see gancourse/grading.py for why each preprocessor is here.
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from gancourse.grading import (  # noqa: E402
    FEEDBACK_FILTERS,
    FEEDBACK_TEMPLATE,
    RENDER_FILTERS,
    AwaitTheJudge,
    HideHiddenTests,
    OnlyThroughThePipeline,
    SanitizeOutputs,
    StderrIsNotFailure,
    nbgrader_template_dir,
)

# SanitizeOutputs right after execution: the stored autograded notebook, which the formgrader
# renders and feedback is made from, holds only capped, passive outputs; every later step
# works on bounded text.
c.Autograde.autograde_preprocessors = [
    OnlyThroughThePipeline,  # nbgrader autograde by hand or from the formgrader: refused
    Execute,
    StderrIsNotFailure,
    SanitizeOutputs,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    AwaitTheJudge,  # phase 1 decides nothing: autograder/judging.py writes the points
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.GenerateFeedback.preprocessors = [
    HideHiddenTests,
    SanitizeOutputs,  # again, for notebooks autograded before it was added
    GetGrades,
    CSSHTMLHeaderPreprocessor,
]

# Rendering. Every HTMLExporter that reads this file, the feedback's and the formgrader's (it
# loads nbgrader_config.py through deploy/jupyter/grader/), sanitises outputs with
# nbconvert's bleach-based cleaner and renders Markdown with raw HTML as text: nbgrader's
# templates call markdown2html without any sanitiser.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = dict(RENDER_FILTERS)
# Feedback pages only (settings under GenerateFeedback reach only the exporter it creates, so
# the formgrader keeps its own template): MathJax inside the page, no CDN.
c.GenerateFeedback.HTMLExporter.template_name = FEEDBACK_TEMPLATE
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
    str(repository / "autograder" / "templates"),
    str(nbgrader_template_dir()),
]
c.GenerateFeedback.HTMLExporter.filters = dict(FEEDBACK_FILTERS)
# So that the course's index.html.j2 can extend nbgrader's by its path, feedback/index.html.j2;
# and, as nbgrader sets it, where its page finds bootstrap.min.css.
c.GenerateFeedback.HTMLExporter.extra_template_paths = [
    str(nbgrader_template_dir()),
    str(nbgrader_template_dir().parent / "static" / "node_modules" / "bootstrap" / "dist" / "css"),
]
