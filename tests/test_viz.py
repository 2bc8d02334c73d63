import matplotlib as mpl
import numpy as np
import pytest

from labs import viz


def test_style_uses_the_colour_blind_safe_palette():
    viz.set_style()
    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colours] == [c.upper() for c in viz.PALETTE]
    assert mpl.rcParams["figure.facecolor"] == "white"


@pytest.mark.filterwarnings("ignore:.*deprecated in traitlets:DeprecationWarning")  # matplotlib-inline's
def test_notebook_figures_are_stored_as_sharp_pngs_shown_at_their_usual_size():
    # Inside IPython, set_style makes inline figures "retina" PNGs: twice the pixels of
    # figure.dpi, with the display size (which the book's <img width> follows) left as before.
    import base64
    import io

    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.config import InlineBackend
    from PIL import Image

    shell = InteractiveShell.instance()
    fig = None
    try:
        viz.set_style()
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1], [1, 0])
        data, metadata = shell.display_formatter.format(fig)
        png = data["image/png"]
        png = base64.b64decode(png) if isinstance(png, str) else png
        width, height = Image.open(io.BytesIO(png)).size
        shown = metadata["image/png"]
        assert abs(width - 2 * shown["width"]) <= 2 and abs(height - 2 * shown["height"]) <= 2
        assert shown["width"] <= 4 * mpl.rcParams["figure.dpi"]  # shown at 100 px per inch
    finally:
        if fig is not None:
            plt.close(fig)
        InlineBackend.clear_instance()
        InteractiveShell.clear_instance()


def test_image_rows_draws_one_row_per_label():
    fig = viz.plot_image_rows({"a": np.zeros((3, 64)), "b": np.ones((3, 64))})
    assert len(fig.axes) == 6
    assert fig.axes[0].get_ylabel() == "a" and fig.axes[3].get_ylabel() == "b"


@pytest.mark.parametrize(
    ("rows", "message"),
    [({}, "rows is empty"),
     ({"a": np.zeros((3, 64)), "b": np.zeros((2, 64))}, "same number of images"),
     ({"a": np.zeros((3, 63))}, r"expected \(n_images, 64\)")],
)
def test_image_rows_rejects_bad_input(rows, message):
    with pytest.raises(ValueError, match=message):
        viz.plot_image_rows(rows)




def test_label_points_keeps_crowded_labels_apart_and_inside_the_axes():
    import matplotlib.pyplot as plt

    points = np.array([[0.0, 0.0], [0.05, 0.0], [0.0, 0.05], [1.0, 1.0]])  # three crowded
    fig, ax = plt.subplots(figsize=(4, 3))
    try:
        ax.scatter(points[:, 0], points[:, 1])
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5))
        texts = viz.label_points(ax, points, ["alpha", "beta", "gamma", "delta"])
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in texts]
        assert [t.get_text() for t in texts] == ["alpha", "beta", "gamma", "delta"]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        frame = ax.get_window_extent(renderer)
        assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)
        assert len(ax.texts) == 4  # the positions tried and not taken are removed
        with pytest.raises(ValueError, match="one label each"):
            viz.label_points(ax, points, ["too", "few"])
    finally:
        plt.close(fig)
