"""nbgrader preprocessors that the course's autograder configuration installs.

Used by ``autograder/nbgrader_config.py``; the instructor pipeline is ``autograder/pipeline.py``.

- :class:`StderrIsNotFailure` runs right after execution during autograding. nbgrader gives zero
  points to a test cell that wrote *anything* to stderr, and TensorFlow and Keras write start-up
  notices and warnings there; a correct answer must not lose points for a library's warning.
  Stderr text in test cells is kept, as stdout, so the feedback still shows it.
- :class:`HideHiddenTests` runs before feedback is rendered: it removes the hidden-test region
  from every test cell and cuts tracebacks down to the exception's message, so a student's
  feedback shows *what* failed and the teaching message, never the hidden test's source.
- :class:`SanitizeOutputs` runs right after execution during autograding, and again before
  feedback is rendered: it keeps only passive outputs (plain text, PNG, JPEG), caps every output,
  cell and source in bytes (the ``MAX_*`` limits below), and drops what a browser could run or
  fetch. The autograded notebook it leaves is what the formgrader shows instructors, and what the
  feedback page is made from.

Rendering (set up in ``autograder/nbgrader_config.py``):

- :func:`safe_markdown2html` replaces nbconvert's ``markdown2html`` filter. nbgrader's feedback
  and formgrade templates render Markdown cells with ``markdown2html`` and no sanitiser (they
  ignore ``HTMLExporter.sanitize_html``), and nbconvert's renderer passes raw HTML and
  ``javascript:`` links through. This one shows raw HTML as text, turns unsafe links into
  ``#harmful-link`` and external images into plain links, and leaves math and code as they are.
- :func:`offline_mathjax` puts MathJax 3 inside each feedback page (with a Content Security
  Policy that lets only those scripts run and nothing load from elsewhere): nbgrader copies the
  feedback page alone to the student's home, so it cannot load anything next to it, and it must
  show equations offline.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
from pathlib import Path

from jinja2 import pass_context
from markupsafe import Markup
from mistune import HTMLRenderer
from mistune.util import safe_entity
from nbconvert.filters.markdown_mistune import InvalidNotebook, IPythonRenderer, MarkdownWithMath
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

KiB = 1024
MiB = 1024 * KiB

# --- Limits on what one student notebook can put in front of a grader ------------------------
# A page of plain text is ~3 KiB, and the course's trainers print one line an epoch. 64 KiB
# keeps honest outputs whole and stops a runaway loop (or one 30 MB line) from making the
# notebook and its feedback page too heavy to open. Counted in UTF-8 bytes, not lines:
# nbgrader's LimitOutput counts lines only, so one long line passes it.
MAX_TEXT_OUTPUT_BYTES = 64 * KiB
# All text outputs of one cell together (streams, text/plain, tracebacks): four full outputs.
MAX_CELL_TEXT_BYTES = 256 * KiB
# A cell showing many figures or printing in many pieces: more are dropped, with a note.
MAX_OUTPUTS_PER_CELL = 100
# One PNG or JPEG, as the base64 text stored in the notebook. The course's figures (image grids,
# loss curves) are 10-300 KiB; 2 MiB still fits a large, noisy figure at a high resolution.
MAX_IMAGE_BYTES = 2 * MiB
# Everything the outputs of one notebook may add up to (text and images): the page a student
# opens stays small enough for a browser on a laptop.
MAX_NOTEBOOK_OUTPUT_BYTES = 24 * MiB
# Markdown and raw cells, and cell attachments' count: a written answer is a few KiB.
MAX_TEXT_SOURCE_BYTES = 64 * KiB
MAX_ATTACHMENTS_PER_CELL = 20
# Code cells: solutions are a few hundred lines; data pasted into a cell gets cut, after it ran.
MAX_CODE_SOURCE_BYTES = 128 * KiB
# Errors: the exception's name, its message, and the whole traceback.
MAX_ERROR_NAME_BYTES = 256
MAX_ERROR_VALUE_BYTES = 8 * KiB
MAX_TRACEBACK_BYTES = 32 * KiB
# Below this many bytes left in a cell's or notebook's budget, a droppable output is dropped
# rather than cut to a stub.
MIN_TEXT_ALLOWANCE = 512

# Output types a browser only displays: text and raster images. Everything else (text/html,
# text/markdown, image/svg+xml, text/latex, application/javascript, widget views, ...) can run
# script, load from elsewhere or restyle the page, and is dropped.
PASSIVE_TEXT = "text/plain"
PASSIVE_IMAGES = ("image/png", "image/jpeg")

# nbgrader's markers, named once for the whole course (the autograder and the tests import them).
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
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


#: Set by the course's grading pipeline (autograder/pipeline.py) for the nbgrader it runs.
PIPELINE_ENV = "GANCOURSE_GRADING_PIPELINE"


class OnlyThroughThePipeline(NbGraderPreprocessor):
    """Refuse to autograde outside the course's pipeline.

    ``nbgrader autograde`` typed by hand, or the formgrader's *Autograde* button, would run the
    student's notebook as the instructor, with the instructor's files and network. The course's
    config puts this first, so those paths stop with a message that says what to run instead;
    the pipeline (which sandboxes each kernel) sets :data:`PIPELINE_ENV` for its own nbgrader.
    """

    def preprocess(self, nb, resources):
        if os.environ.get(PIPELINE_ENV) != "1":
            raise RuntimeError(
                "this course autogrades only through its sandboxed pipeline: run "
                "`sudo make autograde SUBMISSIONS=<folder> OUT=<folder>` (see README.md) "
                "instead of nbgrader autograde or the formgrader's Autograde button"
            )
        return nb, resources


class StderrIsNotFailure(NbGraderPreprocessor):
    """Move stderr streams of test cells to stdout, so warnings cannot zero a test."""

    def preprocess_cell(self, cell, resources, cell_index):
        if _is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


class AwaitTheJudge(NbGraderPreprocessor):
    """Phase 1 decides no point: each test cell's outputs become "not judged yet" (an error,
    so nbgrader's SaveAutoGrades records 0) until ``autograder/judging.py`` writes the checks'
    verdict in their place. Whatever the student's code printed or faked there (an
    ``execute_result`` of 100, a cleared error) is gone before nbgrader reads it."""

    def preprocess_cell(self, cell, resources, cell_index):
        if _is_test_cell(cell):
            cell.outputs = [
                NotebookNode(
                    output_type="error",
                    ename="NotJudgedYet",
                    evalue="the grader's checks decide this cell's points",
                    traceback=[],
                )
            ]
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


# --- Outputs: passive and bounded -----------------------------------------------------------

_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def _text(value) -> str:
    """A notebook string field, stored as one string or as a list of lines."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else str(value)


