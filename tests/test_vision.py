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
    return vision.train_cnn(FAST, digits, seed=0, device="cpu")


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
    again = vision.train_cnn(FAST, digits, seed=0, device="cpu")
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
        vision.train_cnn(FAST, data=(digits.X_train, digits.y_train))
    with pytest.raises(ValueError, match="epochs"):
        vision.train_cnn(vision.CNNConfig(epochs=0), digits)
