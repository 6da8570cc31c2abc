"""The book's build configuration, its execution cache and the deployable site.

``_config.yml`` is the book as it builds with no public address set: no launch button, no
repository button, nothing that leads nowhere. This module writes the configuration a build
actually uses: ``_config.yml`` plus the course's addresses (``addresses.toml``, overridable from
the environment; see ``gancourse.addresses``):

- ``repository.url`` / ``branch``: the student edition, so the launch buttons open the edition's
  copy of a lab (``book/labs/*.ipynb`` at the same path), never the private repository;
- ``launch_buttons.jupyterhub_url``: the hub, when both the hub and the edition are set (the
  button is an nbgitpuller link that pulls the edition into the student's home);
- ``launch_buttons.colab_url``: Colab, when the edition is on GitHub;
- ``html.use_repository_button``: a link to the edition, when it is set;
- ``html.baseurl``: the book's public address, when set.

It also keeps the execution cache honest. jupyter-cache re-runs a page only when the page's code
cells change; a page's outputs also depend on the package, the trained weights and the pinned
environment. ``inputs_hash`` hashes those; ``refresh_cache`` clears the cache (and Sphinx's
doctrees, or Sphinx would not even re-read the unchanged pages) when the hash differs from the
one stamped inside the cache. The publishing workflow keys its cache on the same hash.

    python -m tools.book_config prepare            # what `make book` runs before building
    python -m tools.book_config config FILE        # write the configuration only
    python -m tools.book_config inputs-hash        # the execution cache's key
    python -m tools.book_config site               # _build/html -> _build/site (+ .nojekyll)
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import shutil
import sys
from pathlib import Path
from urllib.parse import urlencode

import yaml

from gancourse import addresses as course_addresses

REPOSITORY = Path(__file__).resolve().parent.parent
BASE_CONFIG = REPOSITORY / "_config.yml"
BUILD_DIR = REPOSITORY / "_build"
#: Where `make book` writes the configuration it builds with (inside _build, never published).
GENERATED_CONFIG = BUILD_DIR / "book-config.yml"
COLAB = "https://colab.research.google.com"
#: What a page's executed outputs depend on besides its own code cells (globs from the root).
CACHE_INPUTS = ("gancourse/**/*.py", "data/weights/**/*", "requirements*.txt", "requirements/*.txt")
#: The stamp inside the jupyter cache: the inputs_hash the cached outputs were computed with.
STAMP_NAME = "gancourse-inputs.sha256"
#: Text that must never reach a published page: the old placeholder repository and local hubs.
PLACEHOLDERS = ("gan-course/gan-course", "127.0.0.1", "localhost:8000")


def _merge(base: dict, overlay: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def address_settings(addresses: course_addresses.Addresses) -> dict:
    """The part of the book's configuration that comes from the addresses (a _config.yml overlay).

    Every button key is written either way, so an overlay never inherits a stale value."""
    github = addresses.github
    repository_url = f"https://github.com/{github[0]}/{github[1]}" if github else ""
    hub = addresses.hub_url.rstrip("/") if repository_url else ""
    html: dict = {"use_repository_button": bool(repository_url)}
    if addresses.book_url:
        html["baseurl"] = addresses.book_url.rstrip("/") + "/"
    edition = "the course's student edition"
    if repository_url:
        edition += f" ([{github[0]}/{github[1]} on GitHub]({repository_url}))"
    return {
        # Pages name the edition with {{ edition }} (book/intro.md, "Where to run the labs").
        "parse": {"myst_substitutions": {"edition": edition}},
        "repository": {
            "url": repository_url,
            "branch": addresses.edition_branch,
            # The edition keeps the labs at the same paths (book/labs/*.ipynb).
            "path_to_book": "",
        },
        "launch_buttons": {
            "jupyterhub_url": hub,
            "colab_url": COLAB if github else "",
            "binderhub_url": "",
            "thebe": False,
        },
        "html": html,
    }


def jupyterhub_link(
    hub_url: str, repository_url: str, branch: str, folder: str, notebook: str
) -> str:
    """The hub's launch link for ``notebook`` (a path inside the repository): an nbgitpuller link
    that pulls ``branch`` of ``repository_url`` into ``~/folder`` and opens ``folder/notebook``
    in JupyterLab. ``folder`` must be where nbgitpuller clones, by default the repository URL's
    last part (its name); sphinx-book-theme's JupyterHub button is this link."""
    query = urlencode(
        {"repo": repository_url, "urlpath": f"lab/tree/{folder}/{notebook}", "branch": branch},
        safe="/",
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def launch_links(addresses: course_addresses.Addresses, notebook: str) -> dict[str, str]:
    """The launch links a lab page built from ``notebook`` (``book/labs/x.ipynb``) should have,
    by button text (``JupyterHub``, ``Colab``): what sphinx-book-theme builds from
    ``address_settings``. Empty when the addresses give that page no launch button."""
    settings = address_settings(addresses)
    repository_url = settings["repository"]["url"]
    if not repository_url:
        return {}
    branch = settings["repository"]["branch"]
    owner, name = addresses.github
    links = {}
    hub = settings["launch_buttons"]["jupyterhub_url"]
    if hub:
        links["JupyterHub"] = jupyterhub_link(hub, repository_url, branch, name, notebook)
    links["Colab"] = addresses.colab_url(notebook)
    return links


def book_config(
    addresses: course_addresses.Addresses | None = None, base: Path = BASE_CONFIG
) -> dict:
    """_config.yml with the addresses applied (``addresses`` defaults to ``addresses.load()``)."""
    addresses = course_addresses.load() if addresses is None else addresses
    return _merge(yaml.safe_load(Path(base).read_text()), address_settings(addresses))


def warnings_for(addresses: course_addresses.Addresses) -> list[str]:
    """What a maintainer should know about the addresses (set, but without effect)."""
    notes = []
    if addresses.hub_url and not addresses.github:
        notes.append(
            "the hub address is set but the student edition's repository is not: the book gets "
            "no JupyterHub button (nbgitpuller needs a repository to pull)"
        )
    return notes


def write_config(path: Path | str = GENERATED_CONFIG, addresses=None) -> Path:
    """Write the build configuration to ``path`` (jupyter-book build --config PATH)."""
    addresses = course_addresses.load() if addresses is None else addresses
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Generated by `python -m tools.book_config` from _config.yml and the course's\n"
        "# addresses (addresses.toml, GANCOURSE_* variables). Edit those, not this file.\n"
    )
    text = yaml.safe_dump(book_config(addresses), sort_keys=False, allow_unicode=True)
    path.write_text(header + text)
    return path


