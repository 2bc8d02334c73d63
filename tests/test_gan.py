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


def test_nearest_distances_are_those_of_the_closest_reference():
    refs = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    queries = np.array([[0.0, 0.0], [3.0, 5.0], [7.0, 0.0]])
    assert np.allclose(gan.nearest_distances(queries, refs), [0.0, 1.0, 3.0])


def test_memorisation_check_flags_copies_of_training_images():
    rng = np.random.default_rng(0)
    X_train, X_heldout = rng.random((200, 16)), rng.random((100, 16))
    copies = gan.memorisation_check(X_train[:50] + 1e-3, X_train, X_heldout)
    assert copies.share_closer == 1.0 and copies.median_sample < 0.01
    fresh = gan.memorisation_check(rng.random((300, 16)), X_train, X_heldout)
    assert fresh.share_closer < 0.15  # new draws are as far as held-out ones (5 % expected)
    assert abs(fresh.median_sample - fresh.median_heldout) < 0.1 * fresh.median_heldout
    assert "5th percentile" in str(fresh)


def test_pca_gaussian_sample_matches_the_fitted_mean_and_spread():
    d = load_digits()
    images = gan.pca_gaussian_sample(d.X_train, 8, 4000, seed=0)
    assert images.shape == (4000, 64) and images.min() >= 0 and images.max() <= 1
    assert np.abs(images.mean(0) - d.X_train.mean(0)).max() < 0.05
    again = gan.pca_gaussian_sample(d.X_train, 8, 4000, seed=0)
    assert np.array_equal(images, again)
    # k = 1: every image lies on the first principal axis through the mean (before clipping)
    line = gan.pca_gaussian_sample(np.array([[0.5, 0.5], [0.6, 0.6], [0.4, 0.4]]), 1, 50)
    assert np.allclose(line[:, 0], line[:, 1])


def test_invert_decoder_agrees_with_invert_and_leaves_the_decoder_alone(trained):
    generator = trained[0].generator
    images = gan.sample(generator, 6, seed=3)
    before = [p.detach().clone() for p in generator.parameters()]
    generator.eval()
    found = gan.invert_decoder(generator, FAST.latent_dim, images, steps=80, seed=0)
    reference = gan.invert(generator, images, steps=80, seed=0)
    assert np.allclose(found.codes, reference.codes, atol=1e-5)
    assert all(torch.equal(a, b) for a, b in zip(before, generator.parameters()))
    assert all(p.grad is None for p in generator.parameters())


def test_invert_decoder_recovers_the_code_of_an_injective_decoder():
    torch.manual_seed(0)
    weight = torch.randn(3, 12)
    decode = lambda z: torch.sigmoid(z @ weight)  # noqa: E731  (injective: rank 3)
    true = np.array([[0.5, -1.0, 0.3], [1.2, 0.4, -0.7]], dtype=np.float32)
    images = decode(torch.as_tensor(true)).numpy()
    found = gan.invert_decoder(decode, 3, images, steps=1500, lr=0.05, seed=1)
    assert np.allclose(found.codes, true, atol=1e-2)
    assert gan.tail_improvement(found.history) < 0.01


def test_searches_side_by_side_on_one_generator_give_what_they_give_alone(trained):
    from labs import repro

    generator = trained[0].generator
    images = gan.sample(generator, 6, seed=3)
    jobs = [lambda s=s: gan.invert(generator, images, steps=60, seed=s) for s in (0, 1, 2, 3)]
    alone = [job() for job in jobs]
    together = repro.side_by_side(jobs, workers=2)
    assert all(np.array_equal(a.codes, b.codes) and a.history == b.history
               for a, b in zip(alone, together))
    assert all(p.grad is None and p.requires_grad for p in generator.parameters())


def test_searches_of_a_module_are_cached_by_its_weights_and_others_are_not(cache_folder):
    d = small()
    generator = gan.Generator(8, 64, (16,)).eval()
    first = gan.invert(generator, d.X_test[:5], steps=20, seed=0)
    assert len(list(cache_folder.glob("inversion-*.pt"))) == 1
    again = gan.invert(generator, d.X_test[:5], steps=20, seed=0)  # loaded
    assert np.array_equal(first.codes, again.codes) and first.history == again.history
    assert np.array_equal(first.mse, again.mse) and np.array_equal(first.images, again.images)
    with torch.no_grad():
        generator.net[0].weight.add_(0.1)  # other weights: another search
    moved = gan.invert(generator, d.X_test[:5], steps=20, seed=0)
    assert not np.array_equal(first.codes, moved.codes)
    assert len(list(cache_folder.glob("inversion-*.pt"))) == 2
    gan.invert_decoder(lambda z: generator(z), 8, d.X_test[:5], steps=20)  # not a module
    assert len(list(cache_folder.glob("inversion-*.pt"))) == 2


