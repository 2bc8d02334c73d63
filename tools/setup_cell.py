"""The shared first code cell of every notebook, rendered from ``_config.yml``.

    python tools/setup_cell.py --check   # exit 1 if a notebook's first code cell differs
    python tools/setup_cell.py --write   # rewrite that cell in every notebook (or those named)

One place names where the course lives: ``repository.url`` and ``repository.branch`` of
``_config.yml``. Jupyter Book's launch buttons open each notebook from that branch, and the
setup cell installs ``labs`` from the same branch (``git+URL@BRANCH``), so a notebook opened in
Colab always runs against the ``labs`` it was written with. The cell installs wherever ``labs``
is not importable (Colab, Kaggle, VS Code, a downloaded notebook), prints what it does and how
long it took, and raises an error saying what to run where this Python has no pip. Where
``labs`` is importable (``make install``, a second run of the cell) it prints nothing, so the
stored, empty output that nbval compares stays as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("book", "solutions")
PACKAGE = "embedding-course"

# Lines stay within 79 characters so that the cell fits the book's code box.
TEMPLATE = '''\
# Shared setup: the same first cell in every notebook of the course.
# Where the course's `labs` package is missing (Colab, Kaggle, a
# downloaded notebook), it installs it from the branch this notebook
# comes from, keeping the torch already installed.
import importlib.util
import sys

if importlib.util.find_spec("labs") is None:
    import shlex, subprocess, time

    REPO = "{repository}"
    BRANCH = "{branch}"
    pip = [sys.executable, "-m", "pip", "install",
           f"{package} @ git+{{REPO}}@{{BRANCH}}"]
    if importlib.util.find_spec("pip") is None:
        raise RuntimeError(
            "labs is not installed and this Python has no pip. Run\\n"
            f"  {{sys.executable}} -m ensurepip\\n  {{shlex.join(pip)}}\\n"
            "in a terminal, then restart the kernel.")
    print(f"Installing the course's labs package from {{REPO}}, "
          f"branch {{BRANCH}} (about 30 s) ...", flush=True)
    start = time.time()
    result = subprocess.run(pip, capture_output=True, text=True)
    if result.returncode:
        print(result.stdout[-2000:], result.stderr[-2000:])
        raise RuntimeError(f"pip failed (above); run: {{shlex.join(pip)}}")
    importlib.invalidate_caches()
    print(f"done in {{time.time() - start:.0f}} s")

from labs import repro, viz

COURSE = repro.setup(seed=0)  # seeds everything, fixes threads, picks a device
viz.set_style()'''


def config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def repository_url(root: Path = ROOT) -> str:
    """The repository URL that ``_config.yml`` names."""
    url = (config(root).get("repository") or {}).get("url")
    if not url:
        raise ValueError("_config.yml has no repository.url; the setup cell needs it")
    return url.rstrip("/")


def branch(root: Path = ROOT) -> str:
    """The branch that the launch buttons open and the setup cell installs from."""
    name = (config(root).get("repository") or {}).get("branch")
    if not name:
        # Jupyter Book would fall back to `master` (jupyter-book #769): never rely on it.
        raise ValueError("_config.yml has no repository.branch; the setup cell needs it")
    return str(name)


def install_spec(root: Path = ROOT) -> str:
    """The pip requirement the setup cell installs where ``labs`` is missing."""
    return f"{PACKAGE} @ git+{repository_url(root)}@{branch(root)}"


def render(root: Path = ROOT) -> str:
    """The setup cell's source."""
    return TEMPLATE.format(repository=repository_url(root), branch=branch(root),
                           package=PACKAGE)


def notebooks(root: Path = ROOT) -> list[Path]:
    """Every notebook of the book and of the solutions."""
    return sorted(
        path
        for folder in NOTEBOOK_DIRS
        for path in (root / folder).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in path.parts
    )


def first_code_cell(notebook: dict) -> dict | None:
    return next((cell for cell in notebook["cells"] if cell["cell_type"] == "code"), None)


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    expected = render()
    stale = []
    for path in args.paths or notebooks():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cell = first_code_cell(notebook)
        if cell is None:
            raise SystemExit(f"{path}: has no code cell to hold the setup")
        if cell_source(cell) == expected:
            continue
        stale.append(path)
        if args.write:
            cell["source"] = expected
            nbformat.write(nbformat.from_dict(notebook), path)
    for path in stale:
        print(f"{'rewrote' if args.write else 'differs'}: {path}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
