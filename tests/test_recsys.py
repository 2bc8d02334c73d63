from pathlib import Path

import numpy as np
import pytest
import torch

from labs import metrics, recsys

SAMPLE = Path(__file__).parent / "data" / "ml100k_sample.data"
SMALL = recsys.SyntheticConfig(n_users=120, n_items=80, rank=3, density=0.5)


@pytest.fixture(scope="module")
def synthetic():
    return recsys.make_synthetic_ratings(SMALL, seed=0)


@pytest.fixture(scope="module")
def split(synthetic):
    return recsys.split_ratings(synthetic.ratings, 0.2, seed=0)


# ---- the ratings table and its errors ---------------------------------------------------------

def test_ratings_table_checks_and_converts():
    table = recsys.Ratings([0, 1, 1], [2, 0, 1], [4, 3, 5], n_users=2, n_items=3)
    assert len(table) == 3 and table.users.dtype == np.int64 and table.ratings.dtype == np.float64
    matrix = table.to_matrix()
    assert matrix[1, 0] == 3 and np.isnan(matrix[0, 0])
    assert table.density == pytest.approx(3 / 6)
    assert len(table.subset(table.users == 1)) == 2


def test_empty_ratings_table_is_refused():
    with pytest.raises(ValueError, match="ratings table is empty"):
        recsys.Ratings([], [], [], n_users=3, n_items=3)


@pytest.mark.parametrize(("users", "items", "message"), [
    ([0, 5], [0, 1], r"unknown user id\(s\) 5: this table/model knows users 0 to 2"),
    ([0, 1], [0, -1], r"unknown item id\(s\) -1"),
    ([0, 1], [0], "equal length"),
    ([0.5, 1], [0, 1], "user ids must be integers"),
])
def test_unknown_or_malformed_ids_are_refused(users, items, message):
    with pytest.raises(ValueError, match=message):
        recsys.Ratings(users, items, [1.0] * len(items), n_users=3, n_items=3)


def test_nan_ratings_are_refused():
    with pytest.raises(ValueError, match="NaN or infinite"):
        recsys.Ratings([0], [0], [np.nan], n_users=1, n_items=1)


# ---- synthetic data, split and baselines -------------------------------------------------------

def test_synthetic_ratings_follow_the_planted_model(synthetic):
    c = synthetic.config
    r = synthetic.ratings
    assert len(r) == c.n_users * round(c.density * c.n_items)
    assert synthetic.user_factors.shape == (c.n_users, c.rank)
    residual = r.ratings - synthetic.expected(r.users, r.items)
    assert residual.std() == pytest.approx(c.noise, rel=0.05)  # the noise is what was asked for
    dots = np.einsum("nk,nk->n", synthetic.user_factors[r.users], synthetic.item_factors[r.items])
    assert dots.std() == pytest.approx(c.signal, rel=0.15)
    again = recsys.make_synthetic_ratings(SMALL, seed=0)
    assert np.array_equal(again.ratings.ratings, r.ratings)  # seeded
    assert not np.array_equal(recsys.make_synthetic_ratings(SMALL, seed=1).ratings.ratings, r.ratings)


def test_split_keeps_every_test_user_and_item_in_training(split, synthetic):
    train, test = split
    assert len(train) + len(test) == len(synthetic.ratings)
    assert set(test.users) <= set(train.users) and set(test.items) <= set(train.items)
    assert 0.15 < len(test) / len(synthetic.ratings) < 0.25
    with pytest.raises(ValueError, match="test_fraction"):
        recsys.split_ratings(train, 1.0)


def test_baselines_predict_means():
    train = recsys.Ratings([0, 0, 1], [0, 1, 0], [1.0, 3.0, 5.0], n_users=3, n_items=2)
    assert recsys.predict_global_mean(train, [0, 1], [1, 1]).tolist() == [3.0, 3.0]
    # user 2 has no ratings: the global mean stands in
    assert recsys.predict_user_mean(train, [0, 1, 2], [0, 0, 0]).tolist() == [2.0, 5.0, 3.0]
    with pytest.raises(ValueError, match="unknown user"):
        recsys.predict_user_mean(train, [7], [0])


def test_rmse():
    assert recsys.rmse([1, 2], [1, 4]) == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="non-empty"):
        recsys.rmse([], [])


# ---- the two models ---------------------------------------------------------------------------

def test_als_step_solves_each_rows_ridge_regression():
    rng = np.random.default_rng(0)
    fixed = rng.normal(size=(6, 2))
    rows, cols = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1, 2, 3, 4, 5])
    targets = rng.normal(size=6)
    solved = recsys.als_step(rows, cols, targets, fixed, n_rows=2, reg=0.5)
    for r in range(2):
        F, t = fixed[cols[rows == r]], targets[rows == r]
        assert np.allclose(solved[r], np.linalg.solve(F.T @ F + 0.5 * np.eye(2), F.T @ t))


