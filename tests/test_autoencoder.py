import numpy as np
import pytest
import torch

from labs import autoencoder as ae
from labs import metrics
from labs.data import DigitsSplit, load_digits

FAST = dict(epochs=3, batch_size=128)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def small(n_train=200, n_test=60):
    d = load_digits()
    return DigitsSplit(d.X_train[:n_train], d.X_test[:n_test], d.y_train[:n_train], d.y_test[:n_test])


def test_autoencoder_trains_caches_and_round_trips(cache_folder):
    config = ae.AutoencoderConfig(k=4, hidden=(32,), **FAST)
    first = ae.train_autoencoder(small(), config, seed=0, device="cpu")
    again = ae.train_autoencoder(small(), config, seed=0, device="cpu")
    assert not first.from_cache and again.from_cache
    assert len(first.history["train_loss"]) == len(first.history["test_mse"]) == 3
    assert again.metrics == first.metrics
    X = small().X_test
    Z = ae.encode(again.model, X)
    assert Z.shape == (len(X), 4)
    np.testing.assert_allclose(ae.encode(first.model, X), Z, atol=1e-6)
    R = ae.reconstruct(again.model, X)
    assert R.shape == X.shape and 0 <= R.min() and R.max() <= 1
    assert metrics.reconstruction_mse(X, R) == pytest.approx(first.test_mse, rel=1e-5)


