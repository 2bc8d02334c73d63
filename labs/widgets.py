"""Live controls for a running kernel (ipywidgets): the latent-space explorer.

Used in: chapter 3 and appendix A (sliders that decode a latent vector live, in JupyterLab or
Colab). In the static book the widget shows a note saying where to run it; the figures the
static book draws by itself are in :mod:`labs.interactive`.
"""

from __future__ import annotations

import html
import io
from typing import Callable, Sequence

import ipywidgets as widgets
import numpy as np


def _as_array(values) -> np.ndarray:
    """A float64 NumPy array from a NumPy array, a list, or a torch tensor (even one with grad)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _png(image: np.ndarray, value_range: tuple[float, float], scale: int) -> bytes:
    """A grey-scale PNG of ``image`` (dark ink on white), each pixel a ``scale``×``scale`` block."""
    from PIL import Image

    low, high = value_range
    ink = np.clip((image - low) / (high - low), 0.0, 1.0)
    pixels = np.round(255 * (1.0 - ink)).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def latent_explorer(
    decode: Callable[[np.ndarray], np.ndarray],
    latents,
    *,
    image_shape: tuple[int, int],
    start=None,
    names: Sequence[str] | None = None,
    value_range: tuple[float, float] = (0.0, 1.0),
    scale: int = 24,
    seed: int = 0,
):
    """Sliders, one per latent dimension, and the image ``decode`` makes of them, live.

    ``decode`` maps one latent vector (a NumPy array of shape (dim,)) to an image with
    ``prod(image_shape)`` values (a NumPy array or a torch tensor);
    ``latents`` (n, dim) are latent vectors of real data, which set each slider's range (their
    1st to 99th percentile) and feed the "random data point" button; ``start`` (default: their
    mean) is where the sliders begin. Needs a live kernel (JupyterLab, Colab): in the static book
    the output is a note that says how to open the page with one. Returns the widget.
    """
    codes = np.asarray(latents, dtype=np.float64)
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(f"latents must be (n_points, dim) with n_points >= 2, got shape {codes.shape}")
    dim = codes.shape[1]
    origin = codes.mean(axis=0) if start is None else np.asarray(start, dtype=np.float64)
    if origin.shape != (dim,):
        raise ValueError(f"start must have shape ({dim},), like one row of latents; got {origin.shape}")
    names = list(names) if names is not None else [f"z[{i}]" for i in range(dim)]
    if len(names) != dim:
        raise ValueError(f"names must name each of the {dim} latent dimensions, got {len(names)}")
    size = int(np.prod(image_shape))
    probe = _as_array(decode(origin))
    if probe.size != size:
        raise ValueError(
            f"decode returned {probe.size} values for one latent vector; image_shape "
            f"{tuple(image_shape)} needs {size}"
        )
    low, high = np.percentile(codes, [1, 99], axis=0)
    sliders = [
        widgets.FloatSlider(
            value=float(np.clip(origin[i], low[i], high[i])), min=float(low[i]), max=float(high[i]),
            step=float((high[i] - low[i]) / 100) or 0.01, description=names[i],
            continuous_update=True, readout_format=".2f",
        )
        for i in range(dim)
    ]
    return LatentExplorer(decode, sliders, codes, origin, tuple(image_shape), value_range, scale, seed)


class LatentExplorer(widgets.VBox):
    """The widget :func:`latent_explorer` returns: ``sliders``, ``image``, ``latent()``."""

    def __init__(self, decode, sliders, codes, origin, image_shape, value_range, scale, seed):
        self._decode, self._codes, self._origin = decode, codes, origin
        self._shape, self._range, self._scale = image_shape, value_range, scale
        self._rng = np.random.default_rng(seed)
        self.sliders = sliders
        self.image = widgets.Image(format="png", value=b"")
        self.random_button = widgets.Button(description="random data point",
                                            tooltip="set the sliders to a real latent vector")
        self.reset_button = widgets.Button(description="reset")
        self.random_button.on_click(lambda _: self.set_latent(self._codes[self._rng.integers(len(self._codes))]))
        self.reset_button.on_click(lambda _: self.set_latent(self._origin))
        for slider in sliders:
            slider.observe(self._redraw, names="value")
        controls = widgets.VBox([*sliders, widgets.HBox([self.random_button, self.reset_button])])
        super().__init__([widgets.HBox([controls, self.image])])
        self._redraw()

    def latent(self) -> np.ndarray:
        """The latent vector the sliders show now."""
        return np.array([s.value for s in self.sliders], dtype=np.float64)

    def set_latent(self, values) -> None:
        """Move every slider (clipped to its range) and redraw once."""
        self._hold = True
        try:
            for slider, value in zip(self.sliders, np.asarray(values, dtype=np.float64)):
                slider.value = float(np.clip(value, slider.min, slider.max))
        finally:
            self._hold = False
        self._redraw()

    def _redraw(self, change=None) -> None:
        if getattr(self, "_hold", False):
            return
        decoded = _as_array(self._decode(self.latent())).reshape(self._shape)
        self.image.value = _png(decoded, self._range, self._scale)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        dim = len(self.sliders)
        note = (f"Latent explorer: {dim} sliders, one per latent dimension, and the image "
                "decoded from them. It needs a live Python kernel.")
        bundle["text/plain"] = f"[live controls] {note}"
        bundle["text/html"] = (
            '<div class="admonition note labs-live-only">'
            '<p class="admonition-title">Live controls</p>'
            f"<p>{html.escape(note)} Open this page in Colab or JupyterLab (the launch "
            "button at the top of the page) and run the cells to move the sliders.</p></div>"
        )
        return bundle

