"""Every reference to the book in grader messages and docstrings names a real page and section.

The references, ``(book: Page title, 'Heading')``, are parsed and resolved by
:mod:`gancourse.book_refs`; these tests read text files only (no TensorFlow, no book build).
"""

from __future__ import annotations

import io
import json
import re

import pytest

from gancourse import book_refs
from gancourse.book_refs import Book, BookReferenceError


@pytest.fixture(scope="module")
def book(repository) -> Book:
    return Book.load(repository)


@pytest.fixture(scope="module")
def found(repository) -> list[book_refs.Found]:
    return book_refs.scan(book_refs.DEFAULT_SCOPE, repository)


def test_every_reference_names_a_page_and_heading_of_the_book(book, found):
    # The scan sees the references of all four problem sets and their releases.
    paths = {reference.path for reference in found}
    for folder in ("solutions", "assignments", "autograder/checks"):
        assert sum(path.startswith(folder + "/") for path in paths) >= 4, sorted(paths)
    # The checks name each section once (a constant per section) and reuse it in their messages.
    assert sum(not reference.malformed for reference in found) > 200
    broken = book_refs.problems(found, book)
    assert not broken, f"{len(broken)} broken references to the book:\n" + "\n".join(broken)


def test_resolver_maps_references_to_pages_and_anchors(book):
    assert book.resolve("Training dynamics") == "book/theory/training-dynamics.html"
    # Headings compare without case, quotes, markup or trailing punctuation; '$[-1, 1]$' in the
    # heading is '[-1, 1]' in the reference, and a name may stop after its first clause.
    assert (
        book.resolve("Conventions", "images are float32 in [-1, 1].")
        == "book/conventions.html#images-are-float32-in-1-1-shaped-n-28-28-1"
    )
    assert book.resolve("Lab 1, Data pipelines", "Scale to [-1, 1]") == (
        "book/labs/data-pipelines.html#scale-to-1-1"
    )
    assert book.resolve("Lab 2, DCGAN on MNIST", "The training step") == (
        "book/labs/dcgan-mnist.html#the-training-step"
    )
    assert book.resolve("*Lab 4: Conditional DCGAN*", "“Build the generator”") == (
        "book/labs/conditional-dcgan.html#build-the-generator"
    )
    assert book.resolve("Evaluating GANs", "The Frechet Inception Distance") == (
        "book/theory/evaluation.html#the-frechet-inception-distance"
    )
    assert book.resolve("The adversarial game", "Trap 2: a sigmoid before") == (
        "book/theory/adversarial-game.html#trap-2-a-sigmoid-before-from-logits-true"
    )


@pytest.mark.parametrize(
    ("page", "heading", "reason"),
    [
        ("Training dynamics", "Saturating and non-saturating losses", "has no heading"),
        ("Training dynamics", "Saturating", "has no heading"),  # shorter than its first clause
        ("Wasserstein GAN", "The gradient", "has no heading"),
        ("The minimax objective, the optimal discriminator", None, "no page"),
        ("Lab 9", None, "no page"),
        ("Lab", None, "no page"),
    ],
)
def test_resolver_rejects_missing_pages_and_headings(book, page, heading, reason):
    with pytest.raises(BookReferenceError, match=reason):
        book.resolve(page, heading)


def test_resolver_suggests_the_heading_that_exists(book):
    with pytest.raises(BookReferenceError, match="Saturating and non-saturating generator losses"):
        book.resolve("Training dynamics", "Saturating and non-saturating losses")