def inputs_hash(root: Path | str = REPOSITORY, patterns=CACHE_INPUTS) -> str:
    """SHA-256 over the paths and contents of the files the executed pages depend on."""
    root = Path(root)
    digest = hashlib.sha256()
    files = sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(root).as_posix()
        digest.update(f"{relative}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def refresh_cache(build_dir: Path | str = BUILD_DIR, root: Path | str = REPOSITORY) -> bool:
    """Clear the execution cache when the package, weights or lock changed since it was filled.

    Returns True when it cleared something. The doctrees and executed notebooks go too: Sphinx
    re-reads (and myst-nb re-executes) only pages it considers outdated."""
    build_dir = Path(build_dir)
    cache = build_dir / ".jupyter_cache"
    stamp = cache / STAMP_NAME
    current = inputs_hash(root)
    if stamp.is_file() and stamp.read_text().strip() == current:
        return False
    cleared = False
    for folder in (cache, build_dir / ".doctrees", build_dir / "jupyter_execute"):
        if folder.exists():
            shutil.rmtree(folder)
            cleared = True
    cache.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return cleared


def placeholder_hits(html_dir: Path | str) -> list[str]:
    """``page: text`` for every placeholder address found in the built pages."""
    hits = []
    for page in sorted(Path(html_dir).rglob("*.html")):
        if "_static" in page.parts:
            continue
        text = page.read_text(errors="replace")
        hits += [f"{page.relative_to(html_dir)}: {p}" for p in PLACEHOLDERS if p in text]
    return hits


def make_site(html_dir: Path | str = BUILD_DIR / "html", site: Path | str = BUILD_DIR / "site"):
    """Copy the built book to the deployable folder, with ``.nojekyll`` (GitHub Pages would
    otherwise drop ``_static/`` and ``_sources/``). Refuses a book that links a placeholder."""
    html_dir, site = Path(html_dir), Path(site)
    if not (html_dir / "index.html").is_file():
        raise SystemExit(f"no built book at {html_dir}: run `make book` first")
    hits = placeholder_hits(html_dir)
    if hits:
        raise SystemExit("placeholder addresses in the built book:\n  " + "\n  ".join(hits[:20]))
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(html_dir, site, ignore=shutil.ignore_patterns(".buildinfo"))
    (site / ".nojekyll").write_text("")
    return site


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="write the configuration, refresh the cache")
    prepare.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    prepare.add_argument("--config", type=Path, default=None)
    config = commands.add_parser("config", help="write the configuration to FILE")
    config.add_argument("file", type=Path)
    commands.add_parser("inputs-hash", help="print the execution cache's key")
    site = commands.add_parser("site", help="copy the built book to the deployable folder")
    site.add_argument("--html", type=Path, default=BUILD_DIR / "html")
    site.add_argument("--out", type=Path, default=BUILD_DIR / "site")
    args = parser.parse_args(argv)

    if args.command == "inputs-hash":
        print(inputs_hash())
        return 0
    if args.command == "site":
        print(f"site: {make_site(args.html, args.out)}")
        return 0
    addresses = course_addresses.load()
    for note in warnings_for(addresses):
        print(f"book_config: {note}", file=sys.stderr)
    if args.command == "config":
        print(write_config(args.file, addresses))
        return 0
    path = write_config(args.config or args.build_dir / GENERATED_CONFIG.name, addresses)
    if refresh_cache(args.build_dir):
        print("book_config: package, weights or lock changed: execution cache cleared")
    shown = ", ".join(launch_links(addresses, "book/labs/x.ipynb")) or "none"
    print(f"book_config: wrote {path} (launch buttons on the labs: {shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
