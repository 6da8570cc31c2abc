"""Students' outputs are shown, never run: the autograded notebook and the feedback page.

A released assignment gets hostile outputs and cells (script in HTML, JavaScript and SVG
outputs, raw HTML in Markdown, megabytes of output), goes through the course's
``SanitizeOutputs`` as autograding runs it, and is rendered by nbconvert exactly as the course
configuration (``autograder/nbgrader_config.py``) sets up nbgrader's feedback and formgrader.
No TensorFlow and no kernel; seconds. The ``..._catch_stock_nbgrader`` tests render the same
notebook with nbgrader's own settings and show that the checks find each problem there.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import http.server
import re
import socketserver
import threading
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell
from nbgrader.utils import determine_grade
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from gancourse import grading
from gancourse.grading import (
    MAX_CELL_TEXT_BYTES,
    MAX_CODE_SOURCE_BYTES,
    MAX_ERROR_VALUE_BYTES,
    MAX_IMAGE_BYTES,
    MAX_NOTEBOOK_OUTPUT_BYTES,
    MAX_OUTPUTS_PER_CELL,
    MAX_TEXT_OUTPUT_BYTES,
    MAX_TEXT_SOURCE_BYTES,
    MAX_TRACEBACK_BYTES,
    MiB,
    SanitizeOutputs,
)

REPOSITORY = Path(__file__).resolve().parent.parent
CONFIG = REPOSITORY / "autograder" / "nbgrader_config.py"
ASSIGNMENT = REPOSITORY / "assignments" / "ps1-gan-foundations" / "ps1-gan-foundations.ipynb"
# A 1x1 PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
# Far above every cap, small enough to keep the test fast (the brief's 30 MB line and 100 MB
# Markdown cell are cut the same way).
HUGE = 6 * MiB
EVIL = "https://evil.example"
GRADES = {"notebook": "ps1-gan-foundations", "score": 10.0, "max_score": 100.0, "late_penalty": 0}


# --- The notebooks --------------------------------------------------------------------------


def _assignment():
    return nbformat.read(ASSIGNMENT, as_version=4)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def hostile_notebook():
    """The released problem set 1 with a student's hostile outputs and cells."""
    nb = _assignment()
    answer = _cell(nb, "preprocess_images")
    answer.outputs = [
        new_output(
            "display_data",
            data={"text/html": '<script>alert("html")</script><img src=x onerror=alert("img")>'},
        ),
        new_output("display_data", data={"application/javascript": 'alert("js")'}),
        new_output(
            "display_data",
            data={
                "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg">'
                '<script>alert("svg")</script></svg>'
            },
        ),
        new_output(
            "display_data",
            data={"text/markdown": '<script>alert("md")</script> [a](javascript:alert("mdlink"))'},
        ),
        new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2}
            },
        ),
        new_output(
            "execute_result",
            data={"text/html": f'<iframe src="{EVIL}/frame"></iframe>', "text/plain": "a frame"},
            execution_count=3,
        ),
        # "filenames" makes nbconvert write <img src=...> of any URL.
        new_output(
            "display_data",
            data={"image/png": PNG},
            metadata={"filenames": {"image/png": f"{EVIL}/pixel.png"}},
        ),
        new_output("stream", name="stdout", text="A" * HUGE),  # one line
    ]
    test = _cell(nb, "test_preprocess_images")
    test.outputs = [
        new_output(
            "error", ename="AssertionError", evalue="E" * HUGE, traceback=["T" * 1000] * 3000
        )
    ]
    markdown = (
        '<script>alert("cell")</script>\n\n'
        f'<iframe src="{EVIL}/frame"></iframe>\n\n'
        f'A <a href="javascript:alert(\'a\')">link</a>, [click](javascript:alert("link")), '
        f"![pixel]({EVIL}/pixel.png) and <img src=x onerror=alert('inline')>.\n\n"
        '```mermaid\n<img src=x onerror=alert("mermaid")>\n```\n'
    )
    nb.cells[3:3] = [
        new_markdown_cell(markdown),
        new_markdown_cell("B" * HUGE),
        new_raw_cell('<script>alert("raw")</script>'),
    ]
    state = {"state": {}, "x": '</script><script>alert("widget")</script>'}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    return nb


