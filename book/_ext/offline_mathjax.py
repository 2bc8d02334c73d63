"""Sphinx extension: MathJax 3 served with the book, never from a CDN.

The PyPI package ``sphinx-mathjax-offline`` (pinned in requirements.txt) ships MathJax's
browser distribution (MathJax 3.2.2, Apache 2.0). ``_config.yml`` sets ``mathjax_path`` to
``mathjax/tex-mml-chtml.js`` (the component Sphinx's default CDN URL names; Sphinx puts it
under ``_static/``), and after an HTML build this extension copies that component and the
folders it loads on demand into ``_static/mathjax/``: TeX extensions (``autoload``), fonts,
the SVG output the menu offers, the accessibility menu and its speech-rule engine. The
package's own Sphinx extension is not used: it copies all 24 MB of the distribution (Node.js
builds and components the book never loads included) and sets ``mathjax_path`` behind the
back of ``_config.yml``.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset

PACKAGE = "sphinx-mathjax-offline"  # its import name has hyphens, like its distribution name
COMPONENT = "tex-mml-chtml.js"  # what mathjax_path names, relative to _static/mathjax/
# What the component loads from the folder it was loaded from, besides itself.
ON_DEMAND = ("input", "output", "a11y", "ui", "sre")


def mathjax_folder() -> Path:
    """MathJax's browser distribution inside the installed ``sphinx-mathjax-offline`` package."""
    spec = importlib.util.find_spec(PACKAGE)
    folder = Path(spec.origin).parent / "static" / "mathjax" if spec and spec.origin else None
    if folder is None or not (folder / COMPONENT).is_file():
        raise ExtensionError(
            f"MathJax not found: install the pinned `{PACKAGE}` from requirements.txt "
            f"(pip install -r requirements.txt)"
        )
    return folder


def _check_config(app, config) -> None:
    expected = f"mathjax/{COMPONENT}"
    if config.mathjax_path != expected:
        raise ExtensionError(
            f"mathjax_path is {config.mathjax_path!r}: set `mathjax_path: {expected}` under "
            f"sphinx: config: in _config.yml, so that pages load the MathJax shipped in _static/"
        )


def _copy_mathjax(app, exception) -> None:
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    source, target = mathjax_folder(), Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    (target / COMPONENT).write_bytes((source / COMPONENT).read_bytes())
    for folder in ON_DEMAND:
        copy_asset(str(source / folder), str(target / folder))


def setup(app) -> dict:
    mathjax_folder()  # fail at the start of the build, not at its end
    app.connect("config-inited", _check_config)
    app.connect("build-finished", _copy_mathjax)
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return {"parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": int(source[:8], 16)}