def test_one_syntax_parsed_by_one_regex():
    text = (
        "expected logits (book: Conventions, 'Discriminators return logits'), and "
        "(the step reads globals; book: Lab 2, DCGAN on MNIST, 'The training step') "
        "(book: Divergences, 'The parallel lines'; Wasserstein GAN,\n  'The gradient penalty') "
        "(book: Training dynamics) (book: Conventions, ‘Batches and means’)"
    )
    parsed = [targets for _, _, targets in book_refs.find_references(text)]
    T = book_refs.Target
    assert parsed == [
        (T("Conventions", "Discriminators return logits"),),
        (T("Lab 2, DCGAN on MNIST", "The training step"),),
        (T("Divergences", "The parallel lines"), T("Wasserstein GAN", "The gradient penalty")),
        (T("Training dynamics", None),),
        (T("Conventions", "Batches and means"),),
    ]
    assert len(book_refs.REFERENCE.findall(text)) == len(parsed)
    # Emphasis and missing parentheses are not the syntax: the reference is reported malformed.
    for bad in ("(book: *Conventions*, 'Batches and means')", "the course book: Conventions."):
        assert [targets for _, _, targets in book_refs.find_references(bad)] == [()]
    # 'gradebook:' and 'notebook:' are not references.
    assert list(book_refs.find_references("the gradebook: notebook: x)")) == []


def test_scan_reads_messages_split_over_literals_and_reports_problems(tmp_path, book):
    cell = (
        "assert ok, (\n"
        '    "training left out (book: Conventions, \'Training and "\n'
        '    "inference mode\')"\n'
        ")\n"
        "assert ok, 'bad (book: Training dynamics, the saturating losses)'\n"
        "# see (book: Divergences, 'Four ways to compare distributions')\n"
    )
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "(book: *Divergences*)"},
            {"cell_type": "code", "metadata": {}, "source": cell.splitlines(keepends=True)},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "ps").mkdir()
    (tmp_path / "ps" / "ps.ipynb").write_text(json.dumps(notebook))
    found = book_refs.scan(["ps"], tmp_path)
    assert len(found) == 4
    problems = book_refs.problems(found, book)
    assert len(problems) == 2
    assert "ps/ps.ipynb cell 0, line 1: " in problems[0] and "not in the form" in problems[0]
    assert "ps/ps.ipynb cell 1, line 5: " in problems[1] and "no page of the book" in problems[1]


def test_command_line_reports_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("MESSAGE = 'see (book: Conventions, \"The table of traps\")'\n")
    assert book_refs.main([str(bad)]) == 1
    assert "did you mean" in (out := capsys.readouterr().out) and "'The traps, in one table'" in out


def test_anchors_are_the_ids_docutils_gives_the_sections(book):
    """The anchors are what MyST and docutils produce for this book's pages (no Sphinx build)."""
    pytest.importorskip("myst_nb")
    from docutils import nodes
    from docutils.core import publish_doctree
    from myst_nb.docutils_ import Parser as NotebookParser
    from myst_parser.parsers.docutils_ import Parser as MarkdownParser

    extensions = ["amsmath", "colon_fence", "dollarmath", "deflist", "html_image", "substitution"]
    for page in book.pages:
        path = book.root / page.source
        settings = {
            "myst_enable_extensions": extensions,
            "report_level": 5,
            "halt_level": 5,
            "warning_stream": io.StringIO(),
            "doctitle_xform": False,  # as in Sphinx: the title stays a section
        }
        if path.suffix == ".ipynb":
            parser = NotebookParser()
            # No execution, and no processed.ipynb written to ./build (myst-nb's default).
            settings.update(nb_execution_mode="off", nb_output_folder="")
        else:
            parser = MarkdownParser()
        document = publish_doctree(
            path.read_text(encoding="utf-8"), parser=parser, settings_overrides=settings
        )
        ids = [section["ids"][0] for section in document.findall(nodes.section)]
        assert ids == [heading.anchor for heading in page.headings], page.source


def test_urls_exist_in_a_built_book(book, found, repository):
    """When `make book` has left a build, every reference's page and anchor are in it."""
    html = repository / "_build" / "html"
    if not html.is_dir():
        pytest.skip("no built book under _build/html")
    for target in {target for reference in found for target in reference.targets}:
        url = book.resolve(target.page, target.heading)
        page, _, anchor = url.partition("#")
        assert (html / page).is_file(), url
        if anchor:
            assert re.search(rf"""id=["']{re.escape(anchor)}["']""", (html / page).read_text()), url
