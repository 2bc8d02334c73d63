"""Figures: one colour-blind-safe palette and one style for every plot of the course.

Used in: every chapter (the shared setup cell calls :func:`set_style`).

Plot helpers here take ``ax=None`` (a new figure is made when it is ``None``), return the
matplotlib ``Axes`` or ``Figure`` they drew on, and never call ``plt.show()``.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib as mpl
import numpy as np

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency, and readable on both the light and the dark theme of the book.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
# Perceptually uniform and colour-blind safe, for images and continuous values.
SEQUENTIAL_CMAP = "viridis"
# Ten classes (digits, categories) need ten colours: tab10 is the least confusable 10-colour set.
CATEGORICAL_CMAP = "tab10"


def set_style() -> None:
    """Apply the course style to matplotlib: palette, sizes, and an opaque white background.

    The background is opaque so that figures stay legible when the book is read in dark mode.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
            "image.cmap": SEQUENTIAL_CMAP,
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 11,
            "axes.titlesize": 12,
            "legend.frameon": False,
            # Fixed salt and metadata keep saved SVG/PDF figures byte-identical between runs.
            "svg.hashsalt": "embedding-course",
        }
    )


def plot_image_rows(
    rows: Mapping[str, np.ndarray],
    image_shape: tuple[int, int] = (8, 8),
    *,
    cmap: str = "gray_r",
    scale: float = 0.9,
    title: str | None = None,
):
    """Draw one row of small images per entry of ``rows`` (label → array of flattened images).

    Every row must hold the same number of images, each with ``prod(image_shape)`` values; the
    label is written at the left of its row; ``title`` goes above the grid. Returns the ``Figure``.
    """
    import matplotlib.pyplot as plt

    arrays = {label: np.asarray(images) for label, images in rows.items()}
    if not arrays:
        raise ValueError("rows is empty: pass at least one label → images entry")
    counts = {label: len(images) for label, images in arrays.items()}
    if len(set(counts.values())) != 1:
        raise ValueError(f"every row needs the same number of images, got {counts}")
    n_cols = next(iter(counts.values()))
    size = int(np.prod(image_shape))
    for label, images in arrays.items():
        if images.ndim != 2 or images.shape[1] != size:
            raise ValueError(
                f"row {label!r} has shape {images.shape}; expected (n_images, {size}) for "
                f"images of shape {image_shape}"
            )
    fig, axes = plt.subplots(
        len(arrays), n_cols, figsize=(scale * n_cols, scale * len(arrays)), squeeze=False
    )
    for row_axes, (label, images) in zip(axes, arrays.items()):
        for ax, image in zip(row_axes, images):
            ax.imshow(image.reshape(image_shape), cmap=cmap, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
        row_axes[0].set_ylabel(label, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def glue(name: str, value, display: bool = False) -> None:
    """Record ``value`` under ``name`` for the book's ``{glue}`` roles, like ``myst_nb.glue``.

    Notebooks call this instead of importing myst-nb, which Colab does not have: there the value
    is only shown (when ``display`` is true), since nothing reads glued values outside the book.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