def honest_notebook():
    """Problem set 1 answered, with the outputs an ordinary answer shows."""
    nb = _assignment()
    answer = _cell(nb, "preprocess_images")
    answer.outputs = [
        new_output("stream", name="stdout", text="epoch 1: loss 0.693\nepoch 2: loss 0.512\n"),
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure 1 Axes>"}),
        new_output("execute_result", data={"text/plain": "(16, 28, 28, 1)"}, execution_count=4),
    ]
    return nb


def sanitised(nb):
    """What autograding stores: the notebook after SanitizeOutputs."""
    nb = copy.deepcopy(nb)
    SanitizeOutputs().preprocess(nb, {})
    return nb


# --- Rendering as the course configures it --------------------------------------------------


@pytest.fixture(scope="module")
def course_config(tmp_path_factory):
    """autograder/nbgrader_config.py, loaded as autograder/worker.py loads it."""
    with pytest.MonkeyPatch.context() as patch:  # the config creates its grading folder
        patch.setenv("GANCOURSE_GRADING_DIR", str(tmp_path_factory.mktemp("grading")))
        return PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()


def grades_without_gradebook(nb, resources):
    """Stands in for nbgrader's GetGrades, which reads the gradebook: what it adds."""
    resources["nbgrader"] = dict(GRADES)
    for cell in nb.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade"):
            nbgrader["score"] = 0.0
            nbgrader.setdefault("comment", None)
    return nb, resources


def feedback_exporter(config):
    """The exporter nbgrader's GenerateFeedback builds (BaseConverter.start), with its steps."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    for preprocessor in converter.preprocessors:
        exporter.register_preprocessor(
            grades_without_gradebook if preprocessor is GetGrades else preprocessor
        )
    return exporter


def render_feedback(config, nb) -> str:
    html, _ = feedback_exporter(config).from_notebook_node(nb, resources={"nbgrader": GRADES})
    return html


def render_formgrade(config, nb) -> str:
    """The formgrader's page for a submission: FormgradeExtension's exporter and template.

    The formgrader applies its own settings first (build_extra_config), then the
    nbgrader_config.py files it finds (on the hub, deploy/jupyter/grader/ loads the
    course's), and renders the stored autograded notebook with no preprocessor.
    """
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    app = FormgradeExtension()
    app.update_config(app.build_extra_config())
    app.update_config(config)
    exporter = HTMLExporter(config=app.config)  # as FormgradeExtension.init_tornado_settings
    assert exporter.template_name == "formgrade"
    resources = {
        "assignment_id": "ps1-gan-foundations",
        "notebook_id": "ps1-gan-foundations",
        "submission_id": "abc",
        "index": 0,
        "total": 1,
        "base_url": "/user/teacher",
        "student": "s1",
        "last_name": "",
        "first_name": "",
        "notebook_path": "x.ipynb",
    }
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


# --- What a page may hold --------------------------------------------------------------------

# Elements that fetch a URL when the page opens, and the attribute that holds it.
_LOADS = {"script": "src", "img": "src", "iframe": "src", "frame": "src", "embed": "src"}
_LOADS |= {"source": "src", "video": "src", "audio": "src", "input": "src", "object": "data"}
_LOADS |= {"link": "href", "image": "href", "use": "href"}
_EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_EXTERNAL = re.compile(r"@import|url\(\s*['\"]?\s*(https?:)?//", re.IGNORECASE)
_ACTIVE_URL = re.compile(r"^(javascript|vbscript|data:text/html)", re.IGNORECASE)


class PageScan(HTMLParser):
    """Every element, attribute, script and style of a page, as a browser would parse it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict, list] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag in ("script", "style"):
            self._open = (tag, attributes, [])

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            kind, attributes, parts = self._open
            if kind == "script":
                self.scripts.append((attributes, "".join(parts)))
            else:
                self.styles.append("".join(parts))
            self._open = None


