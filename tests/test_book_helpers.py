"""labs.book: glued values for the book's prose, and each chapter's measured run time."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from labs import book


def capture_display(monkeypatch, shown, with_kwargs=False):
    """labs.book.glue shows through IPython's display, looked up at each call."""
    monkeypatch.setattr("IPython.display.display",
                        lambda *a, **k: shown.append((a, k) if with_kwargs else a))


def test_glue_records_like_myst_nb(monkeypatch):
    shown = []
    capture_display(monkeypatch, shown, with_kwargs=True)
    book.glue("accuracy", 0.987)
    (bundle,), kwargs = shown[0]
    assert bundle == {"application/papermill.record/text/plain": "0.987"}
    assert kwargs["metadata"]["scrapbook"]["name"] == "accuracy"


@pytest.mark.parametrize("display", [False, True])
@pytest.mark.parametrize("value", [0.987, 9733, "+0.042", [1, 2], {"a": 1}])
def test_glue_writes_what_myst_nb_glue_writes(monkeypatch, value, display):
    """The book's build reads myst-nb's format: the output must be the one myst_nb.glue writes."""
    import myst_nb.ext.glue

    ours, theirs = [], []
    capture_display(monkeypatch, ours, with_kwargs=True)
    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", lambda *a, **k: theirs.append((a, k)))
    book.glue("name", value, display=display)
    myst_nb.glue("name", value, display=display)
    assert ours == theirs and len(ours) == 1
    assert json.dumps(ours, sort_keys=False) == json.dumps(theirs, sort_keys=False)


def test_glue_does_not_import_myst_nb(monkeypatch):
    for module in [m for m in sys.modules if m == "myst_nb" or m.startswith("myst_nb.")]:
        monkeypatch.delitem(sys.modules, module)
    capture_display(monkeypatch, [])
    book.glue("accuracy", 0.987)
    assert "myst_nb" not in sys.modules


def test_glue_without_myst_nb_only_displays(monkeypatch):

    shown = []
    monkeypatch.setitem(sys.modules, "myst_nb", None)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a))
    book.glue("accuracy", 0.987)
    assert shown == []
    book.glue("accuracy", 0.987, display=True)
    assert shown == [(0.987,)]


def test_glue_rounds_floats_to_four_significant_digits(monkeypatch):
    shown = []
    capture_display(monkeypatch, shown)
    book.glue("r", np.float64(0.5065688889153634))
    book.glue("n", 9733)
    assert shown[0][0] == {"application/papermill.record/text/plain": "0.5066"}
    assert shown[1][0] == {"application/papermill.record/text/plain": "9733"}


def write_results(folder, notebooks):
    path = folder / "results.json"
    run = lambda seconds, mb: {"seconds": seconds, "peak_rss_mb": mb}  # noqa: E731
    path.write_text(json.dumps({
        "machine": {"date": "2026-01-02", "cores": 2, "cpu": "test CPU"},
        "notebooks": {name: {"isolated_cold": run(40.0, 900), "course_cold": run(30.5, 950),
                             "warm": run(9.0, 700)} for name in notebooks},
    }))
    return path


def test_measured_run_time_reads_the_committed_format(tmp_path):
    path = write_results(tmp_path, ["book/01_embedding.ipynb"])
    measured = book.measured_run_time("book/01_embedding.ipynb", path)
    assert (measured.isolated_cold, measured.course_cold, measured.warm, measured.peak_mb) == (40.0, 30.5, 9.0, 950)
    text = str(measured)
    assert "2026-01-02 on 2 cores" in text and "30.5 s" in text and "950 MB" in text


def test_unknown_notebook_lists_the_measured_ones(tmp_path):
    path = write_results(tmp_path, ["book/01_embedding.ipynb"])
    with pytest.raises(KeyError, match="book/01_embedding.ipynb.*make benchmarks"):
        book.measured_run_time("book/99_missing.ipynb", path)


def test_missing_results_file_is_explained_and_the_note_still_prints(tmp_path):
    with pytest.raises(FileNotFoundError, match="clone the repository"):
        book.measured_run_time("book/01_embedding.ipynb", tmp_path / "none.json")
    note = book.run_time_note("book/01_embedding.ipynb", tmp_path / "none.json")
    assert "make benchmarks" in note and "Reproducibility and performance" in note


def test_every_chapter_has_a_committed_run_time():
    for chapter in sorted(Path(book.__file__).resolve().parents[1].glob("book/0[1-6]*.ipynb")):
        assert book.measured_run_time(f"book/{chapter.name}").isolated_cold > 0
