"""The latent-space plots of chapter 3 (labs.viz): what they draw, and their input checks."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from labs import viz


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_scatter_one_colour_and_legend_entry_per_label():
    codes = np.random.default_rng(0).normal(size=(30, 2))
    labels = np.arange(30) % 3
    ax = viz.plot_latent_scatter(codes, labels, title="t")
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == 3
    np.testing.assert_allclose(ax.collections[1].get_offsets(), codes[labels == 1])


def test_reconstructions_put_originals_above_each_model():
    X = np.random.default_rng(0).random((12, 64))
    fig = viz.plot_reconstructions(X, {"AE": X * 0.5, "PCA": X + 1.0}, n=4)
    assert len(fig.axes) == 12
    assert [fig.axes[i].get_ylabel() for i in (0, 4, 8)] == ["original", "AE", "PCA"]
    shown = fig.axes[8].get_images()[0].get_array()
    assert shown.max() <= 1.0  # clipped for display


def test_latent_grid_tiles_decoded_images_in_latent_coordinates():
    seen = []

    def decoder(z):
        seen.append(z)
        return np.repeat((z[:, :1] > 0).astype(float), 16, axis=1)  # right half dark

    ax = viz.plot_latent_grid(decoder, limits=(-1, 1), n=4, image_shape=(4, 4), gap=0)
    mosaic = ax.get_images()[0].get_array()
    assert mosaic.shape == (16, 16)
    assert mosaic[:, :8].max() == 0 and mosaic[:, 8:].min() == 1
    assert seen[0].shape == (16, 2) and seen[0][0].tolist() == [-1.0, 1.0]  # top-left corner
    assert ax.get_images()[0].get_extent() == [-1, 1, -1, 1]


def test_latent_grid_leaves_gaps_between_images():
    ax = viz.plot_latent_grid(lambda z: np.ones((len(z), 4)), n=3, image_shape=(2, 2), gap=1)
    mosaic = np.asarray(ax.get_images()[0].get_array())
    assert mosaic.shape == (8, 8)
    assert mosaic[2, :].max() == 0 and mosaic[:, 5].max() == 0  # blank lines between tiles
    assert mosaic[:2, :2].min() == 1 and mosaic.sum() == 9 * 4


def test_interpolation_heads_columns_with_t():
    strips = {"AE": np.zeros((5, 64)), "VAE": np.ones((5, 64))}
    fig = viz.plot_interpolation(strips)
    assert [ax.get_title() for ax in fig.axes[:5]] == ["t=0", "t=0.25", "t=0.5", "t=0.75", "t=1"]
    assert fig.axes[5].get_ylabel() == "VAE"


def test_error_vs_k_draws_one_line_per_model():
    ax = viz.plot_error_vs_k([2, 8, 16], {"AE": [3, 2, 1], "PCA": [4, 3, 2]})
    assert [line.get_label() for line in ax.get_lines()] == ["AE", "PCA"]
    assert ax.get_xscale() == "log" and list(ax.get_lines()[1].get_ydata()) == [4, 3, 2]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: viz.plot_latent_scatter(np.zeros((5, 3)), np.zeros(5)), r"expected \(n, 2\)"),
    (lambda: viz.plot_latent_scatter(np.zeros((5, 2)), np.zeros(4)), "one label per code"),
    (lambda: viz.plot_reconstructions(np.zeros((3, 64)), np.zeros((3, 63))), "have shape"),
    (lambda: viz.plot_latent_grid(lambda z: np.zeros((len(z), 63)), n=3), "decoder returned"),
    (lambda: viz.plot_latent_grid(lambda z: z, n=1), "n must be at least 2"),
    (lambda: viz.plot_error_vs_k([2, 4], {"AE": [1.0]}), "1 errors for 2"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
