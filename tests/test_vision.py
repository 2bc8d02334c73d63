import numpy as np
import pytest
import torch

from labs import data, vision
from labs.activations import capture_activations

FAST = vision.CNNConfig(epochs=2)


@pytest.fixture
def digits():
    return data.load_digits()


@pytest.fixture
def fast_cnn(cache_folder, digits):
    return vision.train_cnn(digits, FAST, seed=0, device="cpu")


def test_default_cnn_reaches_the_course_target(cache_folder, digits):
    result = vision.train_cnn(data=digits, device="cpu")
    assert result.test_accuracy >= 0.98
    assert len(result.history) == vision.CNNConfig().epochs
    assert result.history[-1] < result.history[0]
    assert vision.accuracy(result.model, digits.X_test, digits.y_test) == pytest.approx(result.test_accuracy)


def test_model_is_returned_in_eval_mode_on_the_cpu(fast_cnn):
    assert not fast_cnn.model.training
    assert all(p.device.type == "cpu" for p in fast_cnn.model.parameters())


def test_second_call_loads_the_same_model_from_the_cache(fast_cnn, digits):
    again = vision.train_cnn(digits, FAST, seed=0, device="cpu")
    assert again.from_cache and not fast_cnn.from_cache
    assert again.history == fast_cnn.history
    for a, b in zip(again.model.parameters(), fast_cnn.model.parameters()):
        assert torch.equal(a, b)


def test_classify_accepts_flat_and_image_shapes_alike(fast_cnn, digits):
    flat = digits.X_test[:7]
    probs = vision.classify(fast_cnn.model, flat)
    assert probs.shape == (7, 10)
    assert torch.allclose(probs.sum(dim=1), torch.ones(7))
    as_images = torch.as_tensor(flat).reshape(7, 1, 8, 8)
    assert torch.allclose(vision.classify(fast_cnn.model, as_images), probs)
    # the model itself also takes flattened images, so capture_activations works with either
    assert torch.allclose(fast_cnn.model(torch.as_tensor(flat)), fast_cnn.model(as_images))


def test_classify_leaves_the_training_mode_alone(fast_cnn, digits):
    fast_cnn.model.train()
    vision.classify(fast_cnn.model, digits.X_test[:2])
    assert fast_cnn.model.training


@pytest.mark.parametrize(("images", "message"), [
    (np.zeros((3, 63)), r"shape \(3, 63\); expected \(n, 64\)"),
    (np.zeros((3, 8, 8)), r"shape \(3, 8, 8\)"),
    (np.zeros((3, 3, 8, 8)), r"\(n, 1, 8, 8\)"),
    (np.zeros((0, 64)), "images is empty"),
    (np.full((2, 64), np.nan), "NaN or infinite"),
    (np.full((2, 64), 16.0), r"images has values in \[16, 16\] but the digit classifier .* needs data "
                             r"in \[0, 1\]: rescale it \(digits: divide by 16\)"),
])
def test_classify_rejects_bad_images(fast_cnn, images, message):
    with pytest.raises(ValueError, match=message):
        vision.classify(fast_cnn.model, images)


def test_named_stages_have_the_documented_sizes(fast_cnn, digits):
    sizes = vision.stage_sizes(fast_cnn.model)
    assert sizes == {"block1": (16, 8, 8), "block2": (32, 4, 4), "penultimate": (32,)}
    feats = capture_activations(fast_cnn.model, torch.as_tensor(digits.X_test[:5]), ["penultimate"])
    assert feats["penultimate"].shape == (5, 32)
    assert torch.equal(feats["penultimate"], vision.penultimate_features(fast_cnn.model, digits.X_test[:5]))


