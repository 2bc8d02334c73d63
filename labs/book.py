"""What only the book needs: glued values for its prose, and each chapter's measured run time.

Used in: every chapter (:func:`glue` puts printed numbers into the prose; the last cell prints
:func:`run_time_note`). Nothing here trains or measures a model: it connects notebooks to the
Jupyter Book build and to the benchmark results committed in the course's repository.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def glue(name: str, value, display: bool = False) -> None:
    """Record ``value`` under ``name`` for the book's ``{glue}`` roles, like ``myst_nb.glue``.

    Notebooks call this instead of importing myst-nb, which Colab does not have: there the value
    is only shown (when ``display`` is true), since nothing reads glued values outside the book.
    Floats are stored with 4 significant digits: the prose formats them anyway (``{glue:text}`name:.2f```),
    and the stored output, which nbval compares, then does not depend on the last bits of a sum.
    """
    if isinstance(value, (float, np.floating)):
        value = float(f"{float(value):.4g}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)


RESULTS_FILE = "benchmarks/results.json"


@dataclass(frozen=True)
class RunTime:
    """How long a notebook took on the course's reference machine (``make benchmarks``)."""

    notebook: str  # path from the repository root, e.g. "book/01_embedding.ipynb"
    isolated_cold: float  # seconds alone, from an empty cache (it trains everything it uses)
    course_cold: float  # seconds in reading order, the cache filled by the chapters before it
    warm: float  # seconds with every model already cached
    peak_mb: float  # peak resident memory of the kernel
    machine: str  # date and core count of the measurement

    def __str__(self) -> str:
        return "\n".join([
            f"{self.notebook}, measured {self.machine}:",
            f"  from an empty cache  {self.isolated_cold:6.1f} s",
            f"  in reading order     {self.course_cold:6.1f} s",
            f"  with the cache full  {self.warm:6.1f} s",
            f"  peak memory          {self.peak_mb:6,.0f} MB",
        ])


def measured_run_time(notebook: str, results: str | os.PathLike | None = None) -> RunTime:
    """The committed measurement of ``notebook`` from ``benchmarks/results.json``.

    ``results`` defaults to that file in the course's repository (present in a clone, absent
    when ``labs`` was installed from a wheel or in Colab: then :class:`FileNotFoundError`).
    """
    path = Path(results) if results is not None else Path(__file__).resolve().parents[1] / RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"no benchmark results at {path}: they ship with the course's repository, not with "
            "the labs package; clone the repository, or see the book's 'Reproducibility and "
            "performance' page"
        )
    measured = json.loads(path.read_text(encoding="utf-8"))
    rows = measured.get("notebooks", {})
    if notebook not in rows:
        raise KeyError(f"{notebook!r} has no measurement in {path.name}; measured notebooks: "
                       f"{', '.join(sorted(rows)) or 'none'} (run `make benchmarks` to add it)")
    row, m = rows[notebook], measured["machine"]
    return RunTime(
        notebook=notebook,
        isolated_cold=row["isolated_cold"]["seconds"],
        course_cold=row["course_cold"]["seconds"],
        warm=row["warm"]["seconds"],
        peak_mb=max(run["peak_rss_mb"] for run in row.values()),
        machine=f"{m['date']} on {m['cores']} cores",
    )


def run_time_note(notebook: str, results: str | os.PathLike | None = None) -> str:
    """One line for a chapter to print: its measured run time, or where to find it.

    Unlike :func:`measured_run_time` it never raises for a missing results file, so a chapter
    opened in Colab (no repository checkout) still runs to the end.
    """
    try:
        return str(measured_run_time(notebook, results))
    except FileNotFoundError:
        return ("run times are measured by `make benchmarks` in the course's repository; "
                "see the book's 'Reproducibility and performance' page")