# TensorFlow's C++ start-up notices (oneDNN, no CUDA driver) go to stderr through absl before
# TF_CPP_MIN_LOG_LEVEL is read. They are not the student's output, carry the time and a pid (so
# the same notebook graded twice would differ), and alarm readers: feedback leaves them out.
_LIBRARY_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    r"STDERR|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\] .*)\n?",
    re.MULTILINE,
)


def strip_library_noise(text: str) -> str:
    """``text`` without TensorFlow's absl-formatted start-up log lines."""
    return _LIBRARY_NOISE.sub("", text)


def _utf8(text: str) -> bytes:
    # Lone surrogates (valid in JSON, not in UTF-8) become "?", so the notebook can be written.
    return text.encode("utf-8", "replace")


def cut_note(nbytes: int) -> str:
    return f"[... {nbytes} bytes cut]"


def cap_text(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes: its beginning and end, a note in between.

    The end is kept too because that is where a log's last lines and an error's message are.
    """
    data = _utf8(text)
    if len(data) <= limit:
        return data.decode("utf-8")
    room = max(limit - len(cut_note(len(data))) - 2, 0)
    head = data[: room * 3 // 4].decode("utf-8", "ignore")
    tail = data[len(data) - (room - room * 3 // 4) :].decode("utf-8", "ignore")
    cut = len(data) - len(_utf8(head)) - len(_utf8(tail))
    return f"{head}\n{cut_note(cut)}\n{tail}"


def cap_source(source, limit: int, note_prefix: str) -> str:
    """A cell's source in at most ``limit`` UTF-8 bytes: its beginning, then a note."""
    source = _text(source)
    if len(source) * 4 <= limit:  # a character is at most four bytes
        return source
    data = _utf8(source)
    if len(data) <= limit:
        return source
    head = data[: max(limit - 64, 0)].decode("utf-8", "ignore")
    return head + note_prefix + cut_note(len(data) - len(_utf8(head)))


def _passive_image(value, limit: int) -> tuple[str | None, str]:
    """An image's base64 text if it may stay; else None and why it went."""
    data = _text(value)
    if len(data) > limit:
        return None, f"{len(data)} bytes, over the {limit} byte cap"
    if not _BASE64.fullmatch(data):
        return None, "not base64"
    return data, ""


def _plain_output(text: str) -> NotebookNode:
    return NotebookNode(output_type="display_data", data={PASSIVE_TEXT: text}, metadata={})


def _merge_streams(outputs) -> list:
    """Consecutive stream outputs of one name as one output, as Jupyter shows them."""
    groups: list = []  # [output, [texts]] or [output, None]
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "stream":
            last = groups[-1] if groups else None
            if last and last[1] is not None and last[0].get("name") == output.get("name"):
                last[1].append(_text(output.get("text", "")))
            else:
                groups.append([output, [_text(output.get("text", ""))]])
        else:
            groups.append([output, None])
    merged = []
    for output, texts in groups:
        if texts is not None:
            output = NotebookNode(
                output_type="stream", name=output.get("name"), text="".join(texts)
            )
        merged.append(output)
    return merged


def _output_size(output) -> int:
    """About how many bytes an output holds (for the note on dropped outputs)."""
    if output.get("output_type") == "stream":
        return len(_text(output.get("text", "")))
    if output.get("output_type") == "error":
        return sum(len(_text(line)) for line in output.get("traceback") or [])
    data = output.get("data")
    return sum(len(_text(value)) for value in data.values()) if isinstance(data, dict) else 0


def _is_textual(output) -> bool:
    data = output.get("data")
    return not (isinstance(data, dict) and any(mime in data for mime in PASSIVE_IMAGES))


def cap_traceback(lines: list[str], limit: int) -> list[str]:
    """A traceback's first and last lines within ``limit`` bytes, a note line in between."""
    half = max(limit // 2, 1)
    lines = [cap_text(line, half) for line in lines]
    sizes = [len(_utf8(line)) for line in lines]
    if sum(sizes) <= limit:
        return lines
    start = used = 0
    while start < len(lines) and used + sizes[start] <= half:
        used += sizes[start]
        start += 1
    end, used = len(lines), 0
    while end > start and used + sizes[end - 1] <= half:
        used += sizes[end - 1]
        end -= 1
    return [*lines[:start], cut_note(sum(sizes[start:end])), *lines[end:]]


class SanitizeOutputs(NbGraderPreprocessor):
    """Keep only passive outputs, and cap every output, cell and source in bytes.

    Runs during autograding right after execution, so the stored autograded notebook (what the
    formgrader renders, and what feedback is made from) never holds script, HTML or megabytes of
    output; and again before feedback is rendered. Outputs that decide a test cell's grade (a
    cell's first error, first stderr stream and first execute result) are shortened but never
    dropped, so grades are the same as without this step. Markdown is left as written, apart
    from the size cap: :func:`safe_markdown2html` escapes its HTML when it is rendered.
    """

    def preprocess(self, nb, resources):
        self._notebook_left = MAX_NOTEBOOK_OUTPUT_BYTES
        # Widget state is input for scripts in the page, and can be megabytes.
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if not hasattr(self, "_notebook_left"):  # called cell by cell, without preprocess()
            self._notebook_left = MAX_NOTEBOOK_OUTPUT_BYTES
        if cell.cell_type == "code":
            cell.source = cap_source(cell.source, MAX_CODE_SOURCE_BYTES, "\n# ")
            if not isinstance(cell.get("execution_count"), int):
                cell.execution_count = None
            cell.outputs = self._clean_outputs(cell.get("outputs", []))
        else:
            cell.source = cap_source(cell.source, MAX_TEXT_SOURCE_BYTES, "\n\n")
            if "attachments" in cell:
                cell.attachments = self._clean_attachments(cell.attachments)
        return cell, resources

    def _left(self) -> int:
        return max(self._notebook_left, 0)

    def _keep_image(self, value) -> tuple[str | None, str]:
        image, why = _passive_image(value, min(MAX_IMAGE_BYTES, self._left()))
        if image is not None:
            self._notebook_left -= len(image)
        return image, why

    def _clean_attachments(self, attachments) -> dict:
        """PNG and JPEG attachments within the caps; any other becomes a text note.

        The name stays, so that ``![](attachment:name)`` renders as a broken image rather than
        stopping nbconvert with "missing attachment".
        """
        cleaned = {}
        for name, bundle in list(attachments.items())[:MAX_ATTACHMENTS_PER_CELL]:
            bundle = bundle if isinstance(bundle, dict) else {}
            kept, why = {}, "no PNG or JPEG"
            for mime in (mime for mime in PASSIVE_IMAGES if mime in bundle):
                image, why = self._keep_image(bundle[mime])
                if image is not None:
                    kept = {mime: image}
                    break
            if not kept:
                note = f"[attachment removed: {why}]".encode()
                kept = {PASSIVE_TEXT: base64.b64encode(note).decode("ascii")}
            cleaned[str(name)[:200]] = kept
        return cleaned

    def _clean_outputs(self, outputs) -> list:
        kept: list = []
        seen: set = set()
        cell_left = MAX_CELL_TEXT_BYTES
        dropped = dropped_bytes = 0
        for output in _merge_streams(outputs):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                output["text"] = strip_library_noise(_text(output.get("text", "")))
                if not output["text"]:
                    continue
            role = "stderr" if kind == "stream" and output.get("name") == "stderr" else kind
            essential = role in ("error", "stderr", "execute_result") and role not in seen
            allowance = min(MAX_TEXT_OUTPUT_BYTES, cell_left, self._left())
            full = len(kept) >= MAX_OUTPUTS_PER_CELL
            if not essential and (full or (_is_textual(output) and allowance < MIN_TEXT_ALLOWANCE)):
                dropped += 1
                dropped_bytes += _output_size(output)
                continue
            cleaned, text_bytes = self._clean_output(output, max(allowance, MIN_TEXT_ALLOWANCE))
            cell_left -= text_bytes
            self._notebook_left -= text_bytes
            seen.add(role)
            kept.append(cleaned)
        if dropped:
            kept.append(_plain_output(f"[... {dropped} more outputs ({dropped_bytes} bytes) cut]"))
        return kept

    def _clean_output(self, output, allowance: int) -> tuple[NotebookNode, int]:
        """The output rebuilt from its known fields only, and the text bytes it keeps."""
        kind = output.get("output_type")
        if kind == "stream":
            text = cap_text(_text(output.get("text", "")), allowance)
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            return NotebookNode(output_type="stream", name=name, text=text), len(_utf8(text))
        if kind == "error":
            return self._clean_error(output, allowance)
        if kind in ("display_data", "execute_result"):
            return self._clean_bundle(output, allowance)
        note = f"[output of unknown type {str(kind)[:40]!r} removed]"
        return _plain_output(note), len(note)

    def _clean_error(self, output, allowance: int) -> tuple[NotebookNode, int]:
        ename = cap_text(_text(output.get("ename", "Error")), MAX_ERROR_NAME_BYTES)
        evalue = cap_text(_text(output.get("evalue", "")), MAX_ERROR_VALUE_BYTES)
        traceback = output.get("traceback") or []
        traceback = traceback if isinstance(traceback, list) else [traceback]
        lines = cap_traceback(
            [_text(line) for line in traceback], min(MAX_TRACEBACK_BYTES, allowance)
        )
        size = sum(len(_utf8(text)) for text in [ename, evalue, *lines])
        return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=lines), size

    def _clean_bundle(self, output, allowance: int) -> tuple[NotebookNode, int]:
        data = output.get("data") if isinstance(output.get("data"), dict) else {}
        metadata = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
        kept: dict = {}
        kept_metadata: dict = {}
        notes: list[str] = []
        for mime in (mime for mime in PASSIVE_IMAGES if mime in data):
            image, why = self._keep_image(data[mime])
            if image is None:
                notes.append(f"[{mime} removed: {why}]")
                continue
            kept[mime] = image
            size = metadata.get(mime) if isinstance(metadata.get(mime), dict) else {}
            # Only the size the template reads; "filenames" would be an <img src> of any URL.
            size = {k: v for k, v in size.items() if k in ("width", "height")}
            size = {k: v for k, v in size.items() if isinstance(v, int | float)}
            if size:
                kept_metadata[mime] = size
        text = _text(data[PASSIVE_TEXT]) if PASSIVE_TEXT in data else None
        if not kept and text is None:  # say what is gone, or the output would be blank
            active = sorted(str(mime)[:80] for mime in data if mime not in PASSIVE_IMAGES)
            if active or not notes:
                notes.append(f"[output removed: {', '.join(active) or 'no data'}]")
        if text is not None or notes:
            kept[PASSIVE_TEXT] = cap_text("\n".join(filter(None, [text, *notes])), allowance)
        cleaned = NotebookNode(output_type=output.get("output_type"), data=kept)
        cleaned.metadata = kept_metadata
        if cleaned.output_type == "execute_result":
            count = output.get("execution_count")
            cleaned.execution_count = count if isinstance(count, int) else None
        return cleaned, len(_utf8(kept.get(PASSIVE_TEXT, "")))


# --- Rendering: Markdown shown, not run -----------------------------------------------------


class _SafeMarkdownRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer with raw HTML escaped and nothing fetched."""

    def text(self, text: str) -> str:
        # As nbconvert's: entities such as &copy; still show as characters (escape=True would
        # show them as typed); "&lt;script&gt;" is text either way.
        return safe_entity(text)

    def block_mermaidjs(self, code: str) -> str:
        # nbconvert puts a mermaid block's text into the page unescaped: show it as code.
        return HTMLRenderer.block_code(self, code)

    def image(self, text: str, url: str, title=None) -> str:
        try:
            source = self._embed_image_or_attachment(url)
        except InvalidNotebook:
            return self.text(f"[missing attachment: {url}]")
        if source.lower().startswith(("data:image/png;", "data:image/jpeg;")):
            return super().image(text, url, title)
        # Any other image would be fetched when the page opens: show a link instead.
        return self.link(self.text(text or url), url, title)


@pass_context
def safe_markdown2html(context, source) -> str:
    """Jinja filter: Markdown to HTML, with raw HTML shown as text.

    Replaces nbconvert's ``markdown2html`` (``HTMLExporter.filters``), which passes raw HTML and
    ``javascript:`` links through and which nbgrader's templates use without a sanitiser.
    Here raw HTML is escaped (mistune's ``escape=True``), links and images follow mistune's
    list of safe protocols, a mermaid block is shown as code, an image that is not an embedded
    PNG or JPEG becomes a link, and a missing attachment is a note instead of an error. Math
    (``$...$``) is parsed before HTML and escaped as before, so MathJax still sees it.
    """
    cell = context.get("cell") if context is not None else None
    attachments = cell.get("attachments") if isinstance(cell, dict) else None
    renderer = _SafeMarkdownRenderer(
        escape=True,
        allow_harmful_protocols=False,
        attachments=attachments if isinstance(attachments, dict) else {},
    )
    return MarkdownWithMath(renderer=renderer).render(_text(source))


# --- Rendering: MathJax inside the feedback page --------------------------------------------

# SVG output carries its glyphs in the script (no font files to fetch), and the "full" bundle
# has every TeX extension built in (nothing loaded on demand).
MATHJAX_BUNDLE = "tex-svg-full.js"
# Feedback pages use this template, in the repository's autograder/templates/ (the hub installs
# this package apart from the repository, so the configuration, not this module, says where):
# nbgrader's ``feedback`` with nbconvert's MathJax macro, which loads MathJax 2 from a CDN,
# replaced by offline_mathjax.
FEEDBACK_TEMPLATE = "gancourse_feedback"

# nbconvert's MathJax 2 settings (templates/base/mathjax.html.j2) in MathJax 3's terms: single
# dollars are inline math (MathJax 3 leaves them out by default), then \(..\), $$..$$, \[..\]
# and environments, as in Jupyter. Students' math may not add links, classes, styles or ids
# (the "html" extension: \href{javascript:...}, \style) nor load extensions ("require").
MATHJAX_CONFIG = {
    "tex": {
        "inlineMath": [["$", "$"], ["\\(", "\\)"]],
        "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
        "processEscapes": True,
        "processEnvironments": True,
        "tags": "ams",
        "packages": {"[-]": ["html", "require"]},
    },
    "svg": {"fontCache": "global"},
}


def mathjax_bundle() -> Path:
    from gancourse.sphinx_offline import mathjax_source

    return mathjax_source() / MATHJAX_BUNDLE


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@functools.cache
def _offline_mathjax_html() -> str:
    config = "window.MathJax = " + json.dumps(MATHJAX_CONFIG) + ";"
    library = mathjax_bundle().read_text(encoding="utf-8")
    if "<script" in library.lower() or "</script" in library.lower() or "\r" in library:
        raise ValueError(f"{MATHJAX_BUNDLE} cannot go inside a <script> element as it is")
    # Only these two scripts may run, and nothing may be loaded: images are data: URLs and
    # styles are inline. A student's script or event handler that got past the sanitisers
    # would still not run, and an image pointing elsewhere would not be fetched.
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(config)} {_csp_hash(library)}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        f"<script>{config}</script>\n<script>{library}</script>\n"
    )


def offline_mathjax(url=None) -> Markup:
    """Jinja filter: MathJax 3 inside the page, with a Content Security Policy.

    Called by ``autograder/templates/gancourse_feedback/mathjax.html.j2`` in place of
    nbconvert's ``<script src=CDN>``; ``url`` (nbconvert's ``mathjax_url``) is ignored.
    """
    return Markup(_offline_mathjax_html())  # our own bundle, checked above


def nbgrader_template_dir() -> Path:
    """nbgrader's templates (``feedback``, ``formgrade``), which the course's template extends."""
    import nbgrader

    return Path(nbgrader.__file__).resolve().parent / "server_extensions/formgrader/templates"


# Filters of every HTMLExporter that loads the course configuration (feedback and formgrader).
RENDER_FILTERS = {"markdown2html": "gancourse.grading.safe_markdown2html"}
# Feedback pages also need FEEDBACK_TEMPLATE's MathJax filter.
FEEDBACK_FILTERS = {**RENDER_FILTERS, "offline_mathjax": "gancourse.grading.offline_mathjax"}