def without_scripts(html: str) -> str:
    return re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)


def page_problems(
    html: str,
    allowed_script=lambda attributes, text: False,
    allowed_handler=lambda value: False,
) -> list[str]:
    """What in ``html`` could run or fetch something, except the page's own scripts and event
    handlers (those that ``allowed_script`` and ``allowed_handler`` accept)."""
    scan = PageScan(html)
    problems = []
    for tag, attributes in scan.tags:
        if tag in ("iframe", "frame", "object", "embed", "base", "form"):
            problems.append(f"<{tag}> element")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            problems.append("<meta http-equiv=refresh>")
        for name, value in attributes.items():
            if name.startswith("on") and not allowed_handler(value):
                problems.append(f"<{tag} {name}={value[:40]!r}> event handler")
            # Browsers drop control characters and spaces in a URL's scheme.
            if _ACTIVE_URL.match(re.sub(r"[\x00-\x20]", "", value)):
                problems.append(f"<{tag} {name}={value[:40]!r}> script URL")
            if name == "style" and _CSS_EXTERNAL.search(value):
                problems.append(f"<{tag} style=...> loads {value[:60]!r}")
        url = attributes.get(_LOADS.get(tag, ""), "") or attributes.get("xlink:href", "")
        if _EXTERNAL.match(url) and not allowed_script(attributes, ""):
            problems.append(f"<{tag}> loads {url[:80]}")
    for attributes, text in scan.scripts:
        if not allowed_script(attributes, text):
            problems.append(
                f"<script> not the page's own: {(attributes.get('src') or text)[:80]!r}"
            )
    for style in scan.styles:
        if _CSS_EXTERNAL.search(style):
            problems.append(f"<style> loads {_CSS_EXTERNAL.search(style).group(0)!r}")
    return problems


@functools.cache
def mathjax_scripts() -> tuple[str, str]:
    """The two scripts the course puts in a feedback page: MathJax's settings and MathJax."""
    scripts = PageScan(grading.offline_mathjax()).scripts
    return tuple(text for _, text in scripts)


def is_feedback_script(attributes, text) -> bool:
    return not attributes and text in mathjax_scripts()


def is_formgrader_script(attributes, text) -> bool:
    """The formgrader page's own: nbgrader's static files, its inline code, CDN MathJax 2."""
    source = attributes.get("src", "")
    if source:
        return source.startswith(("/user/teacher/formgrader/static/", "https://cdnjs.cloudflare"))
    return "alert(" not in text  # every script a student tried holds alert(


def is_formgrader_handler(value) -> bool:
    return "alert(" not in value  # nbgrader's own onclick="toggle_name(...)"


# --- Feedback -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_feedback(course_config):
    return render_feedback(course_config, sanitised(hostile_notebook()))


def test_feedback_runs_and_loads_nothing_of_a_students(hostile_feedback):
    assert page_problems(hostile_feedback, is_feedback_script) == []
    # Raw markup a student wrote is on the page as text, not as elements.
    assert hostile_feedback.count("<script") == 2  # MathJax's settings and MathJax
    assert "<iframe" not in hostile_feedback
    assert "&lt;script&gt;alert(" in hostile_feedback
    assert 'href="#harmful-link"' in hostile_feedback  # [click](javascript:...)
    assert f'href="{EVIL}/pixel.png"' in hostile_feedback  # an external image is a link


def test_feedback_renders_stored_notebooks_that_were_never_sanitised(course_config):
    """Autograded before SanitizeOutputs was configured: the feedback step applies it."""
    html = render_feedback(course_config, hostile_notebook())
    assert page_problems(html, is_feedback_script) == []


