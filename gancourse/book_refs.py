"""References from grader messages and docstrings to the course book, and their resolver.

Test messages in the problem sets, and docstrings in this package, send the reader to the page
and section of the book that teaches the point. They all use one syntax, parsed by
:data:`REFERENCE`:

    (book: Conventions, 'Discriminators return logits')
    (book: Lab 2, DCGAN on MNIST, 'The training step')
    (book: Training dynamics)
    (book: Divergences, 'The parallel lines'; Wasserstein GAN, 'The gradient penalty')

``book:`` is followed by one or more *targets* separated by semicolons, and the parenthesis
closes after the last one. A target is a page title, then optionally a comma and a section
heading in quotes (straight or curly, single or double). ``book:`` may also end a longer
parenthetical, after a semicolon or a colon (``(... inside the step; book: Conventions)``).

A page is named by its title, the text of the first ``#`` heading of a file that ``_toc.yml``
lists; a section by the text of one of that page's headings. Names are compared normalised
(:func:`normalise`): case, accents, quotes, dashes, Markdown and MyST markup (``$...$``,
backticks, emphasis), whitespace and trailing punctuation do not count, and a colon counts as a
comma. A name may be shortened at a word boundary after its first clause (the text before its
first comma), so ``Lab 2, DCGAN on MNIST`` names *Lab 2: DCGAN on MNIST, step by step* and
``'Images are float32 in [-1, 1]'`` names *Images are float32 in $[-1, 1]$, shaped
$(N, 28, 28, 1)$*; a shortened name must fit one page or one heading only.

:meth:`Book.resolve` maps a target to its place in the built book: ``<source path>.html`` and,
for a section, ``#<id>``. This book sets no ``myst_heading_anchors``, so a section's id is the one
docutils gives every section: :func:`docutils.nodes.make_id` of the heading's plain text (what
MyST's ``clean_astext`` returns: math and code keep their source, markup goes).

Run ``python -m gancourse.book_refs [PATH ...]`` to check every reference under the given files
or folders (by default the problem sets, their releases, the autograder and this package).

The module reads text files only: it imports neither TensorFlow nor Sphinx.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import re
import sys
import tokenize
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

# A page title: no quotes, parentheses, semicolons or asterisks (emphasis is not part of the
# syntax). A heading: anything but its own closing quote, in straight or curly quotes.
_PAGE = r"[^\s'\"‘’“”;()*][^'\"‘’“”;()*]*?"
_HEADING = r"'[^']+'|\"[^\"]+\"|‘[^’]+’|“[^”]+”"
_TARGET = rf"(?P<page>{_PAGE})(?:\s*,\s*(?P<heading>{_HEADING}))?"
_TARGET_PLAIN = re.sub(r"\(\?P<\w+>", "(?:", _TARGET)

#: The one syntax of a reference to the book: ``book:``, targets separated by ``;``, then ``)``.
REFERENCE = re.compile(
    rf"\bbook:\s+(?P<targets>{_TARGET_PLAIN}(?:\s*;\s*{_TARGET_PLAIN})*)\s*\)", re.IGNORECASE
)
#: One target inside a reference's ``targets`` group (the same pattern as in REFERENCE).
TARGET = re.compile(rf"\s*{_TARGET}\s*(?:;|$)")
#: Anything that starts a reference; one that REFERENCE does not match is malformed.
MARKER = re.compile(r"\bbook:", re.IGNORECASE)

#: The files that carry references, relative to the repository, and the folders left out.
DEFAULT_SCOPE = ("solutions", "assignments", "autograder", "gancourse")
SUFFIXES = {".py", ".ipynb", ".md", ".j2", ".html"}
# autograder/work is nbgrader's working state; this module describes the syntax, with examples.
SKIPPED = {
    "autograder/work",
    "__pycache__",
    ".ipynb_checkpoints",
    "gancourse/book_refs.py",
    "autograder/judging.py",  # renders references into the feedback's summary: names the form
}


class BookReferenceError(ValueError):
    """A reference names a page or heading that the book does not have."""


# --------------------------------------------------------------------------------------------
# Normalisation


_QUOTES = dict.fromkeys(map(ord, "'\"`‘’‚‛“”„‟′″«»"), None)
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")


def plain_text(markdown: str) -> str:
    """The text of one line of MyST Markdown as docutils sees it (``astext``), markup removed.

    Code spans and math keep their source (``$[-1, 1]$`` gives ``[-1, 1]``), links keep their
    text, roles their content, and emphasis markers, HTML tags and escapes go.
    """
    out = []
    # Code spans, roles ({role}`content`) and inline math, kept verbatim; the rest is cleaned.
    verbatim = re.compile(r"(?:\{[\w:-]+\})?(`+)(.+?)\1|\$\$(.+?)\$\$|\$(.+?)\$")
    position = 0
    for match in verbatim.finditer(markdown):
        out.append(_clean_inline(markdown[position : match.start()]))
        out.append(next(group for group in match.groups()[1:] if group is not None).strip())
        position = match.end()
    out.append(_clean_inline(markdown[position:]))
    return " ".join("".join(out).split())


def _clean_inline(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # HTML tags
    text = re.sub(r"\*+|(?<!\w)_+|_+(?!\w)", "", text)  # emphasis markers
    return re.sub(r"\\(.)", r"\1", text)  # backslash escapes


def normalise(name: str) -> str:
    """The form in which page titles and headings are compared.

    >>> normalise("Images are float32 in $[-1, 1]$, shaped $(N, 28, 28, 1)$")
    'images are float32 in [-1, 1], shaped (n, 28, 28, 1)'
    >>> normalise("*Lab 2: DCGAN on MNIST*.") == normalise("lab 2, DCGAN on MNIST")
    True
    """
    text = plain_text(name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.translate(_QUOTES).translate(_DASHES).casefold().replace(":", ",")
    text = " ".join(text.split())
    text = re.sub(r"\s+,", ",", text)
    return text.rstrip(" .,;!?")


def _matches(cited: str, real: str) -> bool:
    """Whether ``cited`` is ``real``, or ``real`` cut at a word boundary after its first clause.

    Both are normalised. 'lab 2, dcgan on mnist' fits 'lab 2, dcgan on mnist, step by step'
    and 'sample size' fits 'sample size, fid is biased'; 'the gradient' does not fit 'the
    gradient penalty', whose first clause is longer.
    """
    if cited == real:
        return True
    first_clause = real.split(",", 1)[0]
    return (
        bool(cited)
        and real.startswith(cited)
        and len(cited) >= len(first_clause)
        and real[len(cited)] in " ,"
        and cited[-1] not in " ,"
    )


def _pick(cited: str, names: dict[str, list]) -> list:
    """The entries whose normalised name is ``cited``, or else those that ``cited`` shortens."""
    key = normalise(cited)
    if key in names:
        return names[key]
    return [item for real, items in names.items() if _matches(key, real) for item in items]


# --------------------------------------------------------------------------------------------
# The book


@dataclass(frozen=True)
class Heading:
    """One heading of a page: its Markdown, level, plain text and HTML id (None if not unique)."""

    markdown: str
    level: int
    text: str
    anchor: str | None


@dataclass
class Page:
    """One page of the book: the source file, relative to the book's root, and its headings."""

    source: str
    headings: list[Heading]

    @property
    def title(self) -> str:
        """The text of the first level-1 heading (Jupyter Book's page title)."""
        for heading in self.headings:
            if heading.level == 1:
                return heading.text
        raise BookReferenceError(f"{self.source} has no '#' heading, so no title")

    @property
    def url(self) -> str:
        """The page's address in the built book, relative to its root."""
        return str(Path(self.source).with_suffix(".html").as_posix())


