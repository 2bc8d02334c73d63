"""labs.viz.export_projector: the TensorFlow Embedding Projector's two TSV files."""

import numpy as np
import pytest
import torch

from labs import viz


def read_rows(path):
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def test_vectors_and_one_label_column_round_trip(tmp_path):
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    vector_path, meta_path = viz.export_projector(vectors, ["king", "queen", "man", "woman"], tmp_path / "out")
    assert vector_path.name == "vectors.tsv" and meta_path.name == "metadata.tsv"
    rows = read_rows(vector_path)
    assert len(rows) == 4 and all(len(row) == 3 for row in rows)
    np.testing.assert_allclose(np.array(rows, dtype=float), vectors, rtol=1e-5)
    assert meta_path.read_text(encoding="utf-8").splitlines() == ["king", "queen", "man", "woman"]


def test_several_columns_get_a_header_and_tensors_are_accepted(tmp_path):
    _, meta_path = viz.export_projector(
        torch.ones(2, 5), {"word": ["a", "b"], "source": ["wiki", "lee"]}, tmp_path
    )
    assert read_rows(meta_path) == [["word", "source"], ["a", "wiki"], ["b", "lee"]]


def test_tabs_and_newlines_in_labels_cannot_shift_columns(tmp_path):
    _, meta_path = viz.export_projector(np.zeros((2, 2)), ["new\tyork", "two\nlines"], tmp_path)
    assert meta_path.read_text(encoding="utf-8").splitlines() == ["new york", "two lines"]


def test_bad_input_is_refused_with_a_reason(tmp_path):
    with pytest.raises(ValueError, match="3 vectors but 2 values"):
        viz.export_projector(np.zeros((3, 2)), ["a", "b"], tmp_path)
    with pytest.raises(ValueError, match=r"non-empty \(n, d\)"):
        viz.export_projector(np.zeros(3), ["a", "b", "c"], tmp_path)
    with pytest.raises(ValueError, match="NaN"):
        viz.export_projector(np.array([[np.nan, 1.0]]), ["a"], tmp_path)
