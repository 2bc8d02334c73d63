"""`make lab`: JupyterLab on the course, with the numbers the prose cites readable.

    python tools/lab.py              # the plain-Markdown copies in _build/notebooks/ (make lab)
    python tools/lab.py --sources    # the notebooks themselves, book/ and solutions/ (make lab SOURCES=1)

JupyterLab renders MyST with jupyterlab-myst (pinned in requirements.txt): roles, directives and
maths show as in a MyST document. It does not know myst-nb's ``glue`` though, so in the source
notebooks a ``{glue:text}`` role stays a placeholder where the book shows a number. ``make lab``
therefore opens the plain-Markdown copies that ``tools/export_notebooks.py`` writes into
``_build/notebooks/`` (numbers filled in from the stored outputs, terms and references as links to
the published book, exercises linking their solution notebook), refreshed from the sources at each
start. A copy the reader has changed since it was written (run and saved, notes added) is kept,
and the script says so: delete or rename it to get the current version. ``make clean`` deletes
``_build``, copies included. Edit the course itself with ``--sources``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export_notebooks  # noqa: E402

ROOT = export_notebooks.ROOT
COPIES = ROOT / "_build" / "notebooks"
FIRST_PAGE = "book/00_introduction.ipynb"


def command(folder: Path, first: str | None, extra: list[str]) -> list[str]:
    """The ``jupyter lab`` command serving ``folder`` and opening ``first`` (a path inside it)."""
    jupyter = Path(sys.executable).parent / "jupyter"
    line = [str(jupyter), "lab", f"--ServerApp.root_dir={folder}"]
    if first:
        line.append(f"--LabApp.default_url=/lab/tree/{first}")
    return line + extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", action="store_true",
                        help="open book/ and solutions/ themselves (to edit the course)")
    parser.add_argument("--out", type=Path, default=COPIES, help="where the copies go")
    args, extra = parser.parse_known_args(argv)
    if args.sources:
        line = command(ROOT, None, extra)
    else:
        out = args.out.resolve()
        for message in export_notebooks.refresh(export_notebooks.course_notebooks(), out,
                                                export_notebooks.Site()):
            if message.startswith("kept"):
                print(message)
        print(f"JupyterLab on the plain-Markdown copies in {out} (the sources: make lab SOURCES=1)")
        line = command(out, FIRST_PAGE, extra)
    os.execv(line[0], line)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
