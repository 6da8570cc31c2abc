"""The book builds warning-free, publishes nothing private, and works offline in a browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder import pipeline
from gancourse.grading import MARKERS
from tools.browse_book import expected_launch_links, image_alt_problems

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def build(repository) -> Path:
    """Build the book as `make book` does (cached execution), once for this module."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    prepared = subprocess.run(
        [sys.executable, "-m", "tools.book_config", "prepare"],
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
    )
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter-book"),
            "build",
            ".",
            "--config",
            "_build/book-config.yml",
            "-W",
            "-n",
            "--keep-going",
        ],
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    assert result.returncode == 0, "book build failed:\n" + (result.stdout + result.stderr)[-6000:]
    return repository / "_build" / "html"


def _toc_files(repository) -> list[str]:
    toc = yaml.safe_load((repository / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def test_every_toc_page_is_built(build, repository):
    for page in _toc_files(repository):
        assert (build / f"{page}.html").is_file(), f"{page} is in _toc.yml but was not built"


def test_nothing_private_is_published(build, repository):
    for folder in ("solutions", "assignments", "autograder", "data", "tests"):
        assert not (build / folder).exists(), f"{folder}/ reached the built book"
        assert not (build / "_sources" / folder).exists()
    secrets = set()
    for name in pipeline.assignment_names():
        secrets |= pipeline.secret_snippets(name)
    assert secrets, "expected solution lines to look for"
    for path in build.rglob("*"):
        if (
            path.suffix not in {".html", ".txt", ".js", ".ipynb", ".md", ".py"}
            or "mathjax" in path.parts
        ):
            continue
        text = path.read_text(errors="replace")
        assert not any(marker in text for marker in MARKERS), path
        found = pipeline.leaked_snippets(text, secrets)
        assert not found, f"{path.relative_to(build)} contains solution code: {found[:2]}"


def test_mathjax_is_served_from_the_book(build):
    assert (build / "_static" / "mathjax" / "tex-chtml-full.js").is_file()
    fonts = build / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert any(fonts.glob("*.woff"))
    for page in build.rglob("*.html"):
        if "_static" in page.parts:
            continue
        text = page.read_text()
        external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert not external, f"{page.relative_to(build)} loads {external}"
        if "math notranslate" in text:
            assert "_static/mathjax/tex-chtml-full.js" in text, page


def test_every_image_says_what_it_shows(build):
    """Alt text on every <img>: present, not empty, not a file name (myst-nb's fallback for an
    image output without ``mystnb.image.alt`` in its cell's metadata), not just "figure"."""
    images, problems = 0, []
    for page in sorted(build.rglob("*.html")):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        text = page.read_text()
        images += len(re.findall(r"<img\b", text, flags=re.I))
        problems += [f"{page.relative_to(build)}: {p}" for p in image_alt_problems(text)]
    assert images > 30, f"expected the book's figures, found {images} images"
    assert not problems, "images without useful alt text:\n" + "\n".join(problems)


def test_markdown_tables_in_outputs_reach_readers_as_tables(build):
    # Lab 6 displays its quality table with IPython's Markdown. Rendered as CommonMark (myst-nb's
    # default) the pipes stay text, and the separator row turns into dashes: "|—|—|".
    for page in build.rglob("*.html"):
        if "_static" in page.parts:
            continue
        prose = re.sub(r"<pre.*?</pre>", "", page.read_text(), flags=re.S)
        assert not re.search(r"\|\s*(?:—|---)\s*\|", prose), (
            f"{page.relative_to(build)} shows a Markdown table as text"
        )
    evaluation = (build / "book" / "labs" / "evaluation.html").read_text()
    assert re.search(r"<th[^>]*>\s*(?:<p>)?largest class gap to real data \(pp\)", evaluation)


def test_book_in_headless_chromium(build, repository, tmp_path):
    """Every page: no console error, no request off the machine, math rendered, images load."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: `make browser` installs it")
        pytest.skip("Chromium not installed (make browser)")
    result = subprocess.run(
        [
            sys.executable,
            str(repository / "tools" / "browse_book.py"),
            "--build",
            str(build),
            "--out",
            str(tmp_path / "shots"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert '"mathjax_rendered": 0' in result.stdout  # pages without math exist too
    rendered = [int(n) for n in re.findall(r'"mathjax_rendered": (\d+)', result.stdout)]
    assert max(rendered) > 10, "no page rendered its equations"
    if expected_launch_links("book/labs/dcgan-mnist.ipynb"):
        assert '"launch_buttons": [\n' in result.stdout, "no page has launch buttons"
    shots = {p.stem for p in (tmp_path / "shots").glob("*.png")}
    for page in _toc_files(repository):
        assert page.replace("/", "__") in shots, f"no screenshot of {page}"
    shutil.rmtree(tmp_path / "shots")
