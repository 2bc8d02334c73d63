import matplotlib as mpl
import numpy as np
import pytest

from labs import viz


def test_style_uses_the_colour_blind_safe_palette():
    viz.set_style()
    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colours] == [c.upper() for c in viz.PALETTE]
    assert mpl.rcParams["figure.facecolor"] == "white"


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