@dataclass
class Book:
    """The pages that ``_toc.yml`` lists, read from their sources."""

    root: Path
    pages: list[Page] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path | str = REPOSITORY) -> Book:
        root = Path(root)
        return cls(root, [_read_page(root, source) for source in toc_sources(root)])

    def page(self, name: str) -> Page:
        """The page whose title is ``name`` (normalised, or shortened after its first clause)."""
        titles: dict[str, list[Page]] = {}
        for page in self.pages:
            titles.setdefault(normalise(page.title), []).append(page)
        found = _pick(name, titles)
        if len(found) == 1:
            return found[0]
        if not found:
            raise BookReferenceError(
                f"no page of the book is titled {name!r}"
                + _suggest(name, [page.title for page in self.pages])
            )
        raise BookReferenceError(
            f"{name!r} fits several pages: " + "; ".join(page.title for page in found)
        )

    def heading(self, page: Page, name: str) -> Heading:
        """The heading of ``page`` whose text is ``name`` (compared as for titles)."""
        texts: dict[str, list[Heading]] = {}
        for heading in page.headings:
            texts.setdefault(normalise(heading.text), []).append(heading)
        found = _pick(name.strip("'\"‘’“”"), texts)
        if not found:
            raise BookReferenceError(
                f"the page {page.title!r} ({page.source}) has no heading {name!r}"
                + _suggest(name, [heading.text for heading in page.headings[1:]])
            )
        if len(found) > 1:
            raise BookReferenceError(
                f"{name!r} fits several headings of {page.title!r}: "
                + "; ".join(repr(heading.text) for heading in found)
            )
        if found[0].anchor is None:
            raise BookReferenceError(
                f"the heading {found[0].text!r} of {page.title!r} has no id of its own "
                "(another heading of the page has the same text)"
            )
        return found[0]

    def resolve(self, page: str, heading: str | None = None) -> str:
        """The URL, relative to the built book's root, of a page and optionally a section.

        Raises :class:`BookReferenceError` with the reason when the page or heading is missing.
        """
        found = self.page(page)
        if heading is None:
            return found.url
        return f"{found.url}#{self.heading(found, heading).anchor}"


