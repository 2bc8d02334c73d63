import sys

import numpy as np
import pytest
import torch

from labs import metrics


def blobs(n=60, d=5, seed=0):
    """Two well-separated Gaussian classes: any decent probe reads them perfectly."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, d)) + 6.0 * y[:, None]
    return X, y


def test_reconstruction_mse_by_hand():
    a = np.array([[0.0, 1.0], [1.0, 1.0]])
    b = np.array([[0.0, 0.0], [1.0, 3.0]])
    assert metrics.reconstruction_mse(a, b) == pytest.approx((0 + 1 + 0 + 4) / 4)
    assert metrics.reconstruction_mse(a, b, per_example=True) == pytest.approx([0.5, 2.0])
    assert metrics.reconstruction_mse(torch.tensor(a), torch.tensor(a)) == 0.0


def test_probe_reads_separable_classes_and_not_noise():
    X, y = blobs()
    assert metrics.linear_probe_accuracy(X[:40], y[:40], X[40:], y[40:]) == 1.0
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(400, 5))
    labels = rng.integers(0, 2, 400)
    chance = metrics.linear_probe_accuracy(noise[:200], labels[:200], noise[200:], labels[200:])
    assert 0.35 < chance < 0.65


def test_cross_validated_probe():
    X, y = blobs()
    scores = metrics.cross_val_probe_accuracy(X, y, folds=4)
    assert len(scores.folds) == 4 and scores.mean == 1.0 and scores.std == 0.0


def test_pca_is_exact_on_low_rank_data_and_explains_its_variance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) @ rng.normal(size=(3, 10))  # rank 3 in 10-d
    exact = metrics.pca_reconstruction(X[:40], X[40:], k=3)
    assert exact.mse < 1e-10 and exact.explained_variance == pytest.approx(1.0)
    assert exact.codes_train.shape == (40, 3) and exact.codes_test.shape == (10, 3)
    lossy = metrics.pca_reconstruction(X[:40], X[40:], k=1)
    assert lossy.mse > 1e-3 and lossy.explained_variance < 1.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: metrics.reconstruction_mse(np.zeros((0, 4)), np.zeros((0, 4))), "original is empty"),
    (lambda: metrics.reconstruction_mse(np.zeros((2, 4)), np.zeros((2, 3))), "must match"),
    (lambda: metrics.reconstruction_mse(np.zeros((2, 8, 8)), np.zeros((2, 8, 8))), "flatten"),
    (lambda: metrics.linear_probe_accuracy(
        np.array([[np.nan, 1.0], [0.0, 1.0]]), [0, 1], np.zeros((1, 2)), [0]), "NaN"),
    (lambda: metrics.linear_probe_accuracy(np.zeros((2, 2)), [0, 1], np.zeros((1, 3)), [0]),
     "expected 2"),
    (lambda: metrics.linear_probe_accuracy(np.zeros((2, 2)), [0], np.zeros((1, 2)), [0]),
     r"expected \(2,\)"),
    (lambda: metrics.linear_probe_accuracy(np.zeros((2, 2)), [1, 1], np.zeros((1, 2)), [0]),
     "single class"),
    (lambda: metrics.cross_val_probe_accuracy(np.zeros((4, 2)), [0, 0, 0, 1]), "rarest class"),
    (lambda: metrics.pca_reconstruction(np.ones((5, 3)), np.ones((2, 3)), k=4), "k must be"),
    (lambda: metrics.pca_reconstruction(np.ones((5, 3)), np.ones((2, 3)), k=0), "k must be"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_repeated_cross_validation_collects_every_fold():
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    X = rng.normal(size=(60, 5)) + 6.0 * y[:, None]
    scores = metrics.cross_val_probe_accuracy(X, y, repeats=3, folds=4)
    assert len(scores.folds) == 12 and scores.mean == 1.0 and scores.std == 0.0
    once = metrics.cross_val_probe_accuracy(X, y, folds=4)
    assert scores.folds[:4] == once.folds
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        metrics.cross_val_probe_accuracy(X, y, repeats=0)


def test_effective_dimension_counts_directions_not_numbers():
    rng = np.random.default_rng(0)
    low_rank = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 50))  # 50 numbers, 3 directions
    assert metrics.effective_dimension(low_rank, 0.999) == 3
    assert metrics.effective_dimension(rng.normal(size=(500, 10)), 0.99) == 10
    with pytest.raises(ValueError, match="share"):
        metrics.effective_dimension(low_rank, 1.5)


def test_matrix_rank_counts_spanned_directions():
    rng = np.random.default_rng(0)
    assert metrics.matrix_rank(rng.normal(size=(100, 4)) @ rng.normal(size=(4, 30))) == 4
    assert metrics.matrix_rank(torch.ones(5, 2, 3, 3)) == 1  # maps are flattened first


@pytest.mark.parametrize("method", ["twonn", "mle"])
@pytest.mark.parametrize("true_dimension", [2, 5])
def test_intrinsic_dimension_finds_a_linear_manifold_written_in_more_coordinates(method, true_dimension):
    rng = np.random.default_rng(0)
    latent = rng.uniform(size=(1500, true_dimension))
    embedded = latent @ rng.standard_normal((true_dimension, 64))  # 64 coordinates, d directions
    estimate = metrics.intrinsic_dimension(embedded, method=method)
    assert estimate.dimension == pytest.approx(true_dimension, rel=0.2)
    # the same points written in 1,024 coordinates (an isometry): the same answer
    rows = np.linalg.qr(rng.standard_normal((1024, 64)))[0].T  # 64 orthonormal rows
    wider = embedded @ rows
    assert metrics.intrinsic_dimension(wider, method=method).dimension == pytest.approx(
        estimate.dimension, rel=1e-6)


def test_intrinsic_dimension_of_a_curved_manifold_is_its_own_not_the_ambient_one():
    angle = np.random.default_rng(1).uniform(0, 2 * np.pi, 800)
    circle = np.stack([np.cos(angle), np.sin(angle), np.zeros_like(angle)], axis=1)
    assert metrics.intrinsic_dimension(circle).dimension == pytest.approx(1.0, rel=0.2)


def test_intrinsic_dimension_is_cached_to_the_bit(cache_folder, monkeypatch):
    import sklearn.neighbors

    X = np.random.default_rng(3).standard_normal((200, 5))
    for method in ("twonn", "mle"):
        computed = metrics._intrinsic_dimension(metrics.check_vectors(X), method,
                                                2 if method == "twonn" else 10)
        first = metrics.intrinsic_dimension(X, method=method)  # searched, then stored
        assert (first.dimension, first.points_used) == (computed["dimension"],
                                                        computed["points_used"])
    monkeypatch.setattr(sklearn.neighbors, "NearestNeighbors", None)  # a search would fail
    again = metrics.intrinsic_dimension(X, method="mle")  # loaded
    assert again == first and again.k == 10
    assert len(list(cache_folder.glob("intrinsic-dimension-*.pt"))) == 2


def test_intrinsic_dimension_skips_duplicates_and_refuses_bad_input():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 3))
    with_copies = np.vstack([X, X[:50]])  # 50 rows and their copies have a neighbour at 0
    estimate = metrics.intrinsic_dimension(with_copies)
    assert estimate.points_used == 250 and estimate.dimension == pytest.approx(3, rel=0.3)
    with pytest.raises(ValueError, match="method must be 'twonn' or 'mle'"):
        metrics.intrinsic_dimension(X, method="pca")
    with pytest.raises(ValueError, match="k must be between 2 and 299"):
        metrics.intrinsic_dimension(X, method="mle", k=300)
    with pytest.raises(ValueError, match="remove duplicate rows"):
        metrics.intrinsic_dimension(np.ones((10, 4)))


# --- nested cross-validation of the probe's C ---------------------------------------------------


def test_nested_cv_with_one_C_is_the_plain_cross_validation_fold_by_fold():
    rng = np.random.default_rng(0)
    y = np.arange(80) % 2
    X = rng.normal(size=(80, 6)) + 0.8 * y[:, None]  # overlapping classes: folds differ
    nested = metrics.nested_cross_val_probe_accuracy(X, y, Cs=[0.5], repeats=2, folds=4)
    plain = metrics.cross_val_probe_accuracy(X, y, C=0.5, repeats=2, folds=4)
    assert nested.folds == pytest.approx(plain.folds)  # the same outer splits
    assert nested.chosen_C == (0.5,) * 8


def test_nested_cv_chooses_C_on_the_inner_folds_of_each_training_fold_only():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    rng = np.random.default_rng(1)
    y = np.arange(90) % 2
    X = rng.normal(size=(90, 30)) + 0.4 * y[:, None]  # many noisy features: C matters
    Cs = (0.001, 0.01, 0.1, 1.0, 10.0)
    nested = metrics.nested_cross_val_probe_accuracy(X, y, Cs=Cs, folds=3, inner_folds=3,
                                                     standardize=False, seed=2)
    outer = StratifiedKFold(3, shuffle=True, random_state=2)
    expected = []
    for train, test in outer.split(X, y):
        search = GridSearchCV(metrics._probe(1.0, 2000, False, 2), {"C": list(Cs)},
                              cv=StratifiedKFold(3, shuffle=True, random_state=2))
        search.fit(X[train], y[train])  # never sees X[test]
        expected.append(search.best_params_["C"])
    assert nested.chosen_C == tuple(expected)
    assert nested.mean == pytest.approx(np.mean(nested.folds))


@pytest.mark.parametrize("kwargs, message", [
    ({"Cs": []}, "Cs must be one or more positive"),
    ({"Cs": [1.0, -1.0]}, "Cs must be one or more positive"),
    ({"inner_folds": 1}, "folds and inner_folds must be at least 2"),
    ({"repeats": 0}, "repeats must be at least 1"),
    ({"folds": 5, "inner_folds": 5}, "too few for 5 outer and 5 inner folds"),
])
def test_nested_cv_names_bad_settings(kwargs, message):
    X, y = blobs(n=12)
    with pytest.raises(ValueError, match=message):
        metrics.nested_cross_val_probe_accuracy(X, y, **kwargs)


def test_probe_scores_are_cached_per_vectors_labels_and_settings(cache_folder):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), np.repeat([0, 1], 30)
    X[y == 1] += 1.0
    first = metrics.cross_val_probe_accuracy(X, y, folds=3)
    assert metrics.cross_val_probe_accuracy(X, y, folds=3) == first
    assert len(list(cache_folder.glob("cv-probe-*.pt"))) == 1
    shuffled = metrics.cross_val_probe_accuracy(X, y[::-1].copy(), folds=3)
    other_C = metrics.cross_val_probe_accuracy(X, y, folds=3, C=0.01)
    assert len(list(cache_folder.glob("cv-probe-*.pt"))) == 3
    assert shuffled.folds != first.folds or other_C.folds != first.folds
    nested = metrics.nested_cross_val_probe_accuracy(X, y, folds=3, inner_folds=2)
    assert metrics.nested_cross_val_probe_accuracy(X, y, folds=3, inner_folds=2) == nested
    accuracy = metrics.linear_probe_accuracy(X[::2], y[::2], X[1::2], y[1::2])
    assert metrics.linear_probe_accuracy(X[::2], y[::2], X[1::2], y[1::2]) == accuracy
    assert len(list(cache_folder.glob("*.pt"))) == 5


def test_spread_mean_and_sample_std_and_format():
    s = metrics.spread([0.8, 0.9, 1.0])
    assert s.mean == pytest.approx(0.9) and s.std == pytest.approx(0.1)
    assert f"{s:.2f}" == "0.90 ± 0.10"
    assert f"{s:>14.1%}" == " 90.0% ± 10.0%"
    assert metrics.spread([0.5]).std == 0.0


@pytest.mark.parametrize("values", [[], [1.0, float("nan")]])
def test_spread_rejects_empty_or_non_finite(values):
    with pytest.raises(ValueError, match="at least one value, all finite"):
        metrics.spread(values)


def test_cached_probe_scores_need_no_scikit_learn(cache_folder, monkeypatch):
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((60, 3)), np.arange(60) % 2
    first = metrics.cross_val_probe_accuracy(X, y)
    nested = metrics.nested_cross_val_probe_accuracy(X, y, Cs=(0.1, 1.0))
    for module in ("sklearn", "sklearn.model_selection", "sklearn.exceptions"):
        monkeypatch.setitem(sys.modules, module, None)  # any scikit-learn import now fails
    assert metrics.cross_val_probe_accuracy(X, y) == first
    assert metrics.nested_cross_val_probe_accuracy(X, y, Cs=(0.1, 1.0)) == nested
