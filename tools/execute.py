"""Re-execute notebooks top to bottom in a fresh kernel and store their outputs in place.

    python tools/execute.py book/01_embedding.ipynb solutions/01_embedding.ipynb
    python tools/execute.py --all

This is how the stored outputs that nbval compares are produced: each notebook runs in its own
fresh kernel, in its own folder, with progress bars off, under the same environment as
``make test`` (see the Makefile). The wall time of each notebook is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from setup_cell import notebooks  # noqa: E402


def execute(path: Path, timeout: int, workdir: Path | None = None) -> float:
    """Run ``path`` in a fresh kernel, write it back with outputs; return the wall time.

    The kernel starts in ``workdir`` (default: the notebook's folder), so that a copy of a
    notebook made elsewhere (``tools/portability.py``) runs as the original does.
    """
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps of an earlier run
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        # Widget state holds random model ids and would be re-embedded in every page; the
        # course's widgets need a live kernel anyway (labs/widgets.py).
        store_widget_state=False,
        record_timing=False,  # per-cell timestamps would change every run and clutter diffs
        resources={"metadata": {"path": str(workdir or path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    # Pairing metadata left by authoring tools (jupytext) is dropped: the .ipynb is the source.
    notebook.metadata.pop("jupytext", None)
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook of book/ and solutions/")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--workdir", type=Path, help="folder the kernel starts in")
    args = parser.parse_args(argv)
    paths = notebooks() if args.all else args.paths
    if not paths:
        parser.error("name notebooks to execute, or pass --all")
    os.environ.setdefault("LABS_PROGRESS", "0")
    for path in paths:
        print(f"{path}: {execute(path, args.timeout, args.workdir):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
