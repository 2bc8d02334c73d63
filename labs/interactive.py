"""Interactive figures that work in the static HTML book with no kernel, and live controls.

Used in: appendix A (both figures); chapter 2 (word vectors in 3-D) and chapter 3 (a decoded
latent interpolation).

* :func:`plot_vectors_3d`: a rotatable 3-D scatter of embedding vectors (PCA to 3-D inside);
* :func:`interpolation_slider`: a slider over images decoded along a path between two latent
  vectors (``labs.autoencoder.interpolate`` makes the path).

Live controls that need a kernel (the latent explorer) are in :mod:`labs.widgets`.

How the interactive figures reach the static book
-------------------------------------------------
A figure is an :class:`InteractiveFigure`: a small plotly figure spec (data and layout, no
template, numbers rounded) and a sentence of alt text. Its ``_repr_mimebundle_`` gives

* ``text/html`` (what the book shows): the spec as JSON in a ``<script type="application/json">``,
  an empty ``<div role="group" aria-label="alt text" tabindex="0">`` (a group, not an image: it
  holds plotly's focusable controls), a line saying which keys the figure takes, and a short
  script that draws the spec with plotly.js and answers those keys. The script loads plotly.js once per page: from ``_static/plotly.min.js`` of the
  built book (found through the ``data-content_root`` attribute Sphinx puts on ``<html>``), or,
  outside the book (Colab's HTML outputs), from plotly's CDN at the version of the installed
  ``plotly`` package. Colours follow the book's light and dark theme as the reader switches.
* ``application/vnd.plotly.v1+json``: the same spec, which JupyterLab and VS Code draw natively;
* ``text/plain``: the alt text, for terminals and for nbval's diff.

Nothing in the bundle is random: the element id is a hash of the spec, so strict nbval compares
it like any other output, and a figure costs a few kilobytes of notebook, never plotly.js's
4.8 MB. The book's Sphinx extension ``book/_ext/plotly_static.py`` (not part of ``labs``)
copies ``plotly.min.js`` from the installed ``plotly`` package into the built book's
``_static/`` folder, so the repository never stores it and the book needs no network.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from labs.viz import PALETTE

PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTLY_JS = "plotly.min.js"  # file name under the built book's _static/
DECIMALS = 4  # coordinates and pixel values are rounded so that outputs are stable and small
# Black, the palette's last colour, vanishes on the dark theme's background: interactive figures
# use the first seven colours, and tell groups apart by marker symbol as well.
FIGURE_COLOURS = tuple(c for c in PALETTE if c.upper() != "#000000")
# plotly draws 3-D markers as font glyphs; its "x" is an emoji that many fonts lack (a box).
SYMBOLS_3D = ("circle", "diamond", "square", "cross", "circle-open", "diamond-open", "square-open")


def plotly_js_version() -> str:
    """Version of the plotly.js bundled with the installed ``plotly`` package."""
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def _rounded(values) -> list:
    """A nested list of floats rounded to :data:`DECIMALS`, with ``-0.0`` written as ``0.0``."""
    array = np.round(np.asarray(values, dtype=np.float64), DECIMALS) + 0.0
    return array.tolist()


# The script drawn under every figure. HASH and CDN are filled in by InteractiveFigure.html().
# Besides drawing, it makes the figure usable from the keyboard (the plot is a Tab stop: arrow
# keys move the slider or rotate the 3-D view), lets a vertical swipe over it scroll the page
# on a touch screen (the figure only takes horizontal swipes and two-finger gestures), and
# fits the figure to a narrow column (a phone).
_LOADER = r"""(function () {
  var me = document.currentScript;
  var box = (me && me.parentNode) || document.querySelector('[data-labs-figure="HASH"]');
  var spec = JSON.parse(box.querySelector('script[type="application/json"]').textContent);
  var plot = box.querySelector('.labs-plot');
  var status = box.querySelector('.labs-figure-status');
  var layout = spec.layout, slider = layout.sliders && layout.sliders[0];
  var narrow = function () { return plot.clientWidth < 560; };
  // plotly keeps (and changes) the layout it draws: what fitted() starts from is copied first.
  var eye = layout.scene && Object.assign({}, layout.scene.camera.eye);
  var height = layout.height, size = layout.font.size;
  function themed() {
    // The text colour of the figure's container: the book's light or dark theme, or the
    // notebook's. Lines and grids use it faintly; backgrounds stay transparent.
    var fg = getComputedStyle(plot).color || '#222832';
    var rgb = (fg.match(/\d+(\.\d+)?/g) || [34, 40, 50]).slice(0, 3).join(',');
    var faint = 'rgba(' + rgb + ',0.3)';
    var patch = {'font.color': fg, 'paper_bgcolor': 'rgba(0,0,0,0)', 'plot_bgcolor': 'rgba(0,0,0,0)',
                 'modebar.bgcolor': 'rgba(0,0,0,0)', 'modebar.color': faint, 'modebar.activecolor': fg};
    if (layout.scene) {
      ['xaxis', 'yaxis', 'zaxis'].forEach(function (axis) {
        patch['scene.' + axis + '.gridcolor'] = faint;
        patch['scene.' + axis + '.zerolinecolor'] = faint;
        patch['scene.' + axis + '.linecolor'] = faint;
      });
    }
    if (slider) {
      patch['sliders[0].font.color'] = fg;
      patch['sliders[0].currentvalue.font.color'] = fg;
      patch['sliders[0].tickcolor'] = fg;
    }
    return patch;
  }
  function fitted() {
    // A narrow column: the 3-D view steps back so that labels stay inside the figure, and the
    // slider figure is as tall as its square panels need (no empty band) with smaller captions.
    var patch = {}, small = narrow();
    if (eye) {
      var k = small ? 1.45 : 1;
      patch['scene.camera.eye'] = {x: eye.x * k, y: eye.y * k, z: eye.z * k};
    }
    if (slider) {
      var fit = small ? Math.min(height, Math.round(plot.clientWidth * 0.28 + 165)) : height;
      plot.style.height = fit + 'px';
      patch.height = fit;
      (layout.annotations || []).forEach(function (note, i) {
        patch['annotations[' + i + '].font.size'] = small ? 11 : size;
      });
    }
    return patch;
  }
  function camera() {
    var scene = plot._fullLayout.scene, live = scene._scene && scene._scene.getCamera;
    return (live ? scene._scene.getCamera() : scene.camera).eye;
  }
  function onKey(event) {
    if (event.target !== plot || event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    if (slider) {
      var steps = plot.layout.sliders[0].steps, active = plot._fullLayout.sliders[0].active;
      var next = {ArrowLeft: active - 1, ArrowRight: active + 1, Home: 0, End: steps.length - 1}[key];
      if (next === undefined) return;
      event.preventDefault();
      next = Math.max(0, Math.min(steps.length - 1, next));
      var step = steps[next];
      // The step's own command (plotly's slider runs the same), then the slider's new place.
      var run = Plotly[step.method] || function () {};
      Promise.resolve(run.apply(null, [plot].concat(step.args || []))).then(function () {
        return Plotly.relayout(plot, {'sliders[0].active': next});
      });
      var prefix = (slider.currentvalue && slider.currentvalue.prefix) || '';
      if (status) status.textContent = prefix + step.label;
    } else if (layout.scene) {
      var turn = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[key];
      var zoom = {'+': 0.8, '=': 0.8, '-': 1.25, '_': 1.25}[key];
      if (!turn && !zoom) return;
      event.preventDefault();
      var eye = camera(), r = Math.hypot(eye.x, eye.y, eye.z) * (zoom || 1);
      var azimuth = Math.atan2(eye.y, eye.x), elevation = Math.asin(eye.z / Math.hypot(eye.x, eye.y, eye.z));
      if (turn) {
        azimuth += turn[0] * Math.PI / 12;
        elevation = Math.max(-1.4, Math.min(1.4, elevation + turn[1] * Math.PI / 12));
      }
      Plotly.relayout(plot, {'scene.camera.eye': {
        x: r * Math.cos(elevation) * Math.cos(azimuth), y: r * Math.cos(elevation) * Math.sin(azimuth),
        z: r * Math.sin(elevation)}});
    }
  }
  // Touch: a one-finger swipe that starts vertical is the page's (it scrolls); plotly sees only
  // horizontal swipes (rotate, move the slider) and gestures of two fingers.
  var start = null, vertical = false;
  // The mouse wheel scrolls the page too, unless the figure's config asks for scroll-zoom.
  plot.addEventListener('wheel', function (event) {
    if (!spec.config.scrollZoom) event.stopPropagation();
  }, {capture: true, passive: true});
  plot.addEventListener('touchstart', function (event) {
    start = event.touches.length === 1 ? [event.touches[0].clientX, event.touches[0].clientY] : null;
    vertical = false;
  }, {capture: true, passive: true});
  plot.addEventListener('touchmove', function (event) {
    if (!start || event.touches.length !== 1) return;
    var dx = event.touches[0].clientX - start[0], dy = event.touches[0].clientY - start[1];
    if (!vertical && Math.abs(dy) > Math.abs(dx) && Math.abs(dy) > 4) vertical = true;
    if (vertical) event.stopPropagation();
  }, {capture: true, passive: true});
  function draw() {
    Plotly.newPlot(plot, spec.data, layout, spec.config).then(function () {
      Plotly.relayout(plot, Object.assign(themed(), fitted()));
      new MutationObserver(function () { Plotly.relayout(plot, themed()); })
        .observe(document.documentElement, {attributes: true, attributeFilter: ['data-theme']});
      var wide = !narrow();
      window.addEventListener('resize', function () {
        if (wide === narrow()) { wide = !wide; Plotly.relayout(plot, fitted()); }
      });
      plot.addEventListener('keydown', onKey);
      box.setAttribute('data-labs-ready', 'true');
    });
  }
  if (window.Plotly) { draw(); return; }
  var tag = document.getElementById('labs-plotly-js');
  if (!tag) {
    tag = document.createElement('script');
    tag.id = 'labs-plotly-js';
    var root = document.documentElement.getAttribute('data-content_root');
    tag.src = root !== null ? root + '_static/plotly.min.js' : 'CDN';
    document.head.appendChild(tag);
  }
  tag.addEventListener('load', draw);
  tag.addEventListener('error', function () {
    plot.textContent = 'This interactive figure needs plotly.js, which could not be loaded.';
  });
})();"""

# What each figure carries: the loader without its comments and indentation (a third smaller).
_LOADER_LINES = "\n".join(line.strip() for line in _LOADER.splitlines()
                          if line.strip() and not line.strip().startswith("//"))

# What the keyboard does, shown under each kind of figure (and read with it by screen readers).
_KEYS = {
    "3d": "Keyboard: Tab to the figure, then the arrow keys rotate it and + and − zoom.",
    "slider": "Keyboard: Tab to the figure, then ← and → move the slider, Home and End go to "
              "its ends.",
}


@dataclass(frozen=True, eq=False)
class InteractiveFigure:
    """A plotly figure that displays itself as small, deterministic HTML (see the module docs).

    ``spec`` holds ``data``, ``layout`` and ``config`` (a plotly figure as plain JSON); ``alt``
    describes the figure in one sentence for readers who cannot see it; ``title`` is shown above
    the figure as HTML text (it wraps, and takes the page's colours); ``height`` is in pixels.
    """

    spec: dict
    alt: str
    title: str = ""
    height: int = 520

    @classmethod
    def from_plotly(cls, figure, alt: str, height: int | None = None) -> "InteractiveFigure":
        """Wrap any plotly figure (``plotly.graph_objects.Figure``) for the book, dropping
        plotly's default template (8 KB of styling) so that the output stays small."""
        spec = json.loads(figure.to_json())
        layout = spec.setdefault("layout", {})
        layout.pop("template", None)
        title = layout.pop("title", {}) or {}
        spec["config"] = {**_CONFIG, **spec.get("config", {})}
        height = height or layout.get("height") or 480
        return cls(spec=spec, alt=alt, title=title.get("text", ""), height=int(height))

    def to_json(self) -> str:
        """The spec as compact JSON with sorted keys (the same bytes on every run)."""
        return json.dumps(self.spec, sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def figure_id(self) -> str:
        """A stable id: 12 hex digits of the SHA-256 of the spec's structure and the texts.

        Numbers are left out of the hash, so that the id (which stored outputs contain) is the
        same on a machine whose kernels give other last digits for the coordinates.
        """
        structure = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", self.to_json())
        text = "\0".join((structure, self.alt, self.title))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def html(self) -> str:
        """The HTML that draws the figure in a browser page (see the module docs)."""
        spec = self.to_json().replace("</", "<\\/")  # a string in the JSON may not close the tag
        cdn = f"https://cdn.plot.ly/plotly-{plotly_js_version()}.min.js"
        loader = _LOADER_LINES.replace("HASH", self.figure_id).replace("'CDN'", json.dumps(cdn))
        title = (f'<p class="labs-figure-title" style="font-weight:600;margin:0 0 0.25em">'
                 f"{html.escape(self.title)}</p>\n" if self.title else "")
        layout = self.spec.get("layout", {})
        kind = "3d" if "scene" in layout else "slider" if layout.get("sliders") else None
        # The plot is a labelled group (it holds plotly's focusable buttons, so it cannot be an
        # image) and a Tab stop; the keys it answers to are written under it and describe it.
        element = f"labs-figure-{self.figure_id}"
        keys = (f'<p class="labs-figure-keys" id="{element}-keys" style="font-size:0.85em;'
                f'margin:0.25em 0 0;opacity:0.8">{html.escape(_KEYS[kind])} '
                f'<span class="labs-figure-status" aria-live="polite"></span></p>\n' if kind else "")
        focus = (f' tabindex="0" aria-describedby="{element}-keys"' if kind else "")
        return (
            f'<div class="labs-interactive" data-labs-figure="{self.figure_id}">\n{title}'
            f'<script type="application/json">{spec}</script>\n'
            f'<div class="labs-plot" id="{element}" role="group" aria-label="{html.escape(self.alt)}"'
            f'{focus} style="width:100%;height:{self.height}px;touch-action:pan-y"></div>\n'
            f"{keys}<noscript>{html.escape(self.alt)}</noscript>\n"
            f"<script>\n{loader}\n</script>\n</div>"
        )

    def plotly_json(self) -> dict:
        """The figure for plotly's own renderers (JupyterLab, VS Code), title included."""
        spec = json.loads(self.to_json())
        if self.title:
            layout = spec["layout"]
            layout["title"] = {"text": self.title, "x": 0.02, "xanchor": "left"}
            layout["margin"] = {**layout.get("margin", {}), "t": layout.get("margin", {}).get("t", 0) + 40}
        return spec

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {
            "text/plain": f"[interactive figure] {self.title + ': ' if self.title else ''}{self.alt}",
            "text/html": self.html(),
            PLOTLY_MIME: self.plotly_json(),
        }


def _base_layout(height: int) -> dict:
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "modebar": {"orientation": "v"},
    }


# Plotly's mode bar without the link to plotly's website and without the cloud buttons.
# No zoom by the mouse wheel or a two-finger scroll (it traps the page's scrolling: the keys and
# the mode bar zoom instead).
_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False,
           "modeBarButtonsToRemove": ["sendDataToCloud"]}


# ----------------------------------------------------------------------------------------------
# A rotatable 3-D view of embedding vectors


def pca_3d(vectors) -> tuple[np.ndarray, np.ndarray]:
    """Project ``vectors`` (n, d) onto their first 3 principal components.

    Returns ``(coordinates (n, 3), share of the total variance kept by each axis (3,))``. The sign
    of each axis is fixed (its largest loading is positive), so the result is the same on every
    run, like scikit-learn's PCA.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (n_items, dim), got shape {x.shape}")
    if x.shape[0] < 3 or x.shape[1] < 3:
        raise ValueError(
            f"a 3-D view needs at least 3 vectors of at least 3 dimensions, got shape {x.shape}"
        )
    if not np.isfinite(x).all():
        raise ValueError("vectors contain NaN or infinite values; drop or fix those rows first")
    centred = x - x.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:3]
    signs = np.sign(components[np.arange(3), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    total = float((singular**2).sum())
    kept = (singular[:3] ** 2) / total if total > 0 else np.zeros(3)
    return centred @ components.T, kept


@dataclass(frozen=True, eq=False)
class VectorView(InteractiveFigure):
    """The figure of :func:`plot_vectors_3d`, with what it shows: ``coordinates`` (n, 3) and
    ``variance_kept`` (3,), the share of the vectors' variance along each of the three axes."""

    coordinates: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    variance_kept: np.ndarray = field(default_factory=lambda: np.zeros(3))


CAMERA_EYE = (1.3, 1.3, 0.8)  # where the 3-D views look from at first


def label_positions(coordinates, groups: Sequence[str], eye=CAMERA_EYE) -> list[str]:
    """A plotly ``textposition`` per point, pointing away from the centre of its group.

    ``coordinates`` (n, 3) are seen from ``eye`` (towards the origin, z up): each point's offset
    from its group's mean, in that view, picks one of eight sides ("top right", "middle
    left", ...).

    Used in: chapter 2 reaches it through ``plot_vectors_3d(spread_labels=True)``.
    """
    xyz = np.asarray(coordinates, dtype=np.float64)
    if xyz.ndim != 2 or xyz.shape[1] != 3 or len(groups) != len(xyz):
        raise ValueError(f"coordinates must be (n, 3) with one group each: got shape "
                         f"{xyz.shape} and {len(groups)} groups")
    view = -np.asarray(eye, dtype=np.float64) / np.linalg.norm(eye)
    right = np.cross(view, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, view)
    names = np.asarray([str(g) for g in groups])
    offsets = xyz - np.stack([xyz[names == g].mean(axis=0) for g in names])
    sides = []
    for across, along in zip(offsets @ right, offsets @ up):
        scale = max(abs(across), abs(along), 1e-12)
        column = "right" if across > scale / 2 else "left" if across < -scale / 2 else "center"
        row = "top" if along > scale / 2 else "bottom" if along < -scale / 2 else "middle"
        sides.append(f"{row} {column}" if (row, column) != ("middle", "center") else "top center")
    return sides


def plot_vectors_3d(
    vectors,
    labels: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    title: str = "Embedding vectors, projected to 3-D by PCA",
    alt: str | None = None,
    height: int = 560,
    spread_labels: bool = False,
) -> VectorView:
    """A rotatable 3-D scatter of embedding vectors, labelled, projected to 3-D by PCA inside.

    ``vectors`` is (n, d) with d ≥ 3, ``labels`` names each row (drawn beside its point);
    ``groups`` (one name per row) colours the points and adds a legend whose entries toggle a
    group. Drag to rotate (or, with the figure focused, the arrow keys; + and − zoom), hover
    for a label; the mouse wheel and a vertical swipe scroll the page, not the figure. The three axes keep only part of
    the variance (``result.variance_kept``): say so where the figure is used. Returns a
    :class:`VectorView`, which displays itself in the book, JupyterLab and Colab.
    ``spread_labels=True`` puts each label on the side of its point that faces away from its
    group's centre as the first view shows it (:func:`label_positions`), so that the labels of
    a tight group do not stack on each other.
    """
    x = np.asarray(vectors, dtype=np.float64)
    labels = [str(label) for label in labels]
    if x.ndim != 2 or len(labels) != len(x):
        raise ValueError(
            f"labels must name every row of vectors: got {len(labels)} labels for vectors of "
            f"shape {x.shape}"
        )
    group_names = [str(g) for g in groups] if groups is not None else ["vectors"] * len(labels)
    if len(group_names) != len(labels):
        raise ValueError(f"groups must have one entry per vector: got {len(group_names)} for {len(labels)}")
    coordinates, kept = pca_3d(x)
    sides = (label_positions(coordinates, group_names, CAMERA_EYE) if spread_labels
             else ["top center"] * len(labels))
    traces = []
    order = list(dict.fromkeys(group_names))  # first-seen order, the same on every run
    for number, name in enumerate(order):
        rows = [i for i, g in enumerate(group_names) if g == name]
        xyz = _rounded(coordinates[rows])
        traces.append({
            "type": "scatter3d",
            "mode": "markers+text",
            "name": name,
            "showlegend": groups is not None,
            "x": [p[0] for p in xyz], "y": [p[1] for p in xyz], "z": [p[2] for p in xyz],
            "text": [labels[i] for i in rows],
            "textposition": [sides[i] for i in rows] if spread_labels else "top center",
            "textfont": {"size": 10},
            "hovertemplate": "%{text}" + (f"<br>{html.escape(name)}" if groups is not None else "") + "<extra></extra>",
            "marker": {
                "size": 5,
                "color": FIGURE_COLOURS[number % len(FIGURE_COLOURS)],
                "symbol": SYMBOLS_3D[number % len(SYMBOLS_3D)],
                "line": {"width": 0},
            },
        })
    axes = {
        f"{axis}axis": {"title": {"text": f"PC {i + 1} ({kept[i]:.0%})"}, "showticklabels": False,
                         "showspikes": False}
        for i, axis in enumerate("xyz")
    }
    layout = _base_layout(height)
    layout["scene"] = {**axes, "aspectmode": "data",
                       "camera": {"eye": dict(zip("xyz", CAMERA_EYE))}}
    layout["legend"] = {"itemsizing": "constant", "x": 0.0, "y": 1.0, "bgcolor": "rgba(0,0,0,0)"}
    if alt is None:
        described = f" in {len(order)} groups ({', '.join(order)})" if groups is not None else ""
        alt = (
            f"Rotatable 3-D scatter plot of {len(labels)} embedding vectors{described}, each "
            f"labelled with its word, projected from {x.shape[1]} to 3 dimensions by PCA, "
            f"which keeps {kept.sum():.0%} of their variance."
        )
    return VectorView(
        spec={"data": traces, "layout": layout, "config": _CONFIG},
        alt=alt, title=title, height=height, coordinates=coordinates, variance_kept=kept,
    )


# ----------------------------------------------------------------------------------------------
# A slider over images decoded along a latent interpolation


def _as_images(frames, image_shape: tuple[int, int]) -> np.ndarray:
    images = np.asarray(frames, dtype=np.float64)
    size = int(np.prod(image_shape))
    if images.ndim == 2 and images.shape[1] == size:
        images = images.reshape(len(images), *image_shape)
    if images.ndim != 3 or images.shape[1:] != tuple(image_shape):
        raise ValueError(
            f"frames must be (n_frames, {size}) or (n_frames, {image_shape[0]}, {image_shape[1]}) "
            f"for images of shape {tuple(image_shape)}, got {np.asarray(frames).shape}"
        )
    if len(images) < 2:
        raise ValueError(f"an interpolation needs at least 2 frames, got {len(images)}")
    if not np.isfinite(images).all():
        raise ValueError("frames contain NaN or infinite values")
    return images


def interpolation_slider(
    frames,
    image_shape: tuple[int, int],
    *,
    title: str = "Images decoded along a straight line between two latent vectors",
    ends: tuple[str, str] = ("start", "end"),
    value_range: tuple[float, float] = (0.0, 1.0),
    alt: str | None = None,
    height: int = 360,
) -> InteractiveFigure:
    """A slider over images decoded along a latent interpolation, for the static book.

    ``frames`` holds the decoded images in order, (n_frames, H*W) or (n_frames, H, W), the first
    at t = 0 and the last at t = 1 (e.g. ``decode(autoencoder.interpolate(z_a, z_b))``). The figure shows
    the two ends and, between them, the frame the slider selects. Pixels are drawn dark on light,
    from ``value_range[0]`` (white) to ``value_range[1]`` (black).
    """
    images = _as_images(frames, tuple(image_shape))
    low, high = value_range
    if not low < high:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    n = len(images)
    ts = np.linspace(0.0, 1.0, n)
    middle = n // 2
    rows, cols = image_shape
    heat = {"type": "heatmap", "colorscale": "Greys", "reversescale": True, "zmin": low, "zmax": high,
            "showscale": False, "hovertemplate": "row %{y}, column %{x}: %{z:.2f}<extra></extra>"}
    data, layout = [], _base_layout(height)
    domains = ((0.0, 0.28), (0.36, 0.64), (0.72, 1.0))
    # Captions on two lines: three of them side by side fit a phone's column (390 px).
    captions = (f"{ends[0]}<br>(t = 0)", f"decoded<br>at t = {ts[middle]:.2f}", f"{ends[1]}<br>(t = 1)")
    for panel, (image, domain) in enumerate(zip((images[0], images[middle], images[-1]), domains)):
        suffix = "" if panel == 0 else str(panel + 1)
        data.append({**heat, "z": _rounded(image), "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                     "name": captions[panel]})
        layout[f"xaxis{suffix}"] = {"domain": list(domain), "visible": False, "constrain": "domain"}
        layout[f"yaxis{suffix}"] = {"autorange": "reversed", "visible": False,
                                    "scaleanchor": f"x{suffix}", "constrain": "domain"}
    layout["annotations"] = [
        {"text": text, "x": sum(domain) / 2, "y": 1.0, "xref": "paper", "yref": "paper",
         "xanchor": "center", "yanchor": "bottom", "showarrow": False}
        for text, domain in zip(captions, domains)
    ]
    steps = [
        {"method": "update", "label": f"{t:.2f}",
         "args": [{"z": [_rounded(image)]},
                  {"annotations[1].text": f"decoded<br>at t = {t:.2f}"}, [1]]}
        for t, image in zip(ts, images)
    ]
    layout["sliders"] = [{
        "active": middle, "steps": steps, "pad": {"t": 30, "b": 10}, "len": 1.0, "x": 0.0,
        "currentvalue": {"prefix": "t = ", "visible": True, "xanchor": "center"},
    }]
    layout["margin"]["t"] = 44  # room for the panel captions
    # Nothing to zoom or pan in three small images: a drag over them, or a swipe on a phone, is
    # left to the page (and to the slider).
    layout["dragmode"] = False
    if alt is None:
        alt = (
            f"Three {rows}×{cols} images side by side: {ends[0]} and {ends[1]}, the ends of a "
            f"straight-line path between two latent vectors, and between them the image decoded "
            f"at the point a slider selects, in {n} steps from t = 0 to t = 1."
        )
    # The mode bar's zoom and pan buttons do nothing here, and on a phone it covers the last image.
    config = {**_CONFIG, "displayModeBar": False}
    return InteractiveFigure(spec={"data": data, "layout": layout, "config": config},
                             alt=alt, title=title, height=height)
