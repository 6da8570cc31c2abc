"""The browser check's rules (links, launch buttons, alt text, axe findings) on tiny inputs; one
end-to-end run in headless Chromium, skipped where Chromium is not installed."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from tools.browse_book import (
    CHROMIUM,
    LinkChecker,
    alt_text_problem,
    axe_findings,
    axe_problems,
    expected_launch_links,
    image_alt_problems,
    lab_notebook,
    launch_button_problems,
)
from tools.browse_book import main as browse_main

BASE = "http://127.0.0.1:8123/"


def _build(tmp_path):
    (tmp_path / "book" / "labs").mkdir(parents=True)
    (tmp_path / "_sources" / "book" / "labs").mkdir(parents=True)
    (tmp_path / "index.html").write_text('<h1 id="welcome">hi</h1>')
    (tmp_path / "book" / "labs" / "lab.html").write_text('<section id="setup"></section>')
    (tmp_path / "_sources" / "book" / "labs" / "lab.ipynb").write_text("{}")
    return tmp_path


def test_internal_links_resolve_to_files_and_anchors(tmp_path):
    links = LinkChecker(_build(tmp_path), BASE)
    assert links.problem(BASE + "index.html#welcome") is None
    assert links.problem(BASE) is None  # a folder means its index.html
    assert links.problem(BASE + "book/labs/lab.html#setup") is None
    assert "no such file" in links.problem(BASE + "book/labs/missing.html")
    assert "no id 'nowhere'" in links.problem(BASE + "book/labs/lab.html#nowhere")
    assert links.problem("https://example.org/anything.html") is None  # not the book's


def test_lab_pages_have_exactly_the_launch_buttons_their_addresses_give(tmp_path, monkeypatch):
    build = _build(tmp_path)
    notebook = lab_notebook(build, "book/labs/lab.html")
    assert notebook == "book/labs/lab.ipynb"
    assert lab_notebook(build, "index.html") is None
    for variable in ("GANCOURSE_EDITION_REPOSITORY", "GANCOURSE_HUB_URL"):
        monkeypatch.setenv(variable, "")
    assert expected_launch_links(notebook) == {}  # no address, no button
    monkeypatch.setenv("GANCOURSE_EDITION_REPOSITORY", "https://github.com/o/r")
    monkeypatch.setenv("GANCOURSE_HUB_URL", "https://hub.example.org")
    monkeypatch.setenv("GANCOURSE_EDITION_BRANCH", "main")
    expected = expected_launch_links(notebook)
    assert set(expected) == {"JupyterHub", "Colab"}
    hub, colab = expected["JupyterHub"], expected["Colab"]
    assert "/hub/user-redirect/git-pull?" in hub and notebook in unquote(hub)
    assert colab == "https://colab.research.google.com/github/o/r/blob/main/" + notebook
    assert expected_launch_links(None) == {}

    assert launch_button_problems([hub, colab], notebook, expected) == []
    assert launch_button_problems([unquote(hub), colab], notebook, expected) == []
    assert launch_button_problems([hub], notebook, expected) == [
        f"no Colab launch button to {colab}"
    ]
    assert launch_button_problems([], notebook, {}) == []
    assert launch_button_problems([colab], notebook, {})  # a button no address gives
    assert launch_button_problems([], None, {}) == []
    assert launch_button_problems([colab], None, {})  # a launch button where none belongs
    other = colab.replace("lab.ipynb", "other.ipynb")
    problems = launch_button_problems([hub, other], notebook, expected)
    assert problems == [
        f"no Colab launch button to {colab}",
        f"launch button the addresses do not give: {other}",
    ]


def test_alt_text_must_say_what_an_image_shows():
    src = "../../_images/3f2a9c.png"
    assert alt_text_problem(src, "Bar chart of training images per class.") is None
    assert alt_text_problem("data:image/gif;base64,R0lG", "Animated grid of digits.") is None
    assert "no alt attribute" in alt_text_problem(src, None)
    assert "empty alt text" in alt_text_problem(src, "  ")
    # myst-nb's fallback for an image output without alt text is the image's path.
    assert "file name" in alt_text_problem(src, src)
    assert "file name" in alt_text_problem(src, "3f2a9c.png")
    assert "file name" in alt_text_problem("grid.svg", "grid.svg")
    assert "says nothing" in alt_text_problem(src, "Figure")
    assert "says nothing" in alt_text_problem(src, "image.")


def test_image_alt_problems_reads_every_img_of_a_page():
    html = (
        '<p><img alt="JupyterHub logo" src="_static/logo.svg">'
        '<img src="../../_images/a.png" alt="../../_images/a.png" />'
        '<IMG SRC="b.png"></p>'
    )
    problems = image_alt_problems(html)
    assert len(problems) == 2
    assert "a.png: alt text is a file name" in problems[0]
    assert "b.png: no alt attribute" in problems[1]


def test_only_serious_and_critical_axe_violations_fail():
    response = {
        "violations": [
            {
                "id": "color-contrast",
                "impact": "serious",
                "help": "Elements must meet minimum color contrast ratio thresholds",
                "nodes": [{"target": [".proof a"]}, {"target": [["#frame", "span"]]}],
            },
            {
                "id": "region",
                "impact": "moderate",
                "help": "Landmarks",
                "nodes": [{"target": ["nav"]}],
            },
        ]
    }
    findings = axe_findings(response)
    assert [f["rule"] for f in findings] == ["color-contrast", "region"]
    assert findings[0]["targets"] == [".proof a", "#frame >>> span"]
    problems = axe_problems(findings)
    assert len(problems) == 1
    assert problems[0].startswith("axe serious color-contrast (")
    assert problems[0].endswith(": .proof a, #frame >>> span")


def test_browser_check_fails_on_missing_alt_and_axe_violations(tmp_path, capsys):
    """End to end on a two-image page: axe is injected from the package (no request leaves)."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium not installed (make browser)")
    pytest.importorskip("axe_playwright_python")
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "dot.png").write_bytes(png)
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>t</title><link rel="icon" href="data:,">'
        '</head><body><main><h1>Test</h1><img src="dot.png" alt="dot.png">'
        '<img src="dot.png" alt="A single grey pixel.">'
        '<p style="color:#bbb;background:#fff">faint text</p></main></body></html>'
    )
    status = browse_main(["--build", str(tmp_path), "--no-screenshots"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    (page,) = report["pages"]
    assert page["external_requests"] == [] and page["console_errors"] == []
    assert page["images"] == 2 and len(page["alt_text_problems"]) == 1
    rules = {p.split()[2] for p in page["accessibility_problems"]}
    assert "color-contrast" in rules
    assert report["accessibility_summary"]["color-contrast (serious)"] == 1