def test_feedback_embeds_mathjax_3_with_single_dollar_inline_math(hostile_feedback):
    settings, library = (text for _, text in PageScan(hostile_feedback).scripts)
    assert library == grading.mathjax_bundle().read_text(encoding="utf-8")
    assert grading.mathjax_bundle().name == "tex-svg-full.js"  # SVG: no font files to load
    assert '"inlineMath": [["$", "$"]' in settings  # MathJax 3 leaves single $ out by default
    assert '"[-]": ["html", "require"]' in settings  # no \href, \style, \require
    assert "cdnjs" not in hostile_feedback and "MathJax.Hub" not in settings


def test_feedback_content_security_policy_allows_exactly_its_scripts(hostile_feedback):
    scan = PageScan(hostile_feedback)
    (policy,) = [
        attributes["content"]
        for tag, attributes in scan.tags
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy"
    ]
    assert "default-src 'none'" in policy and "img-src data:" in policy
    hashes = set(re.findall(r"'sha256-([A-Za-z0-9+/=]+)'", policy))
    # The page as written (nbconvert reparses it with BeautifulSoup): the hashes still match.
    for _, text in scan.scripts:
        assert base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() in hashes
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_feedback_page_size_is_bounded(course_config):
    html = render_feedback(course_config, hostile_notebook())  # the feedback step caps too
    mathjax = grading.mathjax_bundle().stat().st_size
    assert len(html.encode()) < mathjax + 1 * MiB  # from over 3 * HUGE of input
    assert "bytes cut]" in without_scripts(html)
    assert "[output removed: application/javascript]" in html


def test_feedback_shows_an_honest_answer(course_config):
    html = render_feedback(course_config, sanitised(honest_notebook()))
    assert page_problems(html, is_feedback_script) == []
    assert "epoch 2: loss 0.512" in html
    assert "(16, 28, 28, 1)" in html
    assert f'src="data:image/png;base64,{PNG}"' in html
    assert "$[-1, 1]$" in html  # for MathJax, in the assignment's own Markdown
    assert "<code>uint8</code>" in html
    page = without_scripts(html)
    assert "bytes cut" not in page and "removed" not in page


_STOCK_WIDGET_WARNING = "ignore:Your element with mimetype:UserWarning"