def test_longer_training_lowers_the_error_and_beats_pca(cache_folder, digits):
    result = ae.train_autoencoder(digits, ae.AutoencoderConfig(k=8, epochs=25), seed=0)
    losses = result.history["train_loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert result.test_mse < metrics.pca_reconstruction(digits.X_train, digits.X_test, 8).mse


def test_seed_makes_training_reproducible(cache_folder):
    config = ae.AutoencoderConfig(k=3, hidden=(16,), **FAST)
    a = ae.train_autoencoder(small(), config, seed=1, device="cpu")
    cache_folder_files = list(cache_folder.glob("*.pt"))
    for path in cache_folder_files:
        path.unlink()
    b = ae.train_autoencoder(small(), config, seed=1, device="cpu")
    assert not b.from_cache and a.history == b.history
    c = ae.train_autoencoder(small(), config, seed=2, device="cpu")
    assert c.history != a.history


def test_conv_autoencoder_on_8x8_and_32x32_images(cache_folder):
    data = small()
    result = ae.train_autoencoder(data, ae.AutoencoderConfig(k=6, kind="conv", epochs=20, batch_size=32),
                                  seed=0)
    assert isinstance(result.model, ae.ConvAutoencoder)
    mean_image = ((data.X_test - data.X_train.mean(axis=0)) ** 2).mean()
    assert result.test_mse < 0.6 * mean_image  # measured 0.033 against 0.074: it rebuilds digits
    images = small().X_test.reshape(-1, 8, 8)  # images, not vectors: flattened on the way in
    assert ae.encode(result.model, images).shape == (60, 6)
    rng = np.random.default_rng(0)
    big = (rng.random((40, 1024)).astype(np.float32), rng.random((10, 1024)).astype(np.float32))
    wide = ae.train_autoencoder(big, ae.AutoencoderConfig(k=128, kind="conv", epochs=1), seed=0)
    assert ae.decode(wide.model, np.zeros((2, 128))).shape == (2, 1024)


def test_overcomplete_and_sparse_codes_are_allowed_when_asked(cache_folder):
    plain = ae.AutoencoderConfig(k=80, hidden=(), overcomplete=True, **FAST)
    sparse = ae.AutoencoderConfig(k=80, hidden=(), overcomplete=True, sparsity=0.1, **FAST)
    X = small().X_test
    codes = {name: ae.encode(ae.train_autoencoder(small(), config, seed=0).model, X)
             for name, config in (("plain", plain), ("sparse", sparse))}
    assert codes["sparse"].shape == (60, 80)
    # the L1 penalty shrinks the code: measured mean |z| 0.25 against 0.40 without it
    assert np.abs(codes["sparse"]).mean() < 0.8 * np.abs(codes["plain"]).mean()


def test_vae_elbo_split_and_sampling(cache_folder):
    result = ae.train_vae(small(), ae.VAEConfig(k=2, hidden=(32,), **FAST), seed=0)
    history = result.history
    for i in range(3):
        assert history["train_loss"][i] == pytest.approx(
            history["train_reconstruction"][i] + history["train_kl"][i], rel=1e-5)
    m = result.metrics
    assert m["test_loss"] == pytest.approx(m["test_reconstruction"] + m["test_kl"], rel=1e-5)
    assert m["test_kl"] > 0
    images = ae.sample(result.model, 5, seed=3)
    assert images.shape == (5, 64) and np.array_equal(images, ae.sample(result.model, 5, seed=3))
    assert ae.encode(result.model, small().X_test).shape == (60, 2)


def test_vae_loss_matches_closed_form():
    x = torch.tensor([[1.0, 0.0]])
    logits = torch.tensor([[0.0, 0.0]])
    mean, log_var = torch.tensor([[1.0]]), torch.tensor([[0.0]])
    total, reconstruction, kl = ae.vae_loss(logits, x, mean, log_var, beta=2.0)
    assert reconstruction.item() == pytest.approx(2 * np.log(2))
    assert kl.item() == pytest.approx(0.5)  # KL(N(1, 1) || N(0, 1)) = 1/2
    assert total.item() == pytest.approx(2 * np.log(2) + 2 * 0.5)


def test_reparameterize_draws_from_the_code_distribution():
    mean, log_var = torch.full((20000, 1), 3.0), torch.full((20000, 1), np.log(4.0))
    z = ae.reparameterize(mean, log_var, torch.Generator().manual_seed(0))
    assert z.mean().item() == pytest.approx(3.0, abs=0.05)
    assert z.std().item() == pytest.approx(2.0, abs=0.05)


def test_interpolation_ends_and_spherical_norm():
    line = ae.interpolate([0, 0], [2, 4], steps=3)
    np.testing.assert_allclose(line, [[0, 0], [1, 2], [2, 4]])
    a, b = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    arc = ae.interpolate(a, b, steps=5, spherical=True)
    np.testing.assert_allclose(np.linalg.norm(arc, axis=1), 3.0, rtol=1e-6)
    np.testing.assert_allclose(arc[[0, -1]], [a, b], atol=1e-6)


@pytest.mark.parametrize(("kwargs", "data", "message"), [
    ({"k": 64}, None, "k=64 is not smaller than the input dimension 64"),
    ({"k": 100}, None, "overcomplete=True"),
    ({"k": 0}, None, "k must be a positive integer"),
    ({}, (np.zeros((0, 64)), np.zeros((5, 64))), "X_train is empty"),
    ({}, (np.full((5, 64), np.nan), np.zeros((5, 64))), "NaN"),
    ({}, (np.zeros((5, 64)), np.zeros((5, 63))), "expected 64"),
    ({}, (np.zeros((5, 8, 8)), np.zeros((5, 8, 8))), "flatten"),
    ({}, (np.full((5, 64), 16.0), np.zeros((5, 64))), "divide by 16"),
    ({"kind": "conv"}, (np.zeros((5, 36)), np.zeros((5, 36))), "multiples of 4"),
    ({"kind": "conv"}, (np.zeros((5, 30)), np.zeros((5, 30))), "not square"),
    ({"kind": "rnn"}, None, "kind must be"),
])
def test_autoencoder_bad_input(cache_folder, kwargs, data, message):
    with pytest.raises(ValueError, match=message):
        ae.train_autoencoder(data if data else small(), ae.AutoencoderConfig(**{**FAST, **kwargs}))


def test_vae_bad_input(cache_folder):
    with pytest.raises(ValueError, match="not smaller than the input dimension"):
        ae.train_vae(small(), ae.VAEConfig(k=64, **FAST))
    with pytest.raises(ValueError, match="NaN"):
        ae.train_vae((np.full((4, 64), np.nan), np.zeros((4, 64))), ae.VAEConfig(**FAST))
    with pytest.raises(TypeError, match="X_train and X_test"):
        ae.train_vae(np.zeros((4, 64)), ae.VAEConfig(**FAST))


def test_using_a_model_with_the_wrong_shapes(cache_folder):
    model = ae.train_autoencoder(small(), ae.AutoencoderConfig(k=4, hidden=(16,), **FAST)).model
    with pytest.raises(ValueError, match=r"expects \(n, 64\)"):
        ae.encode(model, np.zeros((3, 63)))
    with pytest.raises(ValueError, match=r"expects \(n, 64\)"):
        ae.encode(model, np.zeros((3, 7, 7)))
    with pytest.raises(ValueError, match="NaN"):
        ae.encode(model, np.full((3, 64), np.nan))
    with pytest.raises(ValueError, match="is empty"):
        ae.encode(model, np.zeros((0, 64)))
    with pytest.raises(ValueError, match="expected 4"):
        ae.decode(model, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="steps must be at least 2"):
        ae.interpolate([0, 1], [1, 0], steps=1)


def test_different_class_pairs_never_pair_a_class_with_itself():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    pairs = ae.different_class_pairs(y, 12, seed=0)
    assert pairs.shape == (12, 2)
    assert (y[pairs[:, 0]] != y[pairs[:, 1]]).all()
    assert len({tuple(p) for p in pairs}) == 12  # no pair twice
    assert np.array_equal(pairs, ae.different_class_pairs(y, 12, seed=0))


def test_interpolation_paths_run_between_the_pair_in_both_spaces():
    torch.manual_seed(0)
    model = ae.MLPAutoencoder(64, ae.AutoencoderConfig(k=2, hidden=(16,)))
    X = load_digits().X_test[:6]
    pairs = np.array([[0, 1], [4, 2]])
    paths = ae.interpolation_paths(model, X, pairs, steps=5)
    pixel, latent = paths["pixel space"], paths["AE latent space"]
    assert pixel.shape == latent.shape == (2, 5, 64)
    assert np.allclose(pixel[1, 0], X[4]) and np.allclose(pixel[1, -1], X[2])
    assert np.allclose(pixel[0, 2], (X[0] + X[1]) / 2, atol=1e-6)
    codes = ae.encode(model, X)
    assert np.allclose(latent[1, 0], ae.reconstruct(model, X[4:5])[0], atol=1e-6)
    assert np.allclose(latent[0, 2], ae.decode(model, (codes[:1] + codes[1:2]) / 2)[0], atol=1e-6)


def test_half_grey_share_counts_pixels_strictly_between_the_bounds():
    images = np.array([[0.0, 0.2, 0.5, 0.8], [0.3, 0.4, 1.0, 0.79]])
    assert np.allclose(ae.half_grey_share(images), [0.25, 0.75])
    assert ae.half_grey_share(images[None]).shape == (1, 2)


def test_class_changes_counts_switches_along_each_path():
    labels = np.array([[2, 2, 7, 7], [2, 7, 2, 7], [3, 3, 3, 3]])
    assert ae.class_changes(labels).tolist() == [1, 3, 0]


@pytest.mark.parametrize("call, message", [
    (lambda: ae.different_class_pairs([1, 1, 1], 1), "n_pairs"),
    (lambda: ae.different_class_pairs([0, 1], 3), "from 1 to 2"),
    (lambda: ae.interpolation_paths(ae.MLPAutoencoder(64, ae.AutoencoderConfig(k=2)),
                                    np.zeros((3, 64)), [[0, 3]]), "index rows"),
    (lambda: ae.interpolation_paths(ae.MLPAutoencoder(64, ae.AutoencoderConfig(k=2)),
                                    np.zeros((3, 64)), [0, 1]), r"shape \(n, 2\)"),
    (lambda: ae.half_grey_share(np.zeros((2, 4)), low=0.9, high=0.1), "low < high"),
    (lambda: ae.class_changes(np.zeros(5)), "n_paths"),
])
def test_bad_input_to_the_interpolation_study(call, message):
    with pytest.raises(ValueError, match=message):
        call()