def _suggest(name: str, candidates: list[str]) -> str:
    by_key = {normalise(candidate): candidate for candidate in candidates}
    close = difflib.get_close_matches(normalise(name), list(by_key), n=3, cutoff=0.4)
    return f"; did you mean {' or '.join(repr(by_key[key]) for key in close)}?" if close else ""


def toc_sources(root: Path) -> list[str]:
    """The source files that ``_toc.yml`` lists (its ``root`` and every ``file``), in order.

    The table of contents is read line by line (``root:`` and ``file:`` entries), which covers
    Jupyter Book's formats without a YAML parser.
    """
    sources = []
    for line in (root / "_toc.yml").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*(?:-\s*)?(?:root|file):\s*['\"]?([^'\"#\s]+)", line)
        if not match:
            continue
        stem = match.group(1)
        candidates = [stem] if Path(stem).suffix else [stem + ".md", stem + ".ipynb"]
        existing = [candidate for candidate in candidates if (root / candidate).is_file()]
        if not existing:
            raise BookReferenceError(f"_toc.yml lists {stem}, which has no .md or .ipynb source")
        sources.append(existing[0])
    return sources


def _read_page(root: Path, source: str) -> Page:
    path = root / source
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text(encoding="utf-8"))
        blocks = [
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in notebook["cells"]
            if cell["cell_type"] == "markdown"
        ]
    else:
        blocks = [_strip_front_matter(path.read_text(encoding="utf-8"))]
    found = [heading for block in blocks for heading in markdown_headings(block)]
    # docutils gives each section the id make_id(text) unless another element of the page took
    # it first; then the id is an unpredictable 'id<n>'. Those headings get no anchor.
    from docutils.nodes import make_id

    anchors = [make_id(text) for _, text, _ in found]
    headings = [
        Heading(markdown, level, text, anchor if anchor and anchors.count(anchor) == 1 else None)
        for (level, text, markdown), anchor in zip(found, anchors, strict=True)
    ]
    return Page(source, headings)


def _strip_front_matter(text: str) -> str:
    if text.startswith("---"):
        end = re.search(r"^---\s*$", text[3:], re.MULTILINE)
        if end:
            body_start = 3 + end.end()
            # Keep the line count (nothing uses it, but errors are easier to follow).
            return "\n" * text[:body_start].count("\n") + text[body_start:]
    return text


_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,}|:{3,})(.*)$")


def _heading_lines(markdown: str) -> Iterator[str]:
    """The ATX heading lines of a Markdown text, outside fences, directives and comments."""
    fence: tuple[str, int] | None = None
    in_comment = False
    for line in markdown.splitlines():
        if in_comment:
            in_comment = "-->" not in line
            continue
        opening = _FENCE.match(line)
        if fence is not None:
            if (
                opening
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= fence[1]
                and not opening.group(2).strip()
            ):
                fence = None
            continue
        if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = (opening.group(1)[0], len(opening.group(1)))
            continue
        if line.lstrip().startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if _ATX.match(line):
            yield line.strip()


def markdown_headings(markdown: str) -> list[tuple[int, str, str]]:
    """``(level, plain text, line)`` of every heading of a Markdown text (ATX headings only)."""
    out = []
    for line in _heading_lines(markdown):
        match = _ATX.match(line)
        out.append((len(match.group(1)), plain_text(match.group(2) or ""), line))
    return out


