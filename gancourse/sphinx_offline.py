"""Sphinx extension: a book that works offline.

1. MathJax 3 is served from the built book instead of a CDN, so readers offline or on
   locked-down hubs still see rendered equations. The files come from the pinned PyPI package
   ``django-static-mathjax`` (MathJax 3.2.2, Apache-2.0; it has no Django dependency); the
   extension copies what a page can load into ``_static/mathjax`` and points Sphinx's
   ``mathjax_path`` at that copy.
2. The Thebe loader that Jupyter Book always adds is dropped from every page: the course runs
   code on its JupyterHub, not through Thebe, and sphinx-thebe 0.3 declares its loader twice on
   rebuilt pages, which is a console error.
3. Launch buttons (JupyterHub, Colab; ``launch_buttons`` in _config.yml) stay on the pages
   built from ``.ipynb`` files, the labs: the theme also puts them on executed MyST Markdown
   pages, where they would open a ``.md`` file that Colab cannot read and JupyterLab shows as
   text. They are plain links, loaded only when clicked. Their addresses come from the course's
   addresses at build time (``tools/book_config.py``); a launch URL without a repository to
   launch is refused with a message, not left to the theme's TypeError.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ENTRY_POINT = "tex-chtml-full.js"
# Other combined bundles are never loaded once ENTRY_POINT is chosen; everything else
# (fonts, menu, accessibility, speech) can be fetched lazily by MathJax and must be present.
_UNUSED_BUNDLES = {
    "tex-chtml.js",
    "tex-chtml-full-speech.js",
    "tex-mml-chtml.js",
    "tex-mml-svg.js",
    "tex-svg.js",
    "tex-svg-full.js",
    "mml-chtml.js",
    "mml-svg.js",
    "node-main.js",
}


def mathjax_source() -> Path:
    """The folder of MathJax's ``es5`` build inside the installed package."""
    import mathjax

    source = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    if not (source / ENTRY_POINT).is_file():
        raise FileNotFoundError(
            f"MathJax not found at {source}; install the pinned 'django-static-mathjax' "
            "(make venv installs it)"
        )
    return source


def _point_at_local_copy(app, config) -> None:
    config.mathjax_path = f"mathjax/{ENTRY_POINT}"


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(
        mathjax_source(),
        target,
        dirs_exist_ok=True,
        ignore=lambda folder, names: [n for n in names if n in _UNUSED_BUNDLES],
    )


_LAUNCH_URLS = ("jupyterhub_url", "binderhub_url", "colab_url", "deepnote_url")


def _check_launch_buttons(app, config) -> None:
    options = config.html_theme_options or {}
    launch = options.get("launch_buttons") or {}
    wanted = [key for key in _LAUNCH_URLS if launch.get(key)]
    if wanted and not options.get("repository_url"):
        from sphinx.errors import ConfigError

        raise ConfigError(
            f"launch_buttons sets {', '.join(wanted)} but repository.url is empty: a launch "
            "button needs the student edition's repository (build with `make book`, which "
            "takes both from addresses.toml)"
        )


def _is_thebe_asset(asset) -> bool:
    filename = getattr(asset, "filename", None) or str(asset)
    body = getattr(asset, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe_asset(asset)]


def _launch_buttons_on_notebooks_only(app, pagename, templatename, context, doctree) -> None:
    if Path(app.env.doc2path(pagename)).suffix == ".ipynb":
        return
    buttons = context.get("header_buttons")
    if buttons:
        buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]


def _citations_as_list_items(app, pagename, templatename, context, doctree) -> None:
    """docutils writes bibliography entries as role="doc-biblioentry" inside role="list"; ARIA 1.2
    deprecates that role and a list must hold list items (axe: aria-required-children)."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    mathjax_source()  # fail early with a clear message
    app.connect("config-inited", _point_at_local_copy, priority=900)
    app.connect("config-inited", _check_launch_buttons)
    app.connect("html-page-context", _drop_thebe)
    # After sphinx-book-theme adds the launch buttons (its handlers run at priority 501).
    app.connect("html-page-context", _launch_buttons_on_notebooks_only, priority=502)
    app.connect("html-page-context", _citations_as_list_items)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
