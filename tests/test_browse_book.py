"""The browser check's link and launch-button rules, on a tiny build (no browser needed)."""

from __future__ import annotations

from tools.browse_book import LinkChecker, lab_notebook, launch_button_problems

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


def test_lab_pages_need_both_launch_buttons_for_their_notebook(tmp_path):
    build = _build(tmp_path)
    notebook = lab_notebook(build, "book/labs/lab.html")
    assert notebook == "book/labs/lab.ipynb"
    assert lab_notebook(build, "index.html") is None
    hub = "http://127.0.0.1:8000/hub/user-redirect/git-pull?repo=x&urlpath=lab/tree/r/" + notebook
    colab = "https://colab.research.google.com/github/o/r/blob/main/" + notebook
    assert launch_button_problems([hub, colab], notebook) == []
    assert launch_button_problems([hub], notebook) == ["no Colab launch button"]
    assert launch_button_problems([], None) == []
    assert launch_button_problems([colab], None)  # a launch button where none belongs
    other = colab.replace("lab.ipynb", "other.ipynb")
    assert "does not open" in launch_button_problems([hub, other], notebook)[0]
