"""Site features of the book that Jupyter Book 1 does not configure by itself.

- Offline JavaScript: require.js, the ipywidgets HTML manager and Mermaid are served from
  the site (``_vendor/``, filled by ``.ci/vendor-assets.sh`` from the npm registry at build
  time; MathJax comes from the ``sphinx-mathjax-offline`` package). When ``_vendor/`` is
  empty (no registry was reachable) the pages fall back to the CDN.
- ``ipywidgets-shim.js``: three fixes for the HTML manager on a Jupyter Book page.
- Mermaid's classic build instead of its ES module, so diagrams render from ``file://``.
- Chinese text: Noto Sans SC as a web font (``_vendor/noto-sans-sc``, from the npm package
  ``@fontsource/noto-sans-sc``, split by unicode-range) after the theme's fonts, for prose,
  code and widgets (``book-fonts.css``).
- A note at the top of every notebook page saying how to run it locally.
- Changed static files are recopied even when no page is out of date.
- Notebooks are executed in parallel (``book_jobs`` processes; Sphinx's parallel reading,
  which ``jupyter-book build`` does not expose).
- Never stale: Jupyter Book's execution cache only sees a notebook's own cells, so a
  notebook is executed again when the ``llmbook`` modules it imports (directly or through
  other modules of the package) or the package's data files change.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset

LOG = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MERMAID_VERSION = "11.12.1"
NOTO_SANS_SC_VERSION = "5.3.0"  # @fontsource/noto-sans-sc, as in .ci/vendor-assets.sh
CDN = {
    "requirejs/require.js": "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js",
    "html-manager/embed-amd.js": "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js",
    "mermaid/mermaid.min.js": f"https://cdn.jsdelivr.net/npm/mermaid@{MERMAID_VERSION}/dist/mermaid.min.js",
}
#: Noto Sans SC's @font-face rules: the site's copy, or (without _vendor/) fontsource's own
#: stylesheets for the same weights and unicode-ranges.
FONT_CSS = "noto-sans-sc/noto-sans-sc.css"
FONT_CDN = [
    f"https://cdn.jsdelivr.net/npm/@fontsource/noto-sans-sc@{NOTO_SANS_SC_VERSION}/{w}.css"
    for w in (400, 700)
]


def _vendor_dir(app) -> Path:
    return Path(app.confdir) / "_vendor"


def _asset(app, rel: str) -> str:
    """The site's own copy of a vendored file, or its CDN address when it is missing."""
    return rel if (_vendor_dir(app) / rel).is_file() else CDN[rel]


def _configure(app, config) -> None:
    static = ["_ext/static"] + (["_vendor"] if _vendor_dir(app).is_dir() else [])
    config.html_static_path = [*config.html_static_path, *static]
    # The theme logs a console error on a first visit unless the colour mode has a default.
    config.html_context = {"default_mode": "auto", **config.html_context}
    embed = _asset(app, "html-manager/embed-amd.js")
    shim_attrs = {} if embed == "html-manager/embed-amd.js" else {"data-embed-amd": embed}
    # Loaded in this order on pages with widgets; the shim must sit between the two.
    config.nb_ipywidgets_js = {
        _asset(app, "requirejs/require.js"): {},
        "ipywidgets-shim.js": shim_attrs,
        embed: {},
    }
    # Chinese text: the @font-face rules of Noto Sans SC, then the font stacks that use it.
    faces = [FONT_CSS] if (_vendor_dir(app) / FONT_CSS).is_file() else FONT_CDN
    for css in faces:
        app.add_css_file(css, priority=400)
    app.add_css_file("book-fonts.css", priority=401)


def _launch_note(app, doctree) -> None:
    """Put a short 'run this chapter locally' note under the title of each notebook page."""
    docname = app.env.docname
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb":
        return
    section = doctree.next_node(nodes.section)
    if section is None:
        return
    rel = source.relative_to(Path(app.srcdir)).as_posix()
    para = nodes.paragraph()
    para += nodes.Text(
        "This page is a notebook. To run its code yourself, with every control of "
        "its explorers live, run "
    )
    para += nodes.literal(text="make book")
    para += nodes.Text(" once in the book's folder (it sets up ")
    para += nodes.literal(text=".venv")
    para += nodes.Text("), then ")
    para += nodes.literal(text=f".venv/bin/jupyter lab {rel}")
    para += nodes.Text(". The download button at the top of the page gives the notebook file.")
    note = nodes.admonition(classes=["tip", "launch-note"])
    note += nodes.title(text="Run this chapter locally")
    note += para
    index = 1 if section.children and isinstance(section[0], nodes.title) else 0
    section.insert(index, note)


def _page_scripts(app, pagename, templatename, context, doctree) -> None:
    """Per-page scripts: drop Thebe's (it is off), add Mermaid where there is a diagram."""
    from sphinxcontrib.mermaid import mermaid

    thebe_on = app.config.html_theme_options.get("launch_buttons", {}).get("thebe")
    if not thebe_on and "script_files" in context:
        # sphinx-thebe adds a CDN address and a loader to every page even with Thebe off.
        context["script_files"][:] = [
            js
            for js in context["script_files"]
            if js.filename != "sphinx-thebe.js"
            and "THEBE_JS_URL" not in (js.attributes.get("body") or "")
        ]
    if doctree is None or doctree.next_node(mermaid) is None:
        return
    app.add_js_file(_asset(app, "mermaid/mermaid.min.js"))
    app.add_js_file("book-mermaid.js")


