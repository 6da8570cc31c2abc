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


# --------------------------------------------------------------------------------------------
# "Real or fake?" (book/real-or-fake.md): the game works offline and never gives the answer away

REAL_OR_FAKE = "book/real-or-fake.html"
#: Words that would tell a reader (or a screen reader) where an image came from.
ANSWER_WORDS = ("real", "fake", "generated", "generator", "drawn", "gan", "model", "test", "sample")


def play_real_or_fake(build: Path) -> None:
    """Serve the built book on 127.0.0.1, open the game in Chromium and play it: mark a round by
    keyboard from the answer key (Enter on a radio button must not check the round), then a round
    all "Real" with the mouse, then cycle back to the first round. Every request stays on the loopback server (others are aborted and reported)."""
    from playwright.sync_api import sync_playwright

    from tools.browse_book import CHROMIUM_ARGS, serve

    page_file = build / REAL_OR_FAKE
    assert page_file.is_file(), f"{REAL_OR_FAKE} was not built: is book/real-or-fake in _toc.yml?"
    html = page_file.read_text()
    assert not image_alt_problems(html)
    alts = re.findall(r'<fieldset class="rof-item".*?<img [^>]*alt="([^"]*)"', html, flags=re.S)
    assert len(alts) >= 48, f"expected several rounds of images, found {len(alts)}"
    leaking = [alt for alt in alts if any(word in alt.lower() for word in ANSWER_WORDS)]
    assert not leaking, f"alt text gives the answer away: {leaking[:3]}"

    server, base_url = serve(build)
    outside, errors = [], []

    def local_only(route):
        url = route.request.url
        if url.startswith(("data:", base_url)):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.route("**/*", local_only)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(base_url + REAL_OR_FAKE, wait_until="networkidle")
            game = page.locator(".rof-game[data-ready]")
            game.wait_for(timeout=10_000)
            label, score = game.locator(".rof-round-label"), game.locator(".rof-score")
            check, new_round = game.locator("button.rof-check"), game.locator("button.rof-new")
            rounds = game.locator(".rof-round")
            assert rounds.count() >= 4
            for r in range(rounds.count()):
                truths = (
                    rounds.nth(r)
                    .locator(".rof-item")
                    .evaluate_all("items => items.map(i => i.dataset.truth)")
                )
                assert len(truths) >= 12 and set(truths) == {"real", "fake"}, truths
                assert abs(truths.count("real") - len(truths) / 2) <= 1, "about half real"

            def visible_round():
                shown = game.locator(".rof-round:not([hidden])")
                assert shown.count() == 1
                return shown.locator(".rof-item")

            # Round 1, by keyboard: Space marks the focused radio, Enter on the button checks.
            items = visible_round()
            truths = items.evaluate_all("items => items.map(i => i.dataset.truth)")
            sources_1 = items.locator("img").evaluate_all("images => images.map(i => i.src)")
            assert label.inner_text().startswith("Round 1 of")
            items.first.locator("input").first.focus()
            page.keyboard.press("Enter")  # a form would take this for "check the round"
            assert score.inner_text() == "" and check.is_enabled()
            for k, truth in enumerate(truths):
                radio = items.nth(k).locator(f"input[value={truth}]")
                radio.focus()
                page.keyboard.press("Space")
                assert radio.is_checked()
            check.focus()
            page.keyboard.press("Enter")
            assert score.get_attribute("data-correct") == str(len(truths))
            assert f"{len(truths)} of {len(truths)}" in score.inner_text()
            for k, truth in enumerate(truths):
                item = items.nth(k)
                assert item.get_attribute("data-verdict") == "correct"
                verdict = item.locator(".rof-verdict").inner_text()
                assert verdict.startswith("\u2713") and f"it is {truth}" in verdict, verdict
                if truth == "fake":
                    assert re.search(r"DCGAN|WGAN-GP", verdict), verdict
                assert item.locator("input").first.is_disabled()
            assert check.is_disabled()

            # Round 2, with the mouse: every image marked "Real".
            new_round.click()
            assert label.inner_text().startswith("Round 2 of")
            assert page.evaluate("() => document.activeElement.className") == "rof-round-label"
            assert score.inner_text() == "" and check.is_enabled()
            items = visible_round()
            truths = items.evaluate_all("items => items.map(i => i.dataset.truth)")
            sources_2 = items.locator("img").evaluate_all("images => images.map(i => i.src)")
            assert not set(sources_1) & set(sources_2), "the new round shows other images"
            assert all(item.is_visible() for item in items.locator("img").all())
            for k in range(items.count()):
                items.nth(k).get_by_label("Real", exact=True).click()
            check.click()
            reals = truths.count("real")
            assert score.get_attribute("data-correct") == str(reals)
            assert f"You marked {reals} of {len(truths)}" in score.inner_text()
            verdicts = items.evaluate_all("items => items.map(i => i.dataset.verdict)")
            assert verdicts == ["correct" if t == "real" else "wrong" for t in truths]
            wrong = items.nth(truths.index("fake")).locator(".rof-verdict").inner_text()
            assert wrong.startswith("\u2717") and "you said real" in wrong, wrong

            # Back to the first round, cleared.
            for _ in range(rounds.count() - 1):
                new_round.click()
            assert label.inner_text().endswith("(shown before)")
            items = visible_round()
            assert items.locator("img").evaluate_all("i => i.map(x => x.src)") == sources_1
            assert items.locator("input:checked").count() == 0
            assert items.locator("input:disabled").count() == 0
            assert items.evaluate_all("items => items.filter(i => i.dataset.verdict).length") == 0
            browser.close()
    finally:
        server.shutdown()
    assert not outside, f"the game asked for files off the machine: {outside}"
    assert not errors, f"console errors: {errors}"


def test_real_or_fake_game_in_chromium(build):
    """The game plays in a browser offline, scores as its answer key says, hides the answers."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: `make browser` installs it")
        pytest.skip("Chromium not installed (make browser)")
    play_real_or_fake(build)
