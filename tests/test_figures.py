"""Figure text stays readable where the book shows it: no text below 10 px at the column width.

A figure ``W`` inches wide shown ``C`` px wide draws a ``f``-point text at ``f * C / (72 * W)``
px. The book's column is COLUMN_PX wide at a 1280 px window (tests/test_browser.py measures it
on the performance page); notebook figures are shown at 100 px per inch (viz.set_style's
figure.dpi), scaled down to the column when wider."""

import base64
import io
import json
import sys

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text
from PIL import Image

from conftest import ROOT
from labs import viz

COLUMN_PX = 672
MIN_TEXT_PX = 10
NOTEBOOK_PX_PER_INCH = 100


def shown_texts(fig, shown_width_px: float) -> list[tuple[str, float]]:
    """(text, size in px) of every visible, non-empty text of ``fig`` shown ``shown_width_px`` wide."""
    fig.canvas.draw()
    per_point = shown_width_px / (72 * fig.get_size_inches()[0])
    return [(t.get_text(), t.get_fontsize() * per_point)
            for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def too_small(fig, shown_width_px: float) -> list[str]:
    return [f"{text!r}: {px:.1f} px" for text, px in shown_texts(fig, shown_width_px) if px < MIN_TEXT_PX]


def notebook_width(fig) -> float:
    """How wide the book shows a notebook figure: 100 px per inch, at most the column."""
    return min(fig.get_size_inches()[0] * NOTEBOOK_PX_PER_INCH, COLUMN_PX)


@pytest.fixture
def scaling_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import scaling

        yield scaling
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_performance_figure_text_is_readable_at_the_column_width(scaling_module):
    import json

    matplotlib.use("Agg")
    stored = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    fig = scaling_module.figure(stored["scaling"])
    try:
        texts = shown_texts(fig, COLUMN_PX)  # book/performance.md shows it at :width: 100%
        assert len(texts) > 15, texts  # titles, labels, ticks and the legend were all found
        assert not too_small(fig, COLUMN_PX), too_small(fig, COLUMN_PX)
    finally:
        plt.close(fig)
    # The committed PNG is that figure: its size in inches is the one checked here.
    from PIL import Image

    with Image.open(ROOT / "benchmarks" / "scaling.png") as png:
        inches = png.size[0] / png.info["dpi"][0]
    assert abs(inches - scaling_module.FIGSIZE[0]) < 0.01, \
        "benchmarks/scaling.png is stale: run `python benchmarks/scaling.py`"


def test_the_course_style_draws_no_text_below_10_px():
    viz.set_style()
    fig, ax = plt.subplots()
    try:
        ax.plot([1, 2, 3], [3, 1, 2], label="a series")
        ax.set(title="A title", xlabel="an x label", ylabel="a y label")
        ax.legend()
        ax.annotate("a note", (2, 1))
        assert not too_small(fig, notebook_width(fig)), too_small(fig, notebook_width(fig))
        assert len(shown_texts(fig, notebook_width(fig))) > 8
    finally:
        plt.close(fig)


def test_the_rule_sees_a_wide_figure_with_small_text():
    fig, ax = plt.subplots(figsize=(12, 4))
    try:
        ax.set_title("shrunk", fontsize=9)
        assert notebook_width(fig) == COLUMN_PX
        assert "'shrunk': 7.0 px" in too_small(fig, notebook_width(fig))  # 9 * 672 / (72 * 12)
    finally:
        plt.close(fig)


SMALLEST_TEXT_PT = 9  # the course style's legends and annotations; ticks are 11 pt


def stored_figures():
    """(notebook, cell number, output) of every PNG figure stored in the course's notebooks."""
    for folder in ("book", "solutions"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
                for output in cell.get("outputs", []):
                    if "image/png" in output.get("data", {}):
                        yield path, number, output


def test_no_stored_figure_is_shrunk_until_its_text_drops_below_10_px():
    shrunk = []
    for path, number, output in stored_figures():
        png = Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))
        width = output.get("metadata", {}).get("image/png", {}).get("width", png.size[0])
        per_point = min(NOTEBOOK_PX_PER_INCH, NOTEBOOK_PX_PER_INCH * COLUMN_PX / width) / 72
        if SMALLEST_TEXT_PT * per_point < MIN_TEXT_PX:
            shrunk.append(f"{path.relative_to(ROOT)} cell {number}: shown {width} px wide, "
                          f"{SMALLEST_TEXT_PT}-pt text at {SMALLEST_TEXT_PT * per_point:.1f} px")
    assert not shrunk, "make the figure at most 8.4 inches wide:\n" + "\n".join(shrunk)