def test_random_shift_moves_pixels_without_changing_them():
    g = torch.Generator().manual_seed(0)
    images = torch.zeros(50, 1, 8, 8)
    images[:, 0, 3:5, 3:5] = 1.0  # a 2x2 blob in the middle survives any 1-pixel move
    moved = vision.random_shift(images, 1, g)
    assert torch.equal(moved.sum(dim=(1, 2, 3)), images.sum(dim=(1, 2, 3)))
    assert not torch.equal(moved, images)
    assert torch.equal(vision.random_shift(images, 0, g), images)


def test_bad_training_arguments(cache_folder, digits):
    with pytest.raises(TypeError, match="DigitsSplit"):
        vision.train_cnn((digits.X_train, digits.y_train), config=FAST)
    with pytest.raises(ValueError, match="epochs"):
        vision.train_cnn(digits, vision.CNNConfig(epochs=0))


# ---- chapter 5.2: measuring features, patch embeddings, the tiny ViT ------------------------

def test_patchify_cuts_row_by_row_and_keeps_every_pixel():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    patches = vision.patchify(images, 4)
    assert patches.shape == (2, 4, 3 * 16)
    # patch 1 is the top-right quadrant of every channel
    assert torch.equal(patches[0, 1], images[0, :, :4, 4:].reshape(-1))
    assert torch.equal(patches.sum(dim=(1, 2)), images.sum(dim=(1, 2, 3)))


@pytest.mark.parametrize("patch_size", [3, 5])
def test_patch_size_that_does_not_divide_the_image_is_refused(patch_size):
    with pytest.raises(ValueError, match=rf"cannot be cut into whole {patch_size}x{patch_size} patches"):
        vision.patchify(torch.zeros(1, 1, 8, 8), patch_size)
    with pytest.raises(ValueError, match="not a multiple of patch_size"):
        vision.PatchEmbedding(image_size=8, patch_size=patch_size)


def test_patch_embedding_is_patchify_projection_and_positions():
    torch.manual_seed(0)
    layer = vision.PatchEmbedding(image_size=8, patch_size=2, dim=32)
    images = torch.rand(5, 1, 8, 8)
    out = layer(images)
    assert out.shape == (5, 16, 32)  # 16 patches of 4 pixels, each an embedding vector of 32
    expected = layer.projection(vision.patchify(images, 2)) + layer.position
    assert torch.allclose(out, expected)
    assert torch.allclose(layer(images.reshape(5, 64)), out)  # flattened digits are accepted
    with pytest.raises(ValueError, match=r"built for \(n, 1, 8, 8\)"):
        layer(torch.rand(5, 1, 12, 12))
    with pytest.raises(ValueError, match="cannot be cut into whole"):
        layer(torch.rand(5, 1, 9, 9))


def test_tiny_vit_trains_caches_and_exposes_its_patch_embeddings(cache_folder, digits):
    config = vision.ViTConfig(epochs=2)
    result = vision.train_vit(digits, config, seed=0, device="cpu")
    # chance is 0.1; two epochs measured 0.46
    assert 0.3 < result.test_accuracy <= 1.0 and len(result.history) == 2
    assert not result.from_cache and vision.train_vit(digits, config, seed=0, device="cpu").from_cache
    acts = capture_activations(result.model, torch.as_tensor(digits.X_test[:3]), ["patch_embed"])
    assert acts["patch_embed"].shape == (3, 4, 64)
    assert vision.classify(result.model, digits.X_test[:3]).shape == (3, 10)
    with pytest.raises(ValueError, match="does not divide"):
        vision.train_vit(digits, vision.ViTConfig(patch_size=3))


def test_project_2d_keeps_neighbourhoods_is_cached_and_checked(cache_folder):
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(0)
    centres = rng.normal(scale=5, size=(4, 6))
    X = (np.repeat(centres, 10, axis=0) + rng.normal(size=(40, 6))).astype(np.float32)  # 4 clusters
    first = vision.project_2d(X, seed=0)
    assert first.shape == (40, 2)

    def neighbours(points):
        return NearestNeighbors(n_neighbors=6).fit(points).kneighbors(points, return_distance=False)[:, 1:]

    kept = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(neighbours(X), neighbours(first))])
    assert kept > 0.5  # measured 0.72: most of each point's 5 nearest stay its nearest on the map
    assert len(list(cache_folder.glob("tsne-2d-*.pt"))) == 1
    assert np.array_equal(first, vision.project_2d(X, seed=0))
    with pytest.raises(ValueError, match="at least 5"):
        vision.project_2d(X[:3])


