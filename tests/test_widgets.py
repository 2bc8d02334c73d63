"""labs.widgets: the live latent explorer (ipywidgets), and its note in the static book."""

import numpy as np
import pytest

from labs import widgets


def make_explorer(**kwargs):
    latents = np.random.default_rng(0).normal(size=(50, 3))
    calls = []

    def decode(z):
        calls.append(np.array(z))
        return np.clip(np.outer(np.linspace(0, 1, 8), np.ones(8)).ravel() + z.sum() / 10, 0, 1)

    return widgets.latent_explorer(decode, latents, image_shape=(8, 8), **kwargs), calls


def test_explorer_has_a_slider_per_dimension_and_redraws_on_a_move():
    explorer, calls = make_explorer(names=["x", "y", "z"])
    assert isinstance(explorer, widgets.LatentExplorer)
    assert [s.description for s in explorer.sliders] == ["x", "y", "z"]
    before, count = bytes(explorer.image.value), len(calls)
    assert before.startswith(b"\x89PNG")
    explorer.sliders[0].value = explorer.sliders[0].max
    assert len(calls) == count + 1 and calls[-1][0] == pytest.approx(explorer.sliders[0].max)
    assert bytes(explorer.image.value) != before


def test_explorer_buttons_set_all_sliders_with_one_redraw():
    explorer, calls = make_explorer()
    count = len(calls)
    explorer.random_button.click()
    assert len(calls) == count + 1
    explorer.reset_button.click()
    np.testing.assert_allclose(explorer.latent(), explorer._origin, atol=0.05)


def test_explorer_in_the_static_book_is_a_note_not_an_empty_widget():
    explorer, _ = make_explorer()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # live in JupyterLab, Colab
    assert "needs a live Python kernel" in bundle["text/html"]
    assert "launch" in bundle["text/html"] and "3 sliders" in bundle["text/plain"]


def test_explorer_accepts_a_torch_decoder():
    import torch

    layer = torch.nn.Linear(2, 64)  # its output carries grad: the explorer detaches it

    def decode(z):
        return torch.sigmoid(layer(torch.as_tensor(z, dtype=torch.float32)))

    explorer = widgets.latent_explorer(decode, np.random.default_rng(0).normal(size=(9, 2)),
                                       image_shape=(8, 8))
    before = bytes(explorer.image.value)
    explorer.sliders[1].value = explorer.sliders[1].min
    assert bytes(explorer.image.value) != before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"start": np.zeros(2)}, r"start must have shape \(3,\)"),
     ({"names": ["a"]}, "name each of the 3"),
     ({"image_shape": (4, 4)}, "needs 16")],
)
def test_explorer_rejects_bad_input(kwargs, message):
    latents = np.zeros((5, 3))
    image_shape = kwargs.pop("image_shape", (8, 8))
    with pytest.raises(ValueError, match=message):
        widgets.latent_explorer(lambda z: np.zeros(64), latents, image_shape=image_shape, **kwargs)
    with pytest.raises(ValueError, match="n_points >= 2"):
        widgets.latent_explorer(lambda z: np.zeros(64), np.zeros(3), image_shape=(8, 8))