def test_matrix_factorisation_recovers_the_planted_factors(cache_folder, synthetic, split):
    train, test = split
    mf = recsys.train_mf(train, recsys.MFConfig(rank=SMALL.rank))
    again = recsys.train_mf(train, recsys.MFConfig(rank=SMALL.rank))
    assert not mf.from_cache and again.from_cache
    assert np.array_equal(again.item_factors, mf.item_factors)
    assert mf.history[-1] <= mf.history[0]
    test_rmse = recsys.rmse(mf.predict(test.users, test.items), test.ratings)
    user_mean = recsys.rmse(recsys.predict_user_mean(train, test.users, test.items), test.ratings)
    assert test_rmse < 1.2 * SMALL.noise < user_mean  # a small table: a looser bound than the chapter's
    assert metrics.canonical_correlations(mf.item_factors, synthetic.item_factors).mean() > 0.9
    with pytest.raises(ValueError, match="unknown item"):
        mf.predict([0], [SMALL.n_items])


def test_embedding_model_trains_caches_and_checks_ids(cache_folder, split):
    train, test = split
    config = recsys.EmbeddingConfig(dim=8, epochs=15)
    result = recsys.train_embedding_model(train, config, seed=0, device="cpu")
    assert result.history[-1] < result.history[0]
    assert result.user_vectors.shape == (SMALL.n_users, 8)
    assert isinstance(result.model.user, torch.nn.Embedding)
    mean_only = recsys.rmse(recsys.predict_global_mean(train, test.users, test.items), test.ratings)
    assert recsys.rmse(result.predict(test.users, test.items), test.ratings) < mean_only
    again = recsys.train_embedding_model(train, config, seed=0, device="cpu")
    assert not result.from_cache and again.from_cache
    assert np.array_equal(again.item_vectors, result.item_vectors)
    with pytest.raises(ValueError, match="unknown user"):
        result.predict([SMALL.n_users], [0])


def test_training_refuses_what_is_not_a_ratings_table():
    with pytest.raises(TypeError, match="Ratings"):
        recsys.train_mf([(0, 0, 4.0)])
    with pytest.raises(TypeError, match="Ratings"):
        recsys.train_embedding_model(np.zeros((3, 3)))


# ---- comparing vectors ------------------------------------------------------------------------

def test_canonical_correlations_ignore_rotation_and_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    mixed = X @ rng.normal(size=(3, 3)) * 5 + 2  # an invertible linear map and a shift
    assert np.allclose(metrics.canonical_correlations(mixed, X), 1.0)
    unrelated = metrics.canonical_correlations(rng.normal(size=(200, 3)), X)
    assert unrelated.max() < 0.3
    with pytest.raises(ValueError, match="same n"):
        metrics.canonical_correlations(X, X[:10])


def test_singular_value_shares():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(100, 2)) @ rng.normal(size=(2, 16))
    shares = metrics.singular_value_shares(table)
    assert shares[:2].sum() == pytest.approx(1.0) and len(shares) == 16


# ---- the bias-only baseline -------------------------------------------------------------------

def test_bias_baseline_recovers_noise_free_biases_exactly():
    rng = np.random.default_rng(0)
    users, items = np.divmod(np.arange(12 * 9), 9)  # every user rates every item
    b_u, b_i = rng.normal(size=12), rng.normal(size=9)
    table = recsys.Ratings(users, items, 3.0 + b_u[users] + b_i[items], 12, 9)
    fitted = recsys.train_biases(table, recsys.BiasConfig(reg=1e-9, iterations=500))
    assert np.allclose(fitted.predict(users, items), table.ratings, atol=1e-6)
    centred = fitted.user_bias - fitted.user_bias.mean()
    assert np.allclose(centred, b_u - b_u.mean(), atol=1e-6)  # up to the shared constant


def test_bias_baseline_solves_the_joint_ridge_regression():
    rng = np.random.default_rng(1)
    n_users, n_items, reg = 7, 5, 2.5
    users, items = rng.integers(0, n_users, 40), rng.integers(0, n_items, 40)
    users[:n_users], items[:n_items] = np.arange(n_users), np.arange(n_items)
    table = recsys.Ratings(users, items, rng.normal(3, 1, 40), n_users, n_items)
    fitted = recsys.train_biases(table, recsys.BiasConfig(reg=reg, iterations=2000))
    # the same objective as one ridge regression on [one-hot user, one-hot item]
    design = np.hstack([np.eye(n_users)[users], np.eye(n_items)[items]])
    centred = table.ratings - table.ratings.mean()
    exact = np.linalg.solve(design.T @ design + reg * np.eye(n_users + n_items),
                            design.T @ centred)
    assert np.allclose(np.r_[fitted.user_bias, fitted.item_bias], exact, atol=1e-8)
    assert fitted.sweeps < 2000  # it stopped on the tolerance, not on the sweep limit


def test_bias_baseline_shrinks_to_the_mean_and_refuses_bad_input(split):
    train, test = split
    heavy = recsys.train_biases(train, recsys.BiasConfig(reg=1e9))
    assert np.allclose(heavy.predict(test.users, test.items), train.ratings.mean(), atol=1e-4)
    with pytest.raises(TypeError, match="Ratings"):
        recsys.train_biases([(0, 0, 4.0)])
    for bad in (recsys.BiasConfig(reg=-1), recsys.BiasConfig(iterations=0),
                recsys.BiasConfig(tolerance=0)):
        with pytest.raises(ValueError, match="reg must be non-negative"):
            recsys.train_biases(train, bad)
    with pytest.raises(ValueError, match="undetermined"):
        recsys.train_biases(train, recsys.BiasConfig(reg=0))
    with pytest.raises(ValueError, match="unknown item"):
        heavy.predict([0], [SMALL.n_items])
