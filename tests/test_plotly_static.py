"""book/_ext/plotly_static.py: the book's Sphinx extension that ships plotly.js with the HTML."""

import subprocess
from types import SimpleNamespace

from conftest import ROOT, plotly_static

extension = plotly_static()


def test_extension_copies_plotly_js_into_static_after_an_html_build(tmp_path):
    connected = {}
    app = SimpleNamespace(connect=lambda event, handler, priority=500: connected.setdefault(event, handler),
                          outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    extension.setup(app)
    connected["build-finished"](app, None)
    copied = tmp_path / "_static" / extension.PLOTLY_JS
    assert copied.read_bytes() == extension.plotly_js_path().read_bytes()
    latex = SimpleNamespace(outdir=str(tmp_path / "latex"), builder=SimpleNamespace(format="latex"))
    connected["build-finished"](latex, None)
    assert not (tmp_path / "latex").exists()


def test_extension_keeps_each_page_script_once():
    # What the extension reads of Sphinx's script entries: a file name and the attributes
    # (sphinx-thebe's inline script arrives once with filename None and once with "").
    def script(filename, **attributes):
        return SimpleNamespace(filename=filename, attributes=attributes)

    thebe = script(None, body="const THEBE_JS_URL = 1")
    context = {"script_files": [script("a.js"), thebe, script("b.js"),
                                script("", body="const THEBE_JS_URL = 1"),
                                script("a.js", defer="defer")]}  # same file, other attributes: kept
    extension.drop_duplicate_scripts(None, "page", "page.html", context, None)
    assert [s.filename for s in context["script_files"]] == ["a.js", None, "b.js", "a.js"]


def test_plotly_js_is_not_stored_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    assert extension.PLOTLY_JS not in tracked
