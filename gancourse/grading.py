"""nbgrader preprocessors that the course's autograder configuration installs.

Used by ``autograder/nbgrader_config.py``; the instructor pipeline is ``autograder/pipeline.py``.

- :class:`StderrIsNotFailure` runs right after execution during autograding. nbgrader gives zero
  points to a test cell that wrote *anything* to stderr, and TensorFlow and Keras write start-up
  notices and warnings there; a correct answer must not lose points for a library's warning.
  Stderr text in test cells is kept, as stdout, so the feedback still shows it.
- :class:`HideHiddenTests` runs before feedback is rendered: it removes the hidden-test region
  from every test cell and cuts tracebacks down to the exception's message, so a student's
  feedback shows *what* failed and the teaching message, never the hidden test's source.
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
HIDDEN_NOTE = "# (hidden tests ran here; their messages are shown below)"
_HIDDEN_REGION = re.compile(
    rf"^[ \t]*{re.escape(BEGIN_HIDDEN)}.*?^[ \t]*{re.escape(END_HIDDEN)}[^\n]*\n?",
    re.DOTALL | re.MULTILINE,
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def strip_hidden_tests(source: str) -> str:
    """Replace every hidden-test region of ``source`` by a one-line note."""
    return _HIDDEN_REGION.sub(HIDDEN_NOTE + "\n", source)


def short_error(output) -> list[str]:
    """The last line a student should see of an error: ``Name: message``, no source lines."""
    message = _ANSI.sub("", str(output.get("evalue", ""))).strip()
    name = output.get("ename", "Error")
    return [f"{name}: {message}" if message else name]


class StderrIsNotFailure(NbGraderPreprocessor):
    """Move stderr streams of test cells to stdout, so warnings cannot zero a test."""

    def preprocess_cell(self, cell, resources, cell_index):
        if _is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test source and tracebacks from test cells before feedback is rendered."""

    def preprocess_cell(self, cell, resources, cell_index):
        if _is_test_cell(cell):
            cell.source = strip_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = short_error(output)
        return cell, resources
