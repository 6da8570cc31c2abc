"""Open every page of the built book in headless Chromium and check what a reader sees.

Serves ``_build/html`` on 127.0.0.1, visits each HTML page with Playwright driving Debian's
Chromium (``/usr/bin/chromium``; install it with ``make browser``), and checks that

- no request leaves the machine (every URL is on the loopback server),
- the page logs no console error and every image loads,
- pages with math show MathJax output (``mjx-container`` elements) and no raw ``$$``/``\\(``,
- every internal link resolves: its file is in the build and its ``#anchor`` is an id there,
- lab pages (built from ``book/labs/*.ipynb``) have exactly the launch buttons that the course's
  addresses give them (``tools.book_config.launch_links``: JupyterHub through nbgitpuller and
  Colab, each for that notebook, or none when no address is set); other pages have none,
- no page holds nbgrader's solution or hidden-test markers,
- every image has alt text that says something (not empty, not a file name, not "figure"),
- axe-core (bundled with ``axe-playwright-python`` and injected into the page, so nothing is
  fetched) finds no accessibility violation of impact "serious" or "critical"; milder ones are
  listed in the report without failing it,

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
from html.parser import HTMLParser
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

# What a screen reader would read instead of a picture: myst-nb falls back to the image's path,
# and "figure" or "image" says nothing either.
_FILE_NAME = re.compile(r"\S*[/\\]\S*|\S+\.(?:png|jpe?g|gif|svg|webp|bmp|pdf)", re.IGNORECASE)
_SAYS_NOTHING = {"figure", "image", "img", "picture", "graphic", "plot", "chart", "photo", "alt"}
AXE_FAILING_IMPACTS = ("critical", "serious")
# preload: axe would fetch every stylesheet again to read its CSSOM (only its orientation-lock
# rule needs that) and resolves their @import against the page, asking for files that are not
# there (`@import "../basic.css"` of the theme becomes /book/basic.css): 404s in the console.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}


def alt_text_problem(src: str | None, alt: str | None) -> str | None:
    """Why an image's alt text fails a reader who cannot see it, or None when it is fine."""
    where = (src or "")[:80]
    if alt is None:
        return f"{where}: no alt attribute"
    text = " ".join(alt.split())
    if not text:
        return f"{where}: empty alt text"
    name = urlparse(src or "").path.rsplit("/", 1)[-1]
    if _FILE_NAME.fullmatch(text) or (name and text == name):
        return f"{where}: alt text is a file name ({text[:60]!r})"
    if text.lower().rstrip(".") in _SAYS_NOTHING:
        return f"{where}: alt text says nothing ({text!r})"
    return None


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[tuple[str | None, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attributes = dict(attrs)
            self.images.append((attributes.get("src"), attributes.get("alt")))


def image_alt_problems(html: str) -> list[str]:
    """The alt-text problems of every ``<img>`` in an HTML page (see alt_text_problem)."""
    parser = _Images()
    parser.feed(html)
    return [p for p in (alt_text_problem(src, alt) for src, alt in parser.images) if p]


def _selector(target) -> str:
    # axe names a node by a list of CSS selectors, one per frame or shadow root on the way.
    return " >>> ".join(_selector(part) if isinstance(part, list) else str(part) for part in target)


def axe_findings(response: dict) -> list[dict]:
    """axe-core's violations, one entry per rule: id, impact, help text and the nodes' selectors."""
    return [
        {
            "rule": v["id"],
            "impact": v.get("impact"),
            "help": v.get("help", ""),
            "targets": [_selector(node["target"]) for node in v.get("nodes", [])],
        }
        for v in response.get("violations", [])
    ]


def axe_problems(findings: list[dict]) -> list[str]:
    """The findings that fail the check (impact serious or critical), one line each."""
    return [
        f"axe {f['impact']} {f['rule']} ({f['help']}): {', '.join(f['targets'])}"
        for f in findings
        if f["impact"] in AXE_FAILING_IMPACTS
    ]


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


def expected_launch_links(notebook: str | None) -> dict[str, str]:
    """The launch links (by button: JupyterHub, Colab) that the course's addresses give the page
    built from ``notebook``, as ``make book`` configures them; none for a page that is not a lab
    and none when no address is set (``addresses.toml``, ``GANCOURSE_*``)."""
    if notebook is None:
        return {}
    from gancourse import addresses

    try:
        from tools.book_config import launch_links
    except ModuleNotFoundError:  # run as a script (make screenshots): tools/ is on sys.path
        from book_config import launch_links

    return launch_links(addresses.load(), notebook)


def launch_button_problems(
    hrefs: list[str], notebook: str | None, expected: dict[str, str]
) -> list[str]:
    """A lab page has exactly the launch buttons of ``expected`` (see expected_launch_links),
    each opening its notebook; a page that is not a lab has none."""
    if notebook is None:
        return [f"launch button on a page that is not a lab: {h}" for h in hrefs]
    found = {unquote(h) for h in hrefs}
    wanted = {unquote(url) for url in expected.values()}
    problems = [
        f"no {name} launch button to {url}"
        for name, url in expected.items()
        if unquote(url) not in found
    ]
    problems += [
        f"launch button the addresses do not give: {h}" for h in hrefs if unquote(h) not in wanted
    ]
    return problems


def check_page(
    page, base_url: str, rel: str, out: Path | None, links: LinkChecker, axe=None
) -> dict:
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
    images = page.evaluate(
        "() => Array.from(document.images).map(i => [i.getAttribute('src'), i.getAttribute('alt')])"
    )
    alt_problems = [p for p in (alt_text_problem(src, alt) for src, alt in images) if p]
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    broken_links = sorted({p for p in (links.problem(h) for h in hrefs) if p})
    launch = page.evaluate(
        "() => Array.from(document.querySelectorAll('.dropdown-launch-buttons a[href]'))"
        ".map(a => a.href)"
    )
    # axe.min.js comes from the installed package and is evaluated in the page: no request.
    findings = axe_findings(axe.run(page, options=AXE_OPTIONS).response) if axe else []
    notebook = lab_notebook(links.build, rel)
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
        "images": len(images),
        "alt_text_problems": alt_problems,
        "accessibility": findings,
        "accessibility_problems": axe_problems(findings),
        "links": len(hrefs),
        "broken_links": broken_links,
        "launch_buttons": launch,
        "launch_button_problems": launch_button_problems(
            launch, notebook, expected_launch_links(notebook)
        ),
        "secret_markers": markers,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=Path("_build/html"))
    parser.add_argument("--out", type=Path, default=Path("artifacts/screenshots"))
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--pages", nargs="*", help="only these pages (paths relative to --build)")
    parser.add_argument(
        "--no-axe", action="store_true", help="skip the axe-core accessibility audit"
    )
    args = parser.parse_args(argv)

    if not (args.build / "index.html").is_file():
        print(f"no built book at {args.build}: run `make book` first", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} not found: run `make browser` (Debian's chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    axe = None
    if not args.no_axe:
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()

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
                result = check_page(page, base_url, rel, out, links, axe)
                page.close()
                results.append(result)
                for key in (
                    "external_requests",
                    "console_errors",
                    "broken_images",
                    "alt_text_problems",
                    "accessibility_problems",
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
    summary: dict[str, int] = {}
    for result in results:
        for finding in result["accessibility"]:
            key = f"{finding['rule']} ({finding['impact']})"
            summary[key] = summary.get(key, 0) + len(finding["targets"])
    report = {"pages": results, "accessibility_summary": summary, "problems": problems}
    print(json.dumps(report, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