# --------------------------------------------------------------------------------------------
# References in the course's files


@dataclass(frozen=True)
class Target:
    page: str
    heading: str | None


@dataclass(frozen=True)
class Found:
    """A reference, or a malformed one (``targets`` empty), found in a file."""

    path: str
    where: str
    text: str
    targets: tuple[Target, ...]

    @property
    def malformed(self) -> bool:
        return not self.targets


def parse_targets(targets: str) -> tuple[Target, ...]:
    """The targets of a REFERENCE match's ``targets`` group."""
    out = []
    for match in TARGET.finditer(targets):
        heading = match.group("heading")
        page = " ".join(match.group("page").split())
        out.append(Target(page, " ".join(heading[1:-1].split()) if heading else None))
    return tuple(out)


def find_references(text: str) -> Iterator[tuple[int, str, tuple[Target, ...]]]:
    """``(offset, text, targets)`` for every ``book:`` in ``text``; no targets when malformed."""
    for marker in MARKER.finditer(text):
        match = REFERENCE.match(text, marker.start())
        if match:
            reference, targets = match.group(0), parse_targets(match.group("targets"))
        else:
            reference, targets = text[marker.start() : marker.start() + 100], ()
        yield marker.start(), " ".join(reference.split()), targets


def python_texts(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of the string constants (adjacent literals joined) and comments.

    Messages are often split over several literals; the interpreter joins them, and so does
    :mod:`ast`. Source that does not parse (IPython magics) is returned whole, as line 0.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [(0, source)]
    texts = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        texts += [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        pass
    return sorted(texts)


def file_texts(path: Path) -> Iterator[tuple[str, int | None, str]]:
    """``(cell, line, text)`` for every piece of prose, string or comment that may hold
    references. ``line`` is where a Python string starts, or None for prose (whose references
    are located by counting lines within it); ``cell`` is empty outside notebooks."""
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(notebook["cells"]):
            source = cell["source"]
            source = "".join(source) if isinstance(source, list) else source
            if cell["cell_type"] == "code":
                for line, text in python_texts(source):
                    yield f"cell {index}", line, text
            else:
                yield f"cell {index}", None, source
    elif path.suffix == ".py":
        for line, text in python_texts(path.read_text(encoding="utf-8")):
            yield "", line, text
    else:
        yield "", None, path.read_text(encoding="utf-8")


def iter_files(paths: Iterable[Path | str], root: Path = REPOSITORY) -> Iterator[Path]:
    """The files under ``paths`` whose suffix may carry references, working state left out."""
    for path in map(Path, paths):
        path = path if path.is_absolute() else root / path
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for candidate in candidates:
            try:
                relative = candidate.relative_to(root).as_posix()
            except ValueError:
                relative = candidate.as_posix()
            skipped = any(
                relative == part or relative.startswith(part + "/") or f"/{part}/" in relative
                for part in SKIPPED
            )
            if candidate.is_file() and candidate.suffix in SUFFIXES and not skipped:
                yield candidate


def scan(paths: Iterable[Path | str] = DEFAULT_SCOPE, root: Path = REPOSITORY) -> list[Found]:
    """Every reference (and malformed one) in the files under ``paths``."""
    found = []
    for path in iter_files(paths, root):
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            relative = path.as_posix()
        for cell, line, text in file_texts(path):
            for offset, reference, targets in find_references(text):
                number = line if line is not None else 1 + text.count("\n", 0, offset)
                where = ", ".join(
                    part for part in (cell, f"line {number}" if number else "") if part
                )
                found.append(Found(relative, where, reference, targets))
    return found


def problems(found: Iterable[Found], book: Book) -> list[str]:
    """One line per reference that is malformed or names a missing page or heading."""
    out = []
    for reference in found:
        place = f"{reference.path}{' ' + reference.where if reference.where else ''}"
        if reference.malformed:
            out.append(
                f"{place}: not in the form (book: Page title, 'Heading'): {reference.text!r}"
            )
            continue
        for target in reference.targets:
            try:
                book.resolve(target.page, target.heading)
            except BookReferenceError as error:
                out.append(f"{place}: {reference.text!r}: {error}")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    book = Book.load()
    found = scan(argv or DEFAULT_SCOPE)
    broken = problems(found, book)
    for line in broken:
        print(line)
    print(f"{len(found)} references, {len(broken)} problems")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