@pytest.mark.filterwarnings(_STOCK_WIDGET_WARNING)
def test_checks_catch_stock_nbgrader():
    """nbgrader's own feedback settings fail the checks above, each kind of problem found."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    converter = GenerateFeedback(coursedir=CourseDirectory(), config=Config())
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    for preprocessor in converter.preprocessors:
        exporter.register_preprocessor(
            grades_without_gradebook if preprocessor is GetGrades else preprocessor
        )
    nb = hostile_notebook()
    nb.cells = [cell for cell in nb.cells if len(cell.source) < HUGE]  # mistune is slow on it
    html, _ = exporter.from_notebook_node(nb, resources={"nbgrader": GRADES})
    problems = "\n".join(page_problems(html, is_feedback_script))
    for expected in ("<iframe> element", "onerror=", "script URL", "<script> not the page"):
        assert expected in problems
    assert "loads https://cdnjs.cloudflare.com/ajax/libs/mathjax/2" in problems
    assert f"loads {EVIL}/pixel.png" in problems
    assert 'alert("js")' in problems  # an application/javascript output
    assert len(html) > HUGE  # the stdout line, whole
    assert "Content-Security-Policy" not in html and "MathJax.Hub.Config" in html  # MathJax 2


# --- Formgrader -----------------------------------------------------------------------------


def test_formgrader_reads_the_course_rendering_settings(course_config):
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    app = FormgradeExtension()
    app.update_config(app.build_extra_config())
    app.update_config(course_config)
    exporter = HTMLExporter(config=app.config)
    assert exporter.template_name == "formgrade"  # the feedback template stays the feedback's
    assert exporter.sanitize_html is True
    assert exporter.filters == grading.RENDER_FILTERS


def test_formgrader_page_runs_nothing_of_a_students(course_config):
    html = render_formgrade(course_config, sanitised(hostile_notebook()))
    assert page_problems(html, is_formgrader_script, is_formgrader_handler) == []
    assert "&lt;script&gt;alert(" in html
    assert "<iframe" not in html


@pytest.mark.filterwarnings(_STOCK_WIDGET_WARNING)
def test_formgrader_check_catches_stock_nbgrader():
    nb = hostile_notebook()
    nb.cells = [cell for cell in nb.cells if len(cell.source) < HUGE]  # mistune is slow on it
    html = render_formgrade(Config(), nb)
    problems = "\n".join(page_problems(html, is_formgrader_script, is_formgrader_handler))
    assert "<script> not the page" in problems and "onerror=" in problems


# --- The course configuration ---------------------------------------------------------------


def test_sanitiser_runs_right_after_execution_and_before_feedback(course_config):
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    autograde = list(course_config.Autograde.autograde_preprocessors)
    assert autograde.index(SanitizeOutputs) == autograde.index(grading.StderrIsNotFailure) + 1
    assert autograde.index(Execute) < autograde.index(SanitizeOutputs)
    assert autograde.index(SanitizeOutputs) < autograde.index(SaveAutoGrades)
    feedback = list(course_config.GenerateFeedback.preprocessors)
    assert feedback.index(grading.HideHiddenTests) < feedback.index(SanitizeOutputs)
    assert course_config.HTMLExporter.sanitize_html is True


# --- SanitizeOutputs, cap by cap --------------------------------------------------------------


def _code(*outputs, **nbgrader):
    cell = new_code_cell("x = 1")
    cell.outputs = list(outputs)  # not validated one by one: thousands are fine
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def _clean(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    SanitizeOutputs().preprocess(nb, {})
    return nb


def _outputs(*outputs):
    return _clean(_code(*outputs)).cells[0].outputs


def _size(text) -> int:
    return len(text.encode())


def _text_bytes(cell) -> int:
    total = 0
    for output in cell.outputs:
        total += _size(output.get("text", "")) + _size(output.get("data", {}).get("text/plain", ""))
        total += sum(_size(line) for line in output.get("traceback", []))
    return total


def test_one_long_line_is_cut_in_bytes_keeping_both_ends():
    line = "start" + "x" * HUGE + "end"
    (out,) = _outputs(new_output("stream", name="stdout", text=line))
    assert _size(out.text) <= MAX_TEXT_OUTPUT_BYTES
    assert out.text.startswith("startxx") and out.text.endswith("xxend")
    cut = int(re.search(r"\[\.\.\. (\d+) bytes cut\]", out.text).group(1))
    assert cut + _size(out.text) - _size(f"\n[... {cut} bytes cut]\n") == _size(line)


def test_multibyte_text_is_cut_on_character_boundaries():
    (out,) = _outputs(new_output("stream", name="stdout", text="é€😀" * HUGE))
    assert _size(out.text) <= MAX_TEXT_OUTPUT_BYTES and "\ufffd" not in out.text


def test_a_cells_text_has_a_total_and_its_outputs_a_count():
    many = [new_output("display_data", data={"text/plain": "t" * 60_000}) for _ in range(20)]
    cell = _clean(_code(*many)).cells[0]
    assert _text_bytes(cell) <= MAX_CELL_TEXT_BYTES + 1024
    assert "more outputs" in cell.outputs[-1].data["text/plain"]
    figures = [new_output("display_data", data={"image/png": PNG}) for _ in range(500)]
    cell = _clean(_code(*figures)).cells[0]
    assert len(cell.outputs) == MAX_OUTPUTS_PER_CELL + 1
    assert "[... 400 more outputs" in cell.outputs[-1].data["text/plain"]


def test_pieces_of_a_stream_are_joined_then_capped():
    pieces = [NotebookNode(output_type="stream", name="stdout", text="x\n")] * 50_000
    (out,) = _outputs(*pieces)
    assert out.name == "stdout" and _size(out.text) <= MAX_TEXT_OUTPUT_BYTES


def test_only_passive_types_stay_and_an_emptied_output_says_what_went():
    active = {
        "text/html": "<b>x</b>",
        "application/javascript": "alert(1)",
        "image/svg+xml": "<svg/>",
        "text/markdown": "*x*",
        "text/latex": "$x$",
        "application/json": {"a": 1},
        "application/vnd.jupyter.widget-view+json": {"model_id": "m"},
    }
    only_active, with_text = _outputs(
        new_output("display_data", data=active),
        new_output("execute_result", data={**active, "text/plain": "x"}, execution_count=1),
    )
    assert list(only_active.data) == ["text/plain"]
    assert only_active.data["text/plain"].startswith("[output removed: application/javascript")
    assert with_text.data == {"text/plain": "x"} and with_text.execution_count == 1


def test_images_are_capped_checked_and_lose_their_urls():
    big = "A" * (MAX_IMAGE_BYTES + 4)
    outputs = _outputs(
        new_output("display_data", data={"image/png": big, "text/plain": "<Figure>"}),
        new_output("display_data", data={"image/jpeg": '"><script>'}),
        new_output(
            "display_data",
            data={"image/png": PNG},
            metadata={"image/png": {"width": 40, "onload": "x"}, "filenames": {"a": "b"}},
        ),
    )
    assert "image/png" not in outputs[0].data and "over the" in outputs[0].data["text/plain"]
    assert outputs[1].data == {"text/plain": "[image/jpeg removed: not base64]"}
    assert outputs[2].data["image/png"] == PNG
    assert outputs[2].metadata == {"image/png": {"width": 40}}


def test_a_notebooks_outputs_have_a_total():
    image = "A" * (MAX_IMAGE_BYTES - 8)
    cells = [_code(new_output("display_data", data={"image/png": image})) for _ in range(20)]
    nb = _clean(*cells)
    kept = sum(len(o.data.get("image/png", "")) for c in nb.cells for o in c.outputs)
    assert kept <= MAX_NOTEBOOK_OUTPUT_BYTES
    assert "over the" in nb.cells[-1].outputs[0].data["text/plain"]


def test_errors_are_capped_and_keep_their_ends():
    traceback = ["first frame"] + [f"frame {i} " + "t" * 1000 for i in range(5000)] + ["last"]
    error = new_output("error", ename="N" * 5000, evalue="v" * HUGE, traceback=traceback)
    (out,) = _outputs(error)
    assert _size(out.ename) <= 256 and _size(out.evalue) <= MAX_ERROR_VALUE_BYTES
    assert sum(map(_size, out.traceback)) <= MAX_TRACEBACK_BYTES + 64
    assert out.traceback[0] == "first frame" and out.traceback[-1] == "last"
    assert any(line.startswith("[... ") for line in out.traceback)


def test_grades_are_the_same_after_sanitising():
    """A test cell's first error, stderr and execute result survive any cap."""
    test = {"grade": True, "solution": False, "points": 5, "grade_id": "t"}
    flood = [new_output("display_data", data={"text/plain": "t" * 60_000}) for _ in range(300)]
    cases = [
        [*flood, new_output("error", ename="AssertionError", evalue="wrong", traceback=[])],
        [*flood, new_output("stream", name="stderr", text="warning")],
        [*flood, new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)],
        [new_output("stream", name="stdout", text="A" * HUGE)],
    ]
    for outputs in cases:
        before = determine_grade(_code(*copy.deepcopy(outputs), **test))
        after = determine_grade(_clean(_code(*outputs, **test)).cells[0])
        assert after == before


