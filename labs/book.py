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


# What myst-nb's glue (myst_nb.ext.glue, 1.x) writes and its book build reads back: the value's
# display bundle with this prefix on each mime type, and "scrapbook" metadata. glue writes it
# without importing myst-nb, whose import (nbformat, jsonschema, their URI grammars) costs one
# to two seconds in every notebook that glues a value; a test checks that the outputs agree.
GLUE_PREFIX = "application/papermill.record/"


def _has_myst_nb() -> bool:
    """Whether myst-nb is installed (the book's build), found without importing it."""
    import importlib.util

    try:
        return importlib.util.find_spec("myst_nb") is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False


def glue(name: str, value, display: bool = False) -> None:
    """Record ``value`` under ``name`` for the book's ``{glue}`` roles, as ``myst_nb.glue`` does.

    Notebooks call this instead of importing myst-nb, which Colab does not have: there the value
    is only shown (when ``display`` is true), since nothing reads glued values outside the book.
    Floats are stored with 4 significant digits: the prose formats them anyway (``{glue:text}`name:.2f```),
    and the stored output, which nbval compares, then does not depend on the last bits of a sum.
    """
    from IPython.display import display as show

    if isinstance(value, (float, np.floating)):
        value = float(f"{float(value):.4g}")
    if not _has_myst_nb():
        if display:
            show(value)
        return
    from IPython.core.formatters import format_display_data

    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    show({prefix + key: data for key, data in bundle.items()}, raw=True, metadata=metadata)


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