def test_plot_feature_maps_draws_one_panel_per_map():
    axes = vision.plot_feature_maps(torch.rand(6, 4, 4), columns=3)
    assert np.asarray(axes).shape == (2, 3)
    assert sum(len(ax.images) for ax in np.asarray(axes).ravel()) == 6
    with pytest.raises(ValueError, match="one image"):
        vision.plot_feature_maps(torch.rand(2, 6, 4, 4))


def test_codes_of_equal_size_are_unsupervised_codes_as_wide_as_the_penultimate(cache_folder, digits):
    from labs import metrics

    small = data.DigitsSplit(digits.X_train[:300], digits.X_test[:100],
                             digits.y_train[:300], digits.y_test[:100])
    cnn = vision.train_cnn(small, vision.CNNConfig(epochs=1, penultimate=12), seed=0, device="cpu")
    codes = vision.codes_of_equal_size(cnn.model, small, device="cpu")
    assert list(codes) == ["raw pixels", "PCA-12", "autoencoder-12", "penultimate-12"]
    widths = {name: (train.shape, test.shape) for name, (train, test) in codes.items()}
    assert widths["raw pixels"] == ((300, 64), (100, 64))
    for name in ["PCA-12", "autoencoder-12", "penultimate-12"]:
        assert widths[name] == ((300, 12), (100, 12))
    # PCA is fitted on the training digits only, and the penultimate codes are the CNN's own
    pca = metrics.pca_reconstruction(small.X_train, small.X_test, 12)
    assert np.allclose(codes["PCA-12"][1], pca.codes_test, atol=1e-5)
    assert np.allclose(codes["penultimate-12"][1],
                       vision.penultimate_features(cnn.model, small.X_test).numpy())


def test_codes_of_equal_size_refuse_what_they_cannot_compare(cache_folder, digits):
    cnn = vision.train_cnn(digits, vision.CNNConfig(epochs=1, penultimate=64), seed=0, device="cpu")
    with pytest.raises(ValueError, match="not fewer than the 64 pixels"):
        vision.codes_of_equal_size(cnn.model, digits, device="cpu")
    with pytest.raises(TypeError, match="split must be a labs.data.DigitsSplit"):
        vision.codes_of_equal_size(cnn.model, (digits.X_train, digits.X_test))
    with pytest.raises(TypeError, match="model must be a DigitCNN"):
        vision.codes_of_equal_size(torch.nn.Linear(64, 10), digits)


def test_patch_sizes_apply_the_course_rule_to_the_nominal_patch():
    from transformers import ViTConfig as HFViTConfig

    base = vision.patch_sizes(HFViTConfig())  # ViT-B/16: 16x16x3 -> 768
    assert (base.patch_numbers, base.embedding_numbers, base.change) == (768, 768, "same size")
    assert base.verdict == "embedding vector"
    small = vision.patch_sizes(HFViTConfig(hidden_size=384, num_attention_heads=6))
    assert (small.ratio, small.change, small.verdict) == (0.5, "compresses", "latent vector")
    toy = vision.patch_sizes(vision.ViTConfig())  # 4x4x1 -> 64
    assert (toy.patch_numbers, toy.embedding_numbers, toy.change) == (16, 64, "expands")
    assert vision.patch_sizes(vision.ViTConfig(patch_size=4, dim=8)).verdict == "latent vector"


def test_patch_sizes_refuse_what_is_not_a_vit_config():
    with pytest.raises(ValueError, match="patch_size must be a positive integer"):
        vision.patch_sizes(object())