def test_markdown_raw_and_code_sources_are_capped():
    markdown, raw, code = _clean(
        new_markdown_cell("m" * HUGE), new_raw_cell("r" * HUGE), new_code_cell("c" * HUGE)
    ).cells
    assert _size(markdown.source) <= MAX_TEXT_SOURCE_BYTES and markdown.source.endswith("cut]")
    assert _size(raw.source) <= MAX_TEXT_SOURCE_BYTES
    assert _size(code.source) <= MAX_CODE_SOURCE_BYTES
    assert re.search(r"\n# \[\.\.\. \d+ bytes cut\]$", code.source)
    short = "def f():\n    return '<script>'\n"
    assert _clean(new_code_cell(short)).cells[0].source == short  # code is otherwise as written


def test_attachments_keep_png_and_jpeg_and_their_names(course_config):
    cell = new_markdown_cell("![a](attachment:a.png) ![b](attachment:b.svg)")
    cell.attachments = {"a.png": {"image/png": PNG}, "b.svg": {"image/svg+xml": "PHN2Zz4="}}
    nb = _clean(cell)
    assert nb.cells[0].attachments["a.png"] == {"image/png": PNG}
    assert list(nb.cells[0].attachments["b.svg"]) == ["text/plain"]
    html = render_feedback(course_config, nb)  # no "missing attachment" error
    assert f"data:image/png;base64,{PNG}" in html and "data:image/svg" not in html


