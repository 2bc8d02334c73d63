"""ruff, configured in pyproject.toml, finds nothing in the course's Python code."""

import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_nothing():
    try:
        import ruff  # noqa: F401  (installed from requirements.txt)
    except ImportError:
        raise AssertionError("ruff is not installed: pip install -r requirements.txt") from None
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "labs", "tests",
                           "tools", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
