"""Open every page of the built book in headless Chromium and check what a reader sees.

Serves ``_build/html`` on 127.0.0.1, visits each HTML page with Playwright driving Debian's
Chromium (``/usr/bin/chromium``; install it with ``make browser``), and checks that

- no request leaves the machine (every URL is on the loopback server),
- the page logs no console error and every image loads,
- pages with math show MathJax output (``mjx-container`` elements) and no raw ``$$``/``\\(``,
- every internal link resolves: its file is in the build and its ``#anchor`` is an id there,
- lab pages (built from ``book/labs/*.ipynb``) have their launch buttons, JupyterHub through
  nbgitpuller and Colab, both for that notebook; other pages have none,
- no page holds nbgrader's solution or hidden-test markers,

then saves a full-page screenshot of each page under ``artifacts/screenshots/``.
Exit status 1 and a list of problems when anything fails.

    .venv/bin/python tools/browse_book.py [--build _build/html] [--out artifacts/screenshots]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import socketserver
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from gancourse.grading import MARKERS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingTCPServer):
    def handle_error(self, request, client_address):
        pass  # a browser closing a connection early is not a problem of the book


def serve(directory: Path):
    """Start a threaded static server on a free loopback port; return (server, base_url)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def book_pages(build: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(
        str(p.relative_to(build))
        for p in build.rglob("*.html")
        if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts
    )


SECRET_MARKERS = tuple(marker.removeprefix("### ") for marker in MARKERS)
_IDS = re.compile(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""")


class LinkChecker:
    """Resolves the book's internal links against the files of the build (ids cached per file)."""

    def __init__(self, build: Path, base_url: str):
        self.build, self.base = build.resolve(), urlparse(base_url)
        self._ids: dict[Path, set[str]] = {}

    def target(self, href: str) -> Path | None:
        """The built file an internal link points at; None for links that leave the book."""
        url = urlparse(href)
        if url.scheme not in ("http", "https") or url.netloc != self.base.netloc:
            return None
        path = self.build / unquote(url.path).lstrip("/")
        return path / "index.html" if path.is_dir() else path

    def problem(self, href: str) -> str | None:
        """Why an internal link is broken, or None when it resolves (or is external)."""
        path = self.target(href)
        if path is None:
            return None
        if not path.is_file():
            return f"{href}: no such file in the build"
        anchor = unquote(urlparse(href).fragment)
        if anchor and path.suffix == ".html" and anchor not in self.ids(path):
            return f"{href}: no id {anchor!r} in {path.relative_to(self.build)}"
        return None

    def ids(self, path: Path) -> set[str]:
        if path not in self._ids:
            self._ids[path] = set(_IDS.findall(path.read_text(errors="replace")))
        return self._ids[path]


def lab_notebook(build: Path, rel: str) -> str | None:
    """``book/labs/x.ipynb`` when page ``rel`` was built from that notebook, else None."""
    source = rel.removesuffix(".html") + ".ipynb"
    if source.startswith("book/labs/") and (build / "_sources" / source).is_file():
        return source
    return None


def launch_button_problems(hrefs: list[str], notebook: str | None) -> list[str]:
    """A lab page needs a JupyterHub (nbgitpuller) and a Colab link to its notebook."""
    if notebook is None:
        return [f"launch button on a page that is not a lab: {h}" for h in hrefs]
    problems = []
    hub = [h for h in hrefs if "/hub/user-redirect/git-pull?" in h]
    colab = [h for h in hrefs if urlparse(h).netloc == "colab.research.google.com"]
    for name, links in (("JupyterHub", hub), ("Colab", colab)):
        if not links:
            problems.append(f"no {name} launch button")
        elif not all(notebook in unquote(h) for h in links):
            problems.append(f"{name} launch button does not open {notebook}: {links}")
    return problems


def check_page(page, base_url: str, rel: str, out: Path | None, links: LinkChecker) -> dict:
    requests, console_errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "response",
        lambda r: console_errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(base_url + rel, wait_until="networkidle")
    has_math = page.evaluate("() => document.querySelectorAll('.math, span.math, div.math').length")
    if has_math:
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000
        )
        page.evaluate("() => MathJax.startup.promise")
    rendered = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    broken_images = page.evaluate(
        "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.src)"
    )
    raw_math = page.evaluate(
        "() => Array.from(document.querySelectorAll('.math'))"
        ".filter(e => !e.querySelector('mjx-container')).length"
    )
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    broken_links = sorted({p for p in (links.problem(h) for h in hrefs) if p})
    launch = page.evaluate(
        "() => Array.from(document.querySelectorAll('.dropdown-launch-buttons a[href]'))"
        ".map(a => a.href)"
    )
    html = page.content()
    markers = [m for m in SECRET_MARKERS if m in html]
    host = urlparse(base_url).netloc
    external = sorted(
        {
            u
            for u in requests
            if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != host
        }
    )
    if out is not None:
        target = out / (rel.replace("/", "__").removesuffix(".html") + ".png")
        page.screenshot(path=str(target), full_page=True)
    return {
        "page": rel,
        "requests": len(requests),
        "external_requests": external,
        "console_errors": console_errors,
        "math_elements": has_math,
        "mathjax_rendered": rendered,
        "unrendered_math": raw_math,
        "broken_images": broken_images,
        "links": len(hrefs),
        "broken_links": broken_links,
        "launch_buttons": launch,
        "launch_button_problems": launch_button_problems(launch, lab_notebook(links.build, rel)),
        "secret_markers": markers,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=Path("_build/html"))
    parser.add_argument("--out", type=Path, default=Path("artifacts/screenshots"))
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--pages", nargs="*", help="only these pages (paths relative to --build)")
    args = parser.parse_args(argv)

    if not (args.build / "index.html").is_file():
        print(f"no built book at {args.build}: run `make book` first", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} not found: run `make browser` (Debian's chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out = None if args.no_screenshots else args.out
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    server, base_url = serve(args.build)
    links = LinkChecker(args.build, base_url)
    results, problems = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            for rel in args.pages or book_pages(args.build):
                page = context.new_page()
                result = check_page(page, base_url, rel, out, links)
                page.close()
                results.append(result)
                for key in (
                    "external_requests",
                    "console_errors",
                    "broken_images",
                    "broken_links",
                    "launch_button_problems",
                    "secret_markers",
                ):
                    if result[key]:
                        problems.append(f"{rel}: {key}: {result[key]}")
                if result["unrendered_math"]:
                    problems.append(
                        f"{rel}: {result['unrendered_math']} math elements not rendered"
                    )
            browser.close()
    finally:
        server.shutdown()
    print(json.dumps({"pages": results, "problems": problems}, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
