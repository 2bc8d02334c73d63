import pytest
import torch
from torch import nn

from labs.activations import capture_activations, layer_names


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2))


def test_captures_each_named_layer_in_batches():
    net, x = model(), torch.randn(10, 6)
    acts = capture_activations(net, x, ["0", "1"], batch_size=3)
    assert acts["0"].shape == (10, 4)
    assert torch.allclose(acts["1"], torch.relu(net[0](x)).detach())


def test_hooks_are_removed_and_mode_restored():
    net = model().train()
    capture_activations(net, torch.randn(2, 6), ["2"])
    assert net.training
    assert all(not m._forward_hooks for m in net.modules())


def test_flatten_conv_feature_maps():
    conv = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1))
    acts = capture_activations(conv, torch.randn(5, 1, 8, 8), ["0"], flatten=True)
    assert acts["0"].shape == (5, 3 * 8 * 8)


def test_unknown_layer_lists_the_real_ones():
    with pytest.raises(ValueError, match=r"no layer named \['fc9'\].*\['0', '1', '2'\]"):
        capture_activations(model(), torch.randn(2, 6), ["fc9"])
    assert layer_names(model()) == ["0", "1", "2"]


@pytest.mark.parametrize(("inputs", "layers", "message"), [
    (torch.randn(0, 6), ["0"], "inputs is empty"),
    (torch.randn(2, 6), [], "layers is empty"),
])
def test_bad_input(inputs, layers, message):
    with pytest.raises(ValueError, match=message):
        capture_activations(model(), inputs, layers)
