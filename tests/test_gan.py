import numpy as np
import pytest
import torch

from labs import gan
from labs.data import DigitsSplit, load_digits

FAST = gan.GANConfig(steps=60, batch_size=32, log_every=20, generator_hidden=(32,),
                     discriminator_hidden=(32,))


def small():
    d = load_digits()
    return DigitsSplit(d.X_train[:200], d.X_test[:50], d.y_train[:200], d.y_test[:50])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    import os

    folder = tmp_path_factory.mktemp("gan-cache")
    old = os.environ.get("LABS_CACHE_DIR")
    os.environ["LABS_CACHE_DIR"] = str(folder)
    try:
        yield gan.train_gan(small(), FAST, seed=0, device="cpu"), folder
    finally:
        if old is None:
            del os.environ["LABS_CACHE_DIR"]
        else:
            os.environ["LABS_CACHE_DIR"] = old


def test_training_logs_losses_and_is_cached(trained, monkeypatch):
    result, folder = trained
    assert not result.from_cache
    assert set(result.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(values) == 3 for values in result.history.values())
    monkeypatch.setenv("LABS_CACHE_DIR", str(folder))
    again = gan.train_gan(small(), FAST, seed=0, device="cpu")
    assert again.from_cache and again.history == result.history
    z = gan.sample_latent(4, FAST.latent_dim, seed=1)
    np.testing.assert_allclose(gan.generate(again.generator, z), gan.generate(result.generator, z))


def test_samples_are_images_and_reproducible(trained):
    generator = trained[0].generator
    images = gan.sample(generator, 7, seed=3)
    assert images.shape == (7, 64) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, gan.sample(generator, 7, seed=3))
    assert not np.array_equal(images, gan.sample(generator, 7, seed=4))


def test_the_discriminator_learns_something(trained):
    d_real, d_fake = trained[0].history["d_real"], trained[0].history["d_fake"]
    assert d_real[-1] > d_fake[-1]  # it scores real digits as more real than generated ones


def test_inversion_finds_codes_that_reproduce_generated_images(trained):
    generator = trained[0].generator
    target = gan.sample(generator, 5, seed=9)
    found = gan.invert(generator, target, steps=150, seed=0)
    assert found.codes.shape == (5, FAST.latent_dim) and found.mse.shape == (5,)
    assert found.history[-1] < found.history[0]
    assert found.mse.mean() == pytest.approx(((found.images - target) ** 2).mean(), rel=1e-4)
    assert all(p.requires_grad for p in generator.parameters())  # restored afterwards


def test_judge_counts_confident_samples_and_classes():
    p = np.array([[0.95, 0.05, 0.0], [0.2, 0.8, 0.0], [0.0, 0.01, 0.99], [0.91, 0.09, 0.0]])
    quality = gan.judge(p, threshold=0.9)
    assert quality.confident_share == 0.75
    assert quality.counts == (2, 1, 1) and quality.classes_present == 3
    assert "75.0%" in str(quality)
    assert gan.judge(torch.tensor(p[:2]), threshold=0.9).classes_present == 2


@pytest.mark.parametrize(("call", "message"), [
    (lambda: gan.train_gan((np.zeros((0, 64)), np.zeros((2, 64))), FAST), "X_train is empty"),
    (lambda: gan.train_gan((np.full((4, 64), np.nan), np.zeros((2, 64))), FAST), "NaN"),
    (lambda: gan.train_gan((np.full((4, 64), 2.0), np.zeros((2, 64))), FAST), r"\[0, 1\]"),
    (lambda: gan.train_gan(small(), gan.GANConfig(latent_dim=0)), "latent_dim"),
    (lambda: gan.train_gan(small(), gan.GANConfig(ema=1.0)), "ema"),
    (lambda: gan.judge(np.zeros((0, 10))), "empty"),
    (lambda: gan.judge(np.ones((2, 10)), threshold=0), "threshold"),
    (lambda: gan.sample_latent(0, 8), "at least 1"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_generator_inputs_of_the_wrong_shape(trained):
    generator = trained[0].generator
    with pytest.raises(ValueError, match=f"expected {FAST.latent_dim}"):
        gan.generate(generator, np.zeros((2, FAST.latent_dim + 1)))
    with pytest.raises(ValueError, match="expected 64"):
        gan.invert(generator, np.zeros((2, 63)))
    with pytest.raises(ValueError, match="flatten"):
        gan.invert(generator, np.zeros((2, 8, 8)))