def _recopy_static(app, exception) -> None:
    """Copy changed static files (Sphinx skips this when no page is out of date)."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static"
    for folder in (STATIC, _vendor_dir(app), Path(app.confdir) / "_static"):
        if folder.is_dir():
            copy_asset(folder, out, excluded=lambda p: Path(p).name.startswith("."))


# ---------------------------------------------------------------------------------------
# Never stale: which llmbook modules each notebook depends on.


def _sources(package: Path):
    """The book's own :mod:`llmbook.sources`, loaded from the source tree being built.

    Loaded by file path, not imported: an installed copy of the package may be another
    checkout's.
    """
    import importlib.util

    spec = importlib.util.spec_from_file_location("_book_llmbook_sources", package / "sources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _llmbook_fingerprint(notebook: Path, package: Path, sources=None) -> str:
    """A hash of the llmbook source a notebook depends on (closure of its imports)."""
    sources = sources or _sources(package)
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    return sources.fingerprint(code, package)


def _stale_notebooks(app, env, added, changed, removed):
    """Re-execute and re-read every notebook whose llmbook dependencies changed."""
    package = Path(app.confdir) / "src" / "llmbook"
    cache_path = Path(app.config.nb_execution_cache_path or ".jupyter_cache")
    if app.config.nb_execution_mode != "cache" or not package.is_dir():
        return []
    record_file = cache_path / "llmbook-fingerprints.json"
    try:
        recorded = json.loads(record_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    sources = _sources(package)
    current, stale = {}, []
    for docname in sorted(env.found_docs):
        source = Path(env.doc2path(docname))
        if source.suffix != ".ipynb":
            continue
        current[docname] = _llmbook_fingerprint(source, package, sources)
        if recorded.get(docname) != current[docname]:
            stale.append((docname, source))
    if stale and cache_path.is_dir():
        import nbformat
        from jupyter_cache import get_cache

        cache = get_cache(str(cache_path))
        for docname, source in stale:
            try:
                record = cache.match_cache_notebook(nbformat.read(source, as_version=4))
            except KeyError:
                continue
            cache.remove_cache(record.pk)
            LOG.info("llmbook changed: %s will be executed again", docname)
    cache_path.mkdir(parents=True, exist_ok=True)
    record_file.write_text(json.dumps(current, indent=1, sort_keys=True), encoding="utf-8")
    return [docname for docname, _ in stale if docname in env.all_docs]


# Extensions the book loads that do not declare whether they are safe for Sphinx's parallel
# reading and writing (so Sphinx would read serially, with a warning). All three are:
# sphinx_multitoc_numbering only replaces the section numbering, which Sphinx runs in the
# main process after every page is read; sphinx_jupyterbook_latex only registers stateless
# transforms that act for the LaTeX builder; sphinx-mathjax-offline only sets a path and
# copies files when the build has finished.
PARALLEL_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex", "sphinx-mathjax-offline")


def _jobs(value) -> int:
    """``book_jobs``: a positive integer, or ``"auto"`` for the number of CPUs."""
    if value == "auto":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    jobs = int(value)
    if jobs < 1:
        raise ValueError(f"book_jobs must be a positive integer or 'auto', got {value!r}")
    return jobs


def _parallel_reading(app, env, docnames) -> None:
    """Read (and so execute) the notebooks in ``book_jobs`` processes.

    The execution cache's database is created here, in the main process: two reading
    processes that both find it missing would both try to create its tables.
    """
    if app.config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        cache_path = Path(app.config.nb_execution_cache_path or ".jupyter_cache")
        get_cache(str(cache_path)).list_cache_records()
    for name in PARALLEL_SAFE:
        ext = app.extensions.get(name)
        if ext is not None:
            ext.parallel_read_safe = ext.parallel_write_safe = True
    if app.parallel <= 1:
        app.parallel = _jobs(app.config.book_jobs)


def _fingerprint() -> str:
    """A hash of this extension and its static files: when it changes, every page is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(HERE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def setup(app):
    app.setup_extension("sphinxcontrib.mermaid")
    # sphinxcontrib-mermaid loads Mermaid as an ES module (from a CDN unless told
    # otherwise); ES modules do not load from file://, so use the classic build instead.
    from sphinxcontrib.mermaid import install_js

    for listener in list(app.events.listeners.get("html-page-context", [])):
        if listener.handler is install_js:
            app.disconnect(listener.id)
    # A config value Sphinx compares with the previous build's, so a change here rebuilds all.
    app.add_config_value("book_site_fingerprint", _fingerprint(), "env")
    app.add_config_value("book_jobs", "auto", "", types=(str, int))
    app.connect("config-inited", _configure)
    app.connect("doctree-read", _launch_note)
    app.connect("env-get-outdated", _stale_notebooks)
    app.connect("env-before-read-docs", _parallel_reading)
    app.connect("html-page-context", _page_scripts)
    app.connect("build-finished", _recopy_static)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
