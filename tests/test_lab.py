"""`make lab` (tools/lab.py): JupyterLab with jupyterlab-myst on the plain-Markdown copies.

What JupyterLab then shows (numbers, links, the solution notebooks) is checked in a browser by
tests/test_browser.py (test_a_chapter_reads_in_make_lab_with_its_numbers_and_links)."""

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import lab  # noqa: E402


def test_make_lab_serves_the_copies_and_opens_the_introduction(tmp_path):
    line = lab.command(tmp_path, lab.FIRST_PAGE, ["--no-browser"])
    assert Path(line[0]) == Path(sys.executable).parent / "jupyter" and line[1] == "lab"
    assert f"--ServerApp.root_dir={tmp_path}" in line and line[-1] == "--no-browser"
    assert "--LabApp.default_url=/lab/tree/book/00_introduction.ipynb" in line
    assert (ROOT / lab.FIRST_PAGE).is_file()
    assert lab.COPIES == ROOT / "_build" / "notebooks"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab: install\n\t\$\(BIN\)/python tools/lab.py", makefile, re.M)


def test_jupyterlab_myst_is_pinned_installed_and_compatible_with_jupyterlab():
    pins = dict(re.findall(r"^([\w.-]+)==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M))
    listed = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension", "list"],
                            capture_output=True, text=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)
    assert re.search(rf"jupyterlab-myst v{re.escape(pins['jupyterlab-myst'])} enabled OK", text), text
    assert "not compatible" not in text, text
