"""Shared fixtures. Unit tests draw with the non-interactive Agg backend and use a private cache."""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    """A fresh, empty cache folder for one test (``LABS_CACHE_DIR`` points at it)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LABS_CACHE_DIR", str(folder))
    return folder


def toc_entries() -> list[str]:
    """Every `file`/`root` entry of _toc.yml, without suffix, in reading order."""
    import yaml

    found = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    found.append(str(node[key]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="session")
def built_book():
    """Build the HTML book once per test session (warnings are errors); return _build/html."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"the book build failed (-W -n):\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    return ROOT / "_build" / "html"


def plotly_static():
    """The book's Sphinx extension ``book/_ext/plotly_static.py`` (it is not part of labs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("plotly_static", ROOT / "book" / "_ext" / "plotly_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
