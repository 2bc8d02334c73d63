"""Sphinx extension: what the download and Colab buttons open is the plain-Markdown copy.

Outside the HTML book, MyST shows raw: ``{glue:text}`` placeholders where the numbers should be,
``{term}``/``{ref}``/``{cite}`` roles and directive fences as code. ``tools/export_notebooks.py``
turns a notebook into a copy whose Markdown is plain (glued numbers filled in, roles as links to
the published pages, directives as blockquotes). This extension makes those copies what a reader
gets from the book, generated at every build from the same sources:

* at the end of an HTML build, every notebook page's ``_sources/<page>.ipynb`` (the file the
  download button serves) is replaced by its copy: the notebook the page shows (myst-nb's
  ``jupyter_execute/<page>.ipynb``: the stored outputs, or the fresh ones with ``make book
  EXECUTE=1``) with the numbers the page shows (``<page>.glue.json``);
* the Colab launch button opens the copy on the generated branch ``<repository.branch>-notebooks``
  (``export_notebooks.copies_branch``), which the CI workflow (``.github/workflows/book.yml``,
  ``tools/publish_notebooks.py``) fills with exactly these ``_sources/**/*.ipynb`` files. The
  copies' setup cell is the sources' one, so it installs ``labs`` from ``repository.branch``,
  the branch the book was built from.

The Binder button still opens the repository's own branch: Binder builds its environment from
``binder/`` there (jupyterlab-myst included, so MyST renders, though glued numbers do not).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

from sphinx.errors import ExtensionError

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@functools.cache
def exporter():
    """tools/export_notebooks.py, loaded by path (it is a script, not part of ``labs``)."""
    spec = importlib.util.spec_from_file_location("export_notebooks", TOOLS / "export_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook_pages(app) -> list[str]:
    return sorted(doc for doc in app.env.found_docs if str(app.env.doc2path(doc)).endswith(".ipynb"))


def point_colab_at_the_copies(app, pagename, templatename, context, doctree):
    """Rewrite the Colab button that sphinx-book-theme (priority 501) put on a notebook page."""
    for group in context.get("header_buttons") or []:
        if group.get("label") != "launch-buttons":
            continue
        for button in group["buttons"]:
            if button.get("text") != "Colab":
                continue
            root = Path(app.srcdir)
            export = exporter()
            owner, name, branch = export.repository(root)
            notebook = button["url"].split(f"/github/{owner}/{name}/blob/{branch}/", 1)
            if len(notebook) != 2:
                raise ExtensionError(f"{pagename}: the theme's Colab link {button['url']!r} is not "
                                     f"…/github/{owner}/{name}/blob/{branch}/<notebook>; "
                                     "book/_ext/notebook_copies.py needs updating")
            button["url"] = export.colab_url(notebook[1], root)
            button["tooltip"] = "Open this notebook, with its Markdown made plain, in Colab"


def replace_downloads_with_copies(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    export = exporter()
    root = Path(app.srcdir)
    site = export.Site(root)
    outdir = Path(app.outdir)
    executed = outdir.parent / "jupyter_execute"
    for page in _notebook_pages(app):
        download = outdir / "_sources" / f"{page}.ipynb"
        if not download.is_file():
            raise ExtensionError(f"{page}: no {download} to replace (the download button's file)")
        shown = executed / f"{page}.ipynb"
        source = shown if shown.is_file() else Path(app.env.doc2path(page))
        notebook = json.loads(source.read_text(encoding="utf-8"))
        # myst-nb moves a page's glued values out of jupyter_execute/<page>.ipynb into
        # <page>.glue.json; a page without one glues nothing (or was not executed there).
        glue_file = executed / f"{page}.glue.json"
        glue = (export.glue_file_values(glue_file) if glue_file.is_file() else
                export.glued_values(json.loads(Path(app.env.doc2path(page)).read_text(encoding="utf-8"))))
        export.write(export.convert(notebook, page, site, glue), download)


def setup(app):
    app.connect("html-page-context", point_colab_at_the_copies, priority=502)
    app.connect("build-finished", replace_downloads_with_copies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