def test_the_result_can_be_written_and_sanitising_twice_changes_nothing():
    nb = hostile_notebook()
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="lone \ud800 surrogate")]
    SanitizeOutputs().preprocess(nb, {})
    assert "widgets" not in nb.metadata
    once = nbformat.writes(nb)
    once.encode("utf-8")
    SanitizeOutputs().preprocess(nb, {})
    assert nbformat.writes(nb) == once
    nbformat.validate(nb)


# --- In a browser (slow): MathJax renders offline, nothing runs ---------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (make browser)")
def test_feedback_in_chromium_renders_math_and_runs_nothing(course_config, tmp_path):
    """Served as Jupyter's /files/ serves it (a sandbox that allows scripts)."""
    from playwright.sync_api import sync_playwright

    nb = hostile_notebook()
    nb.cells.insert(0, new_markdown_cell(r"Math $[-1, 1]$, $$\int_0^1 x\,dx$$ $\href{x}{y}$"))
    (tmp_path / "feedback.html").write_text(render_feedback(course_config, sanitised(nb)))

    class Files(http.server.SimpleHTTPRequestHandler):
        def end_headers(self):
            self.send_header(
                "Content-Security-Policy", "frame-ancestors 'self'; sandbox allow-scripts"
            )
            super().end_headers()

        def log_message(self, *args):
            pass

    handler = functools.partial(Files, directory=str(tmp_path))
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            requests, dialogs, messages = [], [], []
            page.on("request", lambda request: requests.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("console", lambda message: messages.append(message.text))
            page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/feedback.html")
            page.locator("mjx-container").first.wait_for(timeout=20_000)
            first = page.locator(".text_cell_render").first
            math = first.locator("mjx-container").count()
            rendered = first.inner_text()
            page.mouse.move(10, 10)
            page.wait_for_timeout(500)
            browser.close()
        server.shutdown()
    assert math == 3  # inline, display, and \href as an error: MathJax without its html package
    assert "$" not in rendered and r"\href" in rendered
    assert dialogs == []
    assert all(url.startswith("http://127.0.0.1:") for url in requests), requests
    assert not [m for m in messages if "script-src" in m or m.startswith("page error")], messages


def test_tensorflow_start_up_log_is_left_out_of_stderr_but_the_students_own_text_stays():
    from gancourse.grading import strip_library_noise

    startup = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796432416.969690       2 port.cc:153] oneDNN custom operations are on.\n"
        "I0000 00:00:1796432437.397879       2 cudart_stub.cc:31] Could not find cuda drivers\n"
    )
    assert strip_library_noise(startup) == ""
    own = "UserWarning: my own warning\nI think 00:00 is midnight] really\n"
    assert strip_library_noise(startup + own) == own