def test_two_starts_tells_one_code_from_many():
    codes = np.arange(12, dtype=np.float32).reshape(4, 3)
    flat = [1.0] * 20

    def search(c):
        return gan.Inversion(c, np.zeros((4, 2)), np.full(4, 0.5), flat)

    same = gan.two_starts(search(codes), search(codes + 1e-3))
    assert same.one_code == 1.0 and same.ratio < 0.01 and same.levelled and same.mse == 0.5
    apart = gan.two_starts(search(codes), search(codes[::-1].copy()))
    assert apart.one_code == 0.0 and apart.ratio > 0.5
    falling = gan.Inversion(codes, np.zeros((4, 2)), np.full(4, 0.5), list(np.linspace(2, 1, 20)))
    assert not gan.two_starts(search(codes), falling).levelled
    with pytest.raises(ValueError, match="same images"):
        gan.two_starts(search(codes), search(codes[:3]))


def test_tail_improvement_measures_the_last_share_of_steps():
    assert gan.tail_improvement([10.0] * 11 + [9.0] * 9 + [8.0]) == pytest.approx(1 / 9)
    assert gan.tail_improvement(np.linspace(2, 1, 101)) == pytest.approx(0.1 / 1.1)
    assert gan.tail_improvement([1.0, 1.0, 1.0]) == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda: gan.memorisation_check(np.zeros((3, 4)), np.zeros((5, 4)), np.zeros((2, 4)),
                                    percentile=0), "percentile"),
    (lambda: gan.memorisation_check(np.zeros((3, 4)), np.zeros((5, 3)), np.zeros((2, 4))), "expected 4"),
    (lambda: gan.nearest_distances(np.zeros((3, 4)), np.zeros((5, 5))), "expected 4"),
    (lambda: gan.pca_gaussian_sample(np.random.rand(10, 4), 5, 10), "k must"),
    (lambda: gan.pca_gaussian_sample(np.random.rand(10, 4), 2, 0), "n must"),
    (lambda: gan.invert_decoder(lambda z: z, 0, np.zeros((2, 3))), "latent_dim"),
    (lambda: gan.invert_decoder(lambda z: z, 2, np.zeros((2, 3))), "images' shape"),
    (lambda: gan.tail_improvement([1.0, 0.5], share=1.5), "share"),
    (lambda: gan.tail_improvement([1.0]), "at least 2"),
])
def test_bad_input_to_the_controls(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tail_improvement_of_a_loss_that_reached_zero_is_zero():
    assert gan.tail_improvement([1.0, 0.0, 0.0, 0.0]) == 0.0


def test_training_in_background_gives_the_models_train_gan_gives(tmp_path, monkeypatch):
    monkeypatch.setenv("LABS_CACHE_DIR", str(tmp_path / "background"))
    pending = gan.train_in_background(small(), FAST, seeds=(0, 1), device="cpu", processes=2)
    results = pending.result()
    assert [r.from_cache for r in results] == [True, True]  # trained by the children
    again = gan.train_in_background(small(), FAST, seeds=(1,), device="cpu")
    assert again.result()[0].from_cache  # nothing left to train: no process started
    monkeypatch.setenv("LABS_CACHE_DIR", str(tmp_path / "here"))
    for seed, result in zip((0, 1), results):
        here = gan.train_gan(small(), FAST, seed=seed, device="cpu")
        assert not here.from_cache
        for name, value in here.generator.state_dict().items():
            assert torch.equal(value, result.generator.state_dict()[name]), name


@pytest.mark.parametrize("kwargs, message", [
    ({"seeds": ()}, "distinct and at least one"),
    ({"seeds": (0, 0)}, "distinct and at least one"),
    ({"processes": 0}, "processes must be at least 1"),
])
def test_training_in_background_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gan.train_in_background(small(), FAST, device="cpu", **kwargs)


def test_starts_in_one_batch_give_what_each_search_gives_alone(trained):
    generator = trained[0].generator
    images = gan.sample(generator, 6, seed=3)
    alone = [gan.invert(generator, images, steps=60, seed=s) for s in (0, 2)]
    together = gan.invert(generator, images, steps=60, seed=(0, 2))
    decoder = gan.invert_decoder(generator, FAST.latent_dim, images, steps=60, seed=(0, 2))
    for a, b, c in zip(alone, together, decoder):
        assert np.array_equal(a.codes, b.codes) and np.array_equal(a.mse, b.mse)
        assert a.history == b.history and np.array_equal(a.images, b.images)
        assert np.array_equal(a.codes, c.codes) and a.history == c.history
    assert isinstance(gan.invert(generator, images, steps=5, seed=1), gan.Inversion)


@pytest.mark.parametrize("seed", [(), (0, 0), (-1,), (0.5,)])
def test_starts_must_be_distinct_non_negative_ints(trained, seed):
    with pytest.raises(ValueError, match="seed must be"):
        gan.invert(trained[0].generator, np.zeros((2, 64)), steps=5, seed=seed)
