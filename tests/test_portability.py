"""`make portability` compares re-executed notebooks as `make test` does, and reports it."""

import sys

import nbformat

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import portability  # noqa: E402
import report  # noqa: E402


def notebook(path, printed: list[str], sources: list[str] | None = None):
    nb = nbformat.v4.new_notebook()
    for index, text in enumerate(printed):
        source = (sources or [""] * len(printed))[index] or f"print({index})"
        cell = nbformat.v4.new_code_cell(source, execution_count=index + 1)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("prose between the cells"))
    nbformat.write(nb, path)
    return path


def test_compare_notebook_counts_cells_and_finds_the_largest_deviation(tmp_path):
    sanitize = portability.load_sanitizer(portability.SANITIZER)
    sources = ["", "# NBVAL_TOLERANCE rel=0.02: a GAN\nprint(1)", ""]
    stored = notebook(tmp_path / "stored.ipynb", ["probe 0.964\n", "82.2 %\n", "200 rows\n"], sources)
    fresh = notebook(tmp_path / "fresh.ipynb", ["probe 0.963\n", "81.4 %\n", "200 rows\n"], sources)
    row = portability.compare_notebook(stored, fresh, sanitize)
    assert row["cells"] == 3 and row["numbers"] == 3 and row["failures"] == []
    assert row["largest"]["cell"] == 1 and row["largest"]["declared"]
    assert (row["largest"]["stored"], row["largest"]["fresh"]) == ("82.2", "81.4")


def test_compare_notebook_fails_a_changed_count(tmp_path):
    sanitize = portability.load_sanitizer(portability.SANITIZER)
    stored = notebook(tmp_path / "stored.ipynb", ["200 rows\n"])
    fresh = notebook(tmp_path / "fresh.ipynb", ["201 rows\n"])
    row = portability.compare_notebook(stored, fresh, sanitize)
    assert row["failures"] == ["cell 0: 200 became 201, beyond the tolerance"]


def test_variants_change_the_kernels_and_leave_openblas_to_the_variant():
    for name, (_, changes) in portability.VARIANTS.items():
        env = portability.variant_env(changes)
        assert env["ATEN_CPU_CAPABILITY"] == "avx2", name
        assert "MKL_CBWR" in env and env["LABS_THREADS"] == "2"
    unset = portability.variant_env(portability.VARIANTS["avx2-compatible"][1])
    assert "OPENBLAS_CORETYPE" not in unset and "OPENBLAS_L2_SIZE" not in unset


def test_the_report_shows_the_portability_table():
    largest = {"cell": 4, "stored": "0.962", "fresh": "0.964", "relative": 0.002, "units": 2.0,
               "declared": True}
    rows = {"book/04_relationship.ipynb": {"cells": 21, "numbers": 590, "largest": largest,
                                           "failures": []},
            "book/05_2_vision.ipynb": {"cells": 16, "numbers": 80, "largest": None,
                                       "failures": ["cell 12: 0.944 became 0.96, beyond the tolerance"]}}
    text = "\n".join(report.portability_lines({"date": "2026-12-01", "variants": {"haswell": {
        "description": "AVX2 only", "kernels": "OpenBLAS Haswell, torch AVX2",
        "set": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": None}, "notebooks": rows}}}))
    assert "1 of 2 notebooks pass" in text and "`OPENBLAS_L2_SIZE` unset" in text
    assert "| `book/04_relationship` | 21 | 590 | 0.962 → 0.964 (cell 4; 0.2 %, 2.0 units; " \
           "declared tolerance) | yes |" in text
    assert "| **no**: cell 12: 0.944 became 0.96" in text
