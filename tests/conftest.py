"""Shared fixtures. Unit tests draw with the non-interactive Agg backend and use a private cache."""

import json
import os
from pathlib import Path
from typing import Callable

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


def build_book() -> str | None:
    """Build the HTML book into _build/html (warnings are errors); None, or why it failed."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        return f"the book build failed (-W -n):\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return None


def once_per_run(stem: Path, run: str, make: Callable[[], str | None]) -> str | None:
    """``make()`` (None, or why it failed) run once among the processes of one test run ``run``
    that share ``stem``'s folder; every caller gets its outcome.

    Why: under pytest-xdist each worker has its own session, so a session fixture runs once per
    worker, and a second book build would delete _build/html under the first worker's browser
    test. The first caller builds while holding an exclusive lock (``stem``.lock, released by the
    kernel even if the worker dies), and records the outcome in ``stem``.json with the run's id;
    a later caller waits on the lock, then reuses that outcome, a failure included. A record of an
    earlier run (another id) is stale and builds anew.
    """
    import fcntl

    stem.parent.mkdir(parents=True, exist_ok=True)
    record = stem.with_suffix(".json")
    with stem.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            done = {}
        if done.get("run") != run:
            done = {"run": run, "pid": os.getpid(), "failure": make()}
            partial = record.with_suffix(f".{os.getpid()}.partial")
            partial.write_text(json.dumps(done), encoding="utf-8")
            os.replace(partial, record)
    failure = done["failure"]
    if failure and done["pid"] != os.getpid():
        failure += f"\n(built by another pytest-xdist worker of this run, pid {done['pid']})"
    return failure


@pytest.fixture(scope="session")
def built_book(request):
    """Build the HTML book once per test run (warnings are errors); return _build/html.

    Without pytest-xdist that is once per session. Under it, the first worker that needs the book
    builds it and the others wait for it and reuse it (:func:`once_per_run`, keyed by the run's
    id); a failed build fails the tests that need it in every worker.
    """
    worker = getattr(request.config, "workerinput", None)
    if worker is None:
        failure = build_book()
    else:
        failure = once_per_run(ROOT / "_build" / "built_book", worker["testrunuid"], build_book)
    if failure:
        pytest.fail(failure)
    return ROOT / "_build" / "html"


def plotly_static():
    """The book's Sphinx extension ``book/_ext/plotly_static.py`` (it is not part of labs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("plotly_static", ROOT / "book" / "_ext" / "plotly_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
