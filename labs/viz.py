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


# Resolution of the PNGs a notebook stores: "retina" draws each figure at twice figure.dpi (200
# pixels per inch) and records its size at 100, so JupyterLab, Colab and the book show it at the
# same size as before, but sharp when zoomed or on a high-density screen, and still sharp where
# the book scales a wide figure down to its column. It roughly doubles a PNG's bytes.
INLINE_FORMAT = "retina"


def set_style() -> None:
    """Apply the course style to matplotlib: palette, sizes, and an opaque white background.

    The background is opaque so that figures stay legible when the book is read in dark mode.
    Inside IPython (a notebook), inline figures are stored as high-resolution PNGs
    (:data:`INLINE_FORMAT`).
    """
    _set_inline_format()
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


def _set_inline_format() -> None:
    """Make IPython's inline backend store :data:`INLINE_FORMAT` PNGs; nothing outside IPython.

    The format is set in matplotlib-inline's configuration (which applies it now, and again
    when pyplot first activates the inline backend, which would otherwise reset it to "png").
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or "image/png" not in shell.display_formatter.formatters:
        return
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {INLINE_FORMAT})
        return
    config = InlineBackend.instance()
    config.shell = shell
    config.figure_formats = {INLINE_FORMAT}


GRID_WIDTH_INCHES = 7.0  # images of a grid; its row labels take about another inch


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
    # Images narrower than `scale` where many columns would make the figure wider than the
    # book's column shows at full size (text below 10 px once shrunk; tests/test_figures.py).
    scale = min(scale, GRID_WIDTH_INCHES / n_cols)
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


def export_projector(vectors, labels, folder) -> tuple:
    """Write vectors for the TensorFlow Embedding Projector (https://projector.tensorflow.org).

    Args:
        vectors: ``(n, d)`` array or tensor, one embedding vector per row.
        labels: ``n`` labels (one metadata column), or a dict of column name → ``n`` values.
        folder: where ``vectors.tsv`` and ``metadata.tsv`` are written (created if needed).

    Returns:
        The paths ``(vectors.tsv, metadata.tsv)``. In the projector, "Load" both files to
        explore the vectors in 3-D (PCA, t-SNE or UMAP).

    Used in: chapter 2 (word vectors) and any chapter that wants to explore its vectors in 3-D.
    """
    from pathlib import Path

    matrix = np.asarray(vectors.detach().cpu() if hasattr(vectors, "detach") else vectors, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"vectors must be a non-empty (n, d) array, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors contain NaN or infinite values; the projector cannot read them")
    columns = dict(labels) if isinstance(labels, Mapping) else {"label": list(labels)}
    for name, values in columns.items():
        if len(values) != len(matrix):
            raise ValueError(f"{len(matrix)} vectors but {len(values)} values in label column {name!r}")

    def cell(value) -> str:  # a tab or newline inside a label would shift the columns
        return " ".join(str(value).split())

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vector_path, meta_path = folder / "vectors.tsv", folder / "metadata.tsv"
    with vector_path.open("w", encoding="utf-8") as out:
        for row in matrix:
            out.write("\t".join(f"{x:.6g}" for x in row) + "\n")
    rows = list(zip(*columns.values()))
    with meta_path.open("w", encoding="utf-8") as out:
        if len(columns) > 1:  # the projector reads a header line only when there are 2+ columns
            out.write("\t".join(cell(name) for name in columns) + "\n")
        for row in rows:
            out.write("\t".join(cell(value) for value in row) + "\n")
    return vector_path, meta_path


# --------------------------------------------------------------------------------------------
# Latent spaces (chapter 3): scatter by label, reconstructions, decoded grids, interpolations
# --------------------------------------------------------------------------------------------


def plot_latent_scatter(codes, labels, *, ax=None, title: str | None = None, size: float = 10):
    """Scatter 2-D latent vectors ``codes`` ``(n, 2)``, one colour per integer label (tab10).

    Vectors with more than two numbers must be projected first (e.g. with PCA); the legend lists
    the labels. Returns the ``Axes``. Used in: chapter 3.
    """
    import matplotlib.pyplot as plt

    codes, labels = np.asarray(codes), np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(
            f"codes have shape {codes.shape}; expected (n, 2): project longer vectors to 2-D "
            "first (e.g. sklearn.decomposition.PCA(2))"
        )
    if len(codes) == 0 or labels.shape != (len(codes),):
        raise ValueError(f"need one label per code and at least one code, got {labels.shape} labels "
                         f"for {len(codes)} codes")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    cmap = mpl.colormaps[CATEGORICAL_CMAP]
    for i, label in enumerate(np.unique(labels)):
        chosen = labels == label
        ax.scatter(codes[chosen, 0], codes[chosen, 1], s=size, alpha=0.8, color=cmap(i % 10),
                   label=str(label), linewidths=0)
    ax.legend(title="label", loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=2)
    ax.set_xlabel("latent dimension 1")
    ax.set_ylabel("latent dimension 2")
    if title:
        ax.set_title(title)
    return ax


def plot_reconstructions(originals, reconstructions, image_shape=(8, 8), *, n: int = 10,
                         title: str | None = None):
    """The first ``n`` ``originals`` above their reconstructions, one row per model.

    ``reconstructions`` is one array shaped like ``originals`` or a dict label → array. Pixels
    are clipped to [0, 1] for display. Returns the ``Figure`` (see :func:`plot_image_rows`).
    """
    originals = np.asarray(originals)
    if not isinstance(reconstructions, Mapping):
        reconstructions = {"reconstructed": reconstructions}
    rows = {"original": originals[:n]}
    for label, images in reconstructions.items():
        images = np.asarray(images)
        if images.shape != originals.shape:
            raise ValueError(f"reconstructions {label!r} have shape {images.shape}; "
                             f"the originals have {originals.shape}")
        rows[label] = images[:n].clip(0, 1)
    return plot_image_rows(rows, image_shape, title=title)


def plot_latent_grid(decoder, *, limits=(-2.5, 2.5), n: int = 15, image_shape=(8, 8), ax=None,
                     title: str | None = None, gap: int = 1):
    """Decode an ``n × n`` grid of 2-D latent vectors and tile the images into one picture.

    Args:
        decoder: a function from latent vectors ``(m, 2)`` to flattened images ``(m, h*w)``,
            e.g. ``lambda z: labs.autoencoder.decode(model, z)``.
        limits: ``(low, high)`` for both axes, or ``((x_low, x_high), (y_low, y_high))``.
        n: images per side.
        gap: blank pixels between neighbouring images (small digits run together without it).

    The axes are labelled in latent coordinates, so the picture reads as a map of the latent
    space. Returns the ``Axes``. Used in: chapter 3.
    """
    import matplotlib.pyplot as plt

    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    limits = np.asarray(limits, dtype=float)
    (x0, x1), (y0, y1) = (limits, limits) if limits.shape == (2,) else limits
    xs, ys = np.linspace(x0, x1, n), np.linspace(y1, y0, n)  # top row = largest y
    grid = np.array([[x, y] for y in ys for x in xs], dtype=np.float32)
    images = np.asarray(decoder(grid))
    h, w = image_shape
    if images.shape != (n * n, h * w):
        raise ValueError(f"decoder returned shape {images.shape}; expected ({n * n}, {h * w}) "
                         f"flattened {h}x{w} images")
    mosaic = np.zeros((n * (h + gap) - gap, n * (w + gap) - gap))
    for index, image in enumerate(images.reshape(n * n, h, w)):
        row, col = divmod(index, n)  # row 0 = top = largest y
        mosaic[row * (h + gap):row * (h + gap) + h, col * (w + gap):col * (w + gap) + w] = image
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=1, extent=(x0, x1, y0, y1), aspect="equal")
    ax.grid(False)
    ax.set_xlabel("latent dimension 1")
    ax.set_ylabel("latent dimension 2")
    if title:
        ax.set_title(title)
    return ax


def plot_interpolation(strips, image_shape=(8, 8), *, title: str | None = None):
    """One row of images per entry of ``strips`` (label → ``(steps, h*w)`` decoded images).

    Each row is a walk through a latent space from one end point to another; the top row is
    headed with the fraction ``t`` of the way (0 … 1). Returns the ``Figure``.
    """
    fig = plot_image_rows({label: np.asarray(images).clip(0, 1) for label, images in strips.items()},
                          image_shape, title=title)
    steps = len(next(iter(strips.values())))
    for ax, t in zip(fig.axes[:steps], np.linspace(0, 1, steps)):
        ax.set_title(f"t={t:.2g}", fontsize=8)
    fig.tight_layout()
    return fig


def plot_error_vs_k(ks, errors, *, ax=None, ylabel: str = "held-out reconstruction MSE",
                    title: str | None = None):
    """Reconstruction error against code size ``k``, one line per model (dict label → errors).

    Both axes are logarithmic (``k`` in powers of two reads evenly). Returns the ``Axes``.
    """
    import matplotlib.pyplot as plt

    ks = list(ks)
    for label, values in errors.items():
        if len(values) != len(ks):
            raise ValueError(f"{label!r} has {len(values)} errors for {len(ks)} values of k")
    if ax is None:
        _, ax = plt.subplots()
    for (label, values), marker in zip(errors.items(), "osD^v"):
        ax.plot(ks, values, marker=marker, label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    ax.set_xlabel("k (numbers per latent vector)")
    ax.set_ylabel(ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def label_points(ax, points, labels, *, fontsize: float = 9, gap: float = 4) -> list:
    """Write ``labels[i]`` beside ``points[i]``, each on the side where it overlaps least.

    Labels are placed in order; each tries eight positions around its point (right, left,
    above, below, then the corners)
    and takes the first that overlaps no label already placed, no marker and no edge of the
    axes, else the one that overlaps least. A small, deterministic stand-in for adjustText. ``gap`` is the
    offset from the point in typographic points. Returns the text artists.

    Used in: chapter 2 (the 2-D picture of 24 word vectors).
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(f"points must be (n, 2) with one label each: got shape {points.shape} "
                         f"and {len(labels)} labels")
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    pixels = ax.transData.transform(points)
    markers = [(x - 10, y - 10, x + 10, y + 10) for x, y in pixels]  # a marker and a margin
    sides = [(1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"),
             (0, -1, "center", "top"), (1, 1, "left", "bottom"), (-1, 1, "right", "bottom"),
             (1, -1, "left", "top"), (-1, -1, "right", "top")]
    frame = ax.get_window_extent(renderer).extents
    placed, texts = [], []
    for i, (point, label) in enumerate(zip(points, labels)):
        best = None
        for dx, dy, ha, va in sides:
            text = ax.annotate(str(label), point, xytext=(dx * gap, dy * gap),
                               textcoords="offset points", ha=ha, va=va, fontsize=fontsize)
            box = text.get_window_extent(renderer).extents
            others = placed + [m for j, m in enumerate(markers) if j != i]
            outside = _overlap(box, box) - _overlap(box, frame)
            overlap = outside + sum(_overlap(box, other) for other in others)
            if best is None or overlap < best[0]:
                if best is not None:
                    best[1].remove()
                best = (overlap, text, box)
            else:
                text.remove()
            if overlap == 0:
                break
        placed.append(best[2])
        texts.append(best[1])
    return texts


def _overlap(a, b) -> float:
    """Area shared by two boxes ``(x0, y0, x1, y1)``."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(width, 0.0) * max(height, 0.0)
