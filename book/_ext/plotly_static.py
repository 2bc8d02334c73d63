"""Sphinx extension of the course's book (not part of ``labs``): ship plotly.js with the HTML.

Listed under ``sphinx: local_extensions:`` in ``_config.yml``. The interactive figures of
``labs.interactive`` load ``_static/plotly.min.js`` from the built book; this extension copies
that file from the installed ``plotly`` package after an HTML build, so the repository never
stores it and the book needs no network. It also drops scripts that another extension adds to
every page twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PLOTLY_JS = "plotly.min.js"  # the name labs.interactive's loader asks _static/ for


def plotly_js_path() -> Path:
    """``plotly.min.js`` as shipped inside the installed ``plotly`` package (no network)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; reinstall plotly (pip install --force-reinstall plotly)"
        )
    return path


def copy_plotly_js(app, exception) -> None:
    """After an HTML build, put the installed plotly.js into the book's ``_static/``."""
    if exception is None and getattr(app.builder, "format", "") == "html":
        target = Path(app.outdir) / "_static" / PLOTLY_JS
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(plotly_js_path(), target)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep each page script (same file, same attributes) once.

    sphinx-thebe registers its inline configuration script (``const THEBE_JS_URL = ...``) with
    both Sphinx's registry and the HTML builder (once with filename None, once with ""), so
    every page gets it twice and the second copy throws "Identifier 'THEBE_JS_URL' has already
    been declared".
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", str(script)) or "", attributes)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app) -> dict:
    """Sphinx entry point: connect both hooks; fail at the start of the build if plotly is broken."""
    plotly_js_path()
    app.connect("build-finished", copy_plotly_js)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
