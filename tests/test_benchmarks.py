"""The benchmark report reads glued values correctly and says when a target is missed."""

import json
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import quality  # noqa: E402
import report  # noqa: E402


def write_notebook(path, glued):
    outputs = [{"output_type": "display_data",
                "data": {"application/papermill.record/text/plain": repr(value)},
                "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}}}
               for name, value in glued.items()]
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}))


def test_glued_values_are_read_back(tmp_path):
    write_notebook(tmp_path / "nb.ipynb", {"acc": 0.91, "pct": "97.5%", "label": "ok"})
    assert quality.glued_values(tmp_path / "nb.ipynb") == {"acc": 0.91, "pct": "97.5%", "label": "ok"}


def test_collect_compares_with_goal_and_baseline(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "ROOT", tmp_path)
    write_notebook(tmp_path / "nb.ipynb", {"ae": 0.52, "pca": 1.0, "probe": "88.0%"})
    rows = quality.collect([
        quality.Target("AE/PCA", "nb.ipynb", "ae", "<=", 0.7, "PCA", "pca"),
        quality.Target("probe", "nb.ipynb", "probe", ">=", 0.9),
        quality.Target("later", "missing.ipynb", "x", ">=", 1),
        quality.Target("beats PCA", "nb.ipynb", "pca", ">", 0, "AE", "ae"),
        quality.Target("reported", "nb.ipynb", "ae", "", 0),
    ])
    assert rows[0]["met"] and rows[0]["baseline"] == 1.0
    assert rows[1]["value"] == pytest.approx(0.88) and not rows[1]["met"]
    assert rows[2]["status"] == "chapter missing"
    assert rows[3]["met"] and rows[3]["goal"] == "> AE"
    assert rows[4]["met"] is None and rows[4]["goal"] == "—"
    with pytest.raises(KeyError, match="glues no value named 'nope'"):
        quality.collect([quality.Target("x", "nb.ipynb", "nope", ">=", 1)])


def test_report_marks_missed_targets():
    timing = {"seconds": 75.0, "peak_rss_mb": 900}
    results = {
        "machine": {"date": "2026-11-26", "cpu": "cpu", "cores": 2, "memory_gb": 24, "python": "3.11",
                    "torch": "2.13", "gensim": "4.4", "load_average_at_start": 0.1},
        "notebooks": {"book/x.ipynb": {"isolated_cold": timing, "course_cold": timing, "warm": timing}},
        "book": {"seconds": 40, "exit_code": 0},
    }
    text = report.render(results)
    assert "| `book/x` | 75.0 | 75.0 | 75.0 | 900 | **missed** |" in text
    assert "target ≤ 90 s: met" in text


def test_report_shows_how_word2vec_settings_were_chosen():
    rows = [{"sg": False, "window": 8, "epochs": 25, "dev": 0.61, "test": 0.47},
            {"sg": True, "window": 5, "epochs": 10, "dev": 0.40, "test": 0.50}]
    text = "\n".join(report.selection_lines({"rows": rows, "defaults": {"sg": False, "window": 8, "epochs": 25},
                                             "best_on_dev": {"sg": False, "window": 8, "epochs": 25}}))
    assert "| CBOW | 8 | 25 | 0.610 | 0.470 | best on dev, the defaults |" in text
    assert "| skip-gram | 5 | 10 | 0.400 | 0.500 |  |" in text


def test_breakdown_splits_cells_into_kernel_setup_training_encoding_and_the_rest():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run

    timings = [{"name": "word2vec", "seconds": 5.0, "built": True},
               {"name": "encoding", "seconds": 2.0, "built": True},
               {"name": "wikipedia-tokens", "seconds": 0.5, "built": False},
               {"name": "glove", "seconds": 1.0, "built": False}]
    parts = run.breakdown(timings, cell_seconds=[3.0, 6.0, 4.0], kernel_seconds=1.5)
    assert parts == {"kernel": 1.5, "setup": 3.0, "training": 5.0, "encoding": 2.0,
                     "data": 0.0, "loading": 1.5, "other": 1.5}


def test_report_shows_the_breakdown_and_the_two_minute_warm_target():
    parts = {"kernel": 1.0, "setup": 3.0, "training": 30.0, "encoding": 4.0, "data": 1.0,
             "loading": 0.0, "other": 9.0}
    cold = {"seconds": 48.0, "peak_rss_mb": 900, "breakdown": parts,
            "slowest_cell": {"index": 7, "seconds": 20.0}}
    warm = {"seconds": 9.0, "peak_rss_mb": 900, "breakdown": {**parts, "training": 0.0},
            "slowest_cell": {"index": 3, "seconds": 2.0}}
    results = {
        "machine": {"date": "2026-12-01", "cpu": "cpu", "cores": 2, "memory_gb": 24,
                    "python": "3.11", "torch": "2.13", "gensim": "4.4",
                    "load_average_at_start": 0.1},
        "notebooks": {"book/x.ipynb": {"isolated_cold": cold, "course_cold": cold,
                                       "warm": warm}},
        "make_test": {"seconds": 800, "exit_code": 0, "commit": "abc1234"},
    }
    text = report.render(results)
    assert "| `book/x` | 48.0 | 48.0 | 9.0 | 900 | met (over the 45 s aim) |" in text
    assert "| `book/x` | 4.0 | 30.0 | 4.0 | 1.0 | 9.0 | 7: 20.0 |" in text
    assert "| `book/x` | 3.0 | 0.0 | 9.0 | 9.0 |" in text
    assert "warm: **0.1 min** (target ≤ 2 min: met)" in text
    assert "**13.3 min** (target ≤ 12 min: **missed**)" in text
