"""The shared first code cell of every notebook, rendered from ``_config.yml`` and ``labs``.

    python tools/setup_cell.py --check   # exit 1 if a notebook's first code cell differs
    python tools/setup_cell.py --write   # rewrite that cell in every notebook (or those named)

The Colab install line names the repository of ``_config.yml`` (one place to change it) at the
tag ``v<labs.__version__>``, so a page installs the ``labs`` of the release it was built from.
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

# Lines stay within 79 characters so that the cell fits the book's code box.
TEMPLATE = '''\
# Shared setup: the same first cell in every notebook of the course.
# In Colab it installs the course's `labs` package at the release this
# page was built from, leaving Colab's own torch alone; elsewhere
# `make install` has done that already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPO = "{repository}"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"{package} @ git+{{REPO}}@v{version}"], check=True)

from labs import repro, viz

COURSE = repro.setup(seed=0)  # seeds everything, fixes threads, picks a device
viz.set_style()'''


def repository_url(root: Path = ROOT) -> str:
    """The repository URL that ``_config.yml`` names."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("repository") or {}).get("url")
    if not url:
        raise ValueError("_config.yml has no repository.url; the setup cell needs it")
    return url.rstrip("/")


def package_version(root: Path = ROOT) -> str:
    """``labs.__version__`` read from the source, without importing the package."""
    for line in (root / "labs" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise ValueError("labs/__init__.py defines no __version__")


PACKAGE = "embedding-course"


def install_spec(root: Path = ROOT) -> str:
    """The pip requirement the setup cell installs in Colab."""
    return f"{PACKAGE} @ git+{repository_url(root)}@v{package_version(root)}"


def render(root: Path = ROOT) -> str:
    """The setup cell's source."""
    return TEMPLATE.format(repository=repository_url(root), package=PACKAGE,
                           version=package_version(root))


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
