"""Embedding vector or latent vector? Measure it: one function for any trained model or vectors.

Used in: chapter 4 (the Venn diagram of the course's models; the 10-category table, the
1024 → 128 bottleneck) and chapter 6 (the summary table of every model of the course).

:func:`classify` takes what a chapter has at hand (an ``nn.Embedding``, word or node vectors, an
autoencoder, a layer of any network with a batch of inputs, a sentence encoding, or a plain
``(n, d)`` array) and returns a :class:`Verdict`:

| field | what it measures |
|---|---|
| ``input_dim`` | numbers per input: pixels, token vectors, or for a lookup table its one-hot code |
| ``output_dim`` | numbers per vector |
| ``compression_ratio`` | ``input_dim / output_dim``: above 1 the vector is smaller than its input |
| ``rank``, ``effective_dim`` | directions the vectors span; components keeping 99 % of their variance |
| ``trained_to_compress`` | learned by an objective that reads the vector, *and* smaller than its input |
| ``kind`` | ``"latent vector"`` if trained to compress, else ``"embedding vector"`` |

The rule is the source document's (section 4): every output of a learned embedding is an
embedding vector; it is also a latent vector when it *compresses* its input. For a lookup table
the input is an id, and the yardstick is its one-hot code, as in the document's "10 categories
→ 64-d" example. Contested cases (a sparse overcomplete code, a code wider than the data's own
rank) are reported in ``notes``, not hidden in the verdict.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from labs import repro
from labs.autoencoder import VAE, AutoencoderResult, ConvAutoencoder, MLPAutoencoder
from labs.category import CategoryResult
from labs.graph import NodeVectors
from labs.metrics import effective_dimension, matrix_rank
from labs.recsys import EmbeddingResult
from labs.text import TrainedVectors, WordVectors
from labs.transformer import Encoding, TransformerEncoder
from labs.vision import CNNResult, ViTResult

EMBEDDING, LATENT = "embedding vector", "latent vector"
SHARE = 0.99  # variance share that defines the effective dimension
ACTIVE = 0.01  # a code entry is "active" above this fraction of the largest |entry|


class TaxonomyError(ValueError):
    """What :func:`classify` cannot judge; the message says what to pass instead."""


@dataclass(frozen=True)
class Verdict:
    """The measured place of one set of vectors in the taxonomy (see the module docstring)."""

    name: str
    input_dim: float  # numbers per input (a mean when inputs vary in length, e.g. sentences)
    output_dim: int
    n_vectors: int
    rank: int | None  # None when no vectors were available to measure
    effective_dim: int | None
    learned: bool
    input_description: str = ""
    input_rank: int | None = None  # directions the inputs span, when inputs were given
    active_units: float | None = None  # mean number of active entries per vector
    notes: tuple[str, ...] = ()

    @property
    def compression_ratio(self) -> float:
        """``input_dim / output_dim``: above 1 a compression, below 1 an expansion."""
        return self.input_dim / self.output_dim

    @property
    def compresses(self) -> bool:
        """Fewer numbers out than in."""
        return self.output_dim < self.input_dim

    @property
    def trained_to_compress(self) -> bool:
        """Learned by an objective that reads the vector, and smaller than the input."""
        return self.learned and self.compresses

    @property
    def kind(self) -> str:
        """``"latent vector"`` when trained to compress, else ``"embedding vector"``."""
        return LATENT if self.trained_to_compress else EMBEDDING

    @property
    def is_latent(self) -> bool:
        return self.kind == LATENT

    def row(self) -> dict:
        """One row of :func:`summary_table`, formatted for reading (strings, 3 significant digits)."""
        return {
            "vectors": self.name,
            "input": self.input_description,
            "input dim": _text(self.input_dim),
            "output dim": _text(self.output_dim),
            "in → out": f"{_text(self.input_dim)} → {_text(self.output_dim)}",
            "ratio in/out": f"{self.compression_ratio:.3g}",
            "rank": "" if self.rank is None else str(self.rank),
            f"dims for {SHARE:.0%} var.": "" if self.effective_dim is None else str(self.effective_dim),
            "trained to compress": "yes" if self.trained_to_compress else "no",
            "verdict": self.kind,
        }

    def __str__(self) -> str:
        measured = "" if self.rank is None else f"; rank {self.rank}, {self.effective_dim} dims for {SHARE:.0%} of the variance"
        lines = [f"{self.name}: {_number(self.input_dim)} -> {self.output_dim} numbers "
                 f"(ratio {self.compression_ratio:.3g}){measured} => {self.kind}"]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def _text(value: float) -> str:
    """``1,024`` for whole numbers, ``10,650.2`` otherwise."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _number(value: float):
    return int(value) if float(value).is_integer() else round(float(value), 1)


# --------------------------------------------------------------------------------------------
# Turning what a chapter has into (vectors, input dimension)
# --------------------------------------------------------------------------------------------

def _as_matrix(vectors, what: str = "vectors") -> np.ndarray:
    """``vectors`` as a finite 2-D float array; a ragged list gets an error naming the lengths."""
    if isinstance(vectors, torch.Tensor):
        vectors = vectors.detach().cpu().numpy()
    if isinstance(vectors, (list, tuple)):
        lengths = sorted({int(np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v).size)
                          for v in vectors})
        if len(lengths) > 1:
            raise TaxonomyError(
                f"{what} have mixed lengths {lengths[:6]}: an embedding gives every item a vector "
                "of one fixed size, so these cannot come from one embedding. Classify each set "
                "separately, or pool variable-length outputs (e.g. mean over tokens) first"
            )
        vectors = np.stack([np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v,
                                       dtype=np.float64).ravel() for v in vectors]) if vectors else np.zeros((0, 0))
    array = np.asarray(vectors)
    if array.ndim == 1 and array.size:
        array = array[None, :]
    if array.size == 0 or array.ndim != 2:
        raise TaxonomyError(f"{what} must be a non-empty (n, d) array, one vector per row; got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number):
        raise TaxonomyError(f"{what} have dtype {array.dtype}; expected numbers")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise TaxonomyError(f"{what} contain NaN or infinite values; drop or fix those rows first")
    return array


def _per_example(inputs) -> tuple[torch.Tensor, int]:
    """A batch of inputs as a float tensor and the number of values in one example."""
    batch = torch.as_tensor(np.asarray(inputs) if not isinstance(inputs, torch.Tensor) else inputs)
    if batch.ndim < 2 or len(batch) == 0:
        raise TaxonomyError(
            f"inputs have shape {tuple(batch.shape)}; pass a batch (n, ...) with one example per row"
        )
    return batch.to(torch.float32), int(batch[0].numel())


class _Found(NamedTuple):
    """What :func:`_extract` finds in a source: its vectors (None if not measurable without
    inputs), numbers per input, words for the input, the inputs themselves, a name, the vector size."""

    vectors: np.ndarray | None
    input_dim: float | None
    description: str
    inputs: np.ndarray | None
    name: str
    output_dim: int


def _found(vectors, input_dim, description, inputs, name, output_dim=None) -> _Found:
    return _Found(vectors, input_dim, description, inputs, name,
                  int(output_dim if output_dim is not None else vectors.shape[1]))


def _table(weight, rows: int, what: str, name: str) -> _Found:
    """A lookup table: its input is an id, measured by its one-hot code (``rows`` numbers)."""
    return _found(_as_matrix(weight), float(rows), f"one of {rows:,} {what} (one-hot)", None, name)


def _named_table(source, layer: str) -> _Found:
    """A table attribute of a result, e.g. ``MFResult.item_factors``: one row per id."""
    if not hasattr(source, layer):
        raise TaxonomyError(f"{type(source).__name__} has no attribute {layer!r} to classify")
    table = getattr(source, layer)
    if isinstance(table, nn.Embedding):
        table = table.weight
    matrix = _as_matrix(table, layer)
    return _table(matrix, len(matrix), "ids", layer)


# What each kind of source holds is one function per type below (see :func:`classify`); anything
# else is a named table of a result (with ``layer``) or plain vectors.
@functools.singledispatch
def _extract(source, inputs, layer) -> _Found:
    """The vectors of ``source`` and what they stand for (see :func:`classify` for the kinds)."""
    if layer is not None:
        return _named_table(source, layer)
    return _found(_as_matrix(source), None, "", None, "vectors")


@_extract.register
def _(source: NodeVectors, inputs, layer) -> _Found:
    return _table(source.matrix(), len(source.nodes), "nodes", "node2vec")


@_extract.register
def _(source: TrainedVectors, inputs, layer) -> _Found:
    return _extract(source.vectors, inputs, layer)


@_extract.register
def _(source: WordVectors, inputs, layer) -> _Found:
    return _table(source.vectors, len(source.words), "words", source.name)


@_extract.register
def _(source: Encoding, inputs, layer) -> _Found:
    if layer not in ("cls", "mean"):
        raise TaxonomyError("a sentence encoding holds two kinds of vector: pass layer='cls' or layer='mean'")
    tokens = np.array([len(t) for t in source.token_vectors])
    dim = int(source.token_vectors[0].shape[1])
    vectors = source.cls if layer == "cls" else source.mean
    return _found(_as_matrix(vectors), float(tokens.mean() * dim), f"{tokens.mean():.1f} tokens x {dim} (mean)",
                  None, "[CLS] vector" if layer == "cls" else "mean pooling")


@_extract.register(AutoencoderResult)
@_extract.register(TransformerEncoder)
@_extract.register(CNNResult)
@_extract.register(ViTResult)
@_extract.register(EmbeddingResult)
@_extract.register(CategoryResult)
def _(source, inputs, layer) -> _Found:
    """A training result (or the Transformer): its model, unless ``layer`` names a table of the
    result itself."""
    if layer is not None and hasattr(source, layer):
        return _named_table(source, layer)
    return _extract(source.model, inputs, layer)


@_extract.register
def _(source: nn.Module, inputs, layer) -> _Found:
    return _extract_module(source, inputs, layer)


def _first_leaf(module: nn.Module):
    """The first layer that computes something, or None for an empty container."""
    for child in module.modules():
        if not list(child.children()):
            return None if isinstance(child, (nn.Sequential, nn.ModuleList, nn.ModuleDict)) else child
    return None


@torch.no_grad()
def _extract_module(model: nn.Module, inputs, layer):
    name = type(model).__name__
    if layer is not None:
        modules = dict(model.named_modules())
        if layer not in modules or not layer:
            raise TaxonomyError(f"{name} has no layer {layer!r}; its layers are {[n for n in modules if n][:12]}")
        if isinstance(modules[layer], nn.Embedding):
            table = modules[layer]
            return _table(table.weight, table.num_embeddings, "ids", f"{name}.{layer}")
        if inputs is None:
            raise TaxonomyError(f"pass inputs= (a batch of {name}'s inputs) to measure its layer {layer!r}")
        from labs.activations import capture_activations

        batch, dim = _per_example(inputs)
        out = capture_activations(model, batch, [layer], flatten=True)[layer]
        return _found(_as_matrix(out), float(dim), f"{dim:,} input values", batch.flatten(1).numpy(), f"{name}.{layer}")
    if isinstance(model, nn.Embedding):
        return _table(model.weight, model.num_embeddings, "ids", "nn.Embedding")
    if isinstance(model, (MLPAutoencoder, ConvAutoencoder, VAE)):
        dim = int(model.input_dim)
        description = f"{dim:,} input values"
        if inputs is None:
            return _found(None, float(dim), description, None, name, output_dim=int(model.k))
        batch, given = _per_example(inputs)
        if given != dim:
            raise TaxonomyError(f"inputs have {given} values per example but {name} reads {dim}")
        was_training = model.training
        model.eval()
        try:
            codes = model.encode(batch.reshape(len(batch), dim))
        finally:
            model.train(was_training)
        return _found(_as_matrix(codes), float(dim), description, batch.reshape(len(batch), dim).numpy(), name)
    if inputs is None:
        first = _first_leaf(model)
        hint = (f" (its first layer is {type(first).__name__}, whose input size depends on the data)"
                if first is not None else " (it has no layers)")
        raise TaxonomyError(
            f"cannot measure the input dimension of {name}{hint}: pass inputs= (a batch of what "
            "it reads), or layer= to pick one of its layers, or classify its output vectors with "
            "input_dim="
        )
    batch, dim = _per_example(inputs)
    was_training = model.training
    model.eval()
    try:
        out = model(batch)
    finally:
        model.train(was_training)
    return _found(_as_matrix(out.flatten(1)), float(dim), f"{dim:,} input values", batch.flatten(1).numpy(), name)


# --------------------------------------------------------------------------------------------
# The verdict
# --------------------------------------------------------------------------------------------

def classify(
    source,
    *,
    inputs=None,
    layer: str | None = None,
    input_dim: float | None = None,
    input_description: str | None = None,
    name: str | None = None,
    learned: bool = True,
    notes: tuple[str, ...] | list[str] = (),
) -> Verdict:
    """Measure whether ``source``'s vectors are embedding vectors only, or latent vectors too.

    Args:
        source: a trained model or its vectors: ``nn.Embedding``; ``labs.text.WordVectors`` or a
            training result holding them; ``labs.graph.NodeVectors``; a course autoencoder or VAE
            (or its result) with ``inputs``; any ``nn.Module`` with ``inputs`` (its output) or
            with ``layer`` and ``inputs`` (that layer's output); a ``labs.transformer.Encoding`` with
            ``layer="cls"`` or ``"mean"``; an object with a table attribute named by ``layer``
            (e.g. ``MFResult``, ``layer="item_factors"``); or vectors, ``(n, d)`` or a list of
            equal-length vectors, with ``input_dim``.
        inputs: a batch of the model's inputs; their rank is reported too.
        layer: which layer, table or pooling of ``source`` to classify.
        input_dim: numbers per input, for plain vectors (overrides what is measured).
        input_description: words for the input column of the tables (e.g. "8x8 image").
        name: label for tables and figures.
        learned: false for vectors no objective trained (a random projection, an untrained
            layer): smaller than the input, they still are not latent vectors.
        notes: extra remarks to carry into the verdict (a contested point, with its evidence).

    Returns:
        :class:`Verdict`. Raises :class:`TaxonomyError` when the input dimension cannot be
        measured or the vectors are not one fixed size.
    """
    found_in = _extract(source, inputs, layer)
    vectors, input_matrix = found_in.vectors, found_in.inputs
    if input_dim is None:
        input_dim = found_in.input_dim
    if input_dim is None:
        raise TaxonomyError(
            "these vectors come with no input to compare them with: pass input_dim= (how many "
            "numbers each vector stands for) or the model and its inputs=. Vectors drawn rather "
            "than computed from data, such as a GAN's input noise, have no input at all: no "
            "embedding produced them, so they are neither embedding vectors nor latent vectors "
            "of any data"
        )
    if isinstance(input_dim, bool) or not isinstance(input_dim, (int, float, np.integer, np.floating)) \
            or not math.isfinite(input_dim) or input_dim <= 0:
        raise TaxonomyError(f"input_dim must be a positive number of values per input, got {input_dim!r}")
    output_dim = found_in.output_dim
    if vectors is None:
        n, rank, effective, active = 0, None, None, None
    else:
        n = vectors.shape[0]
        with repro.one_thread():
            rank = matrix_rank(torch.as_tensor(vectors))
            effective = effective_dimension(vectors, SHARE) if n > 1 else rank
        magnitude = np.abs(vectors)
        active = float((magnitude > ACTIVE * magnitude.max()).sum(1).mean()) if magnitude.max() > 0 else 0.0
    input_rank = None
    if input_matrix is not None and len(input_matrix) > 1:
        with repro.one_thread():
            input_rank = matrix_rank(torch.as_tensor(input_matrix))
    found = list(notes)
    if vectors is None:
        found.append("no inputs given: pass inputs= to measure the rank of the vectors")
    if output_dim >= input_dim and rank is not None:
        if rank <= input_dim + 1:  # a linear map (plus an offset) of the input, or a table of ids
            found.append(f"expands {_number(input_dim)} -> {output_dim} numbers, yet the vectors span only "
                         f"{rank} directions: the extra numbers add no information")
        else:
            found.append(f"expands {_number(input_dim)} -> {output_dim} numbers; a nonlinear map spreads "
                         f"them over {rank} directions, but a function of the input holds no more "
                         "information than the input")
    if output_dim >= input_dim and active is not None and active < input_dim:
        found.append(f"sparse: {active:.1f} of {output_dim} numbers active per vector on average, fewer "
                     f"than the {_number(input_dim)} inputs (contested: compressed by activity, not by size)")
    if output_dim < input_dim and input_rank is not None and input_rank <= output_dim:
        found.append(f"the inputs themselves span only {input_rank} directions, fewer than the code's "
                     f"{output_dim} numbers: the code removes redundancy and has room to spare")
    if output_dim < input_dim and not learned:
        found.append("smaller than its input, but no objective trained it to keep the essentials")
    return Verdict(
        name=name or found_in.name,
        input_dim=float(input_dim),
        output_dim=int(output_dim),
        n_vectors=int(n),
        rank=rank,
        effective_dim=effective,
        learned=bool(learned),
        input_description=input_description if input_description is not None else found_in.description,
        input_rank=input_rank,
        active_units=active,
        notes=tuple(found),
    )


def summary_table(verdicts, extra: dict | None = None, columns: list[str] | None = None):
    """A pandas ``DataFrame``, one row per :class:`Verdict`, numbered from 1 as in the figures.

    ``extra`` maps a column name to one value per verdict; ``columns`` picks and orders the
    columns to show (default: all of :meth:`Verdict.row`, then the extra ones).
    """
    from labs.data import require

    pd = require("pandas")
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("no verdicts to tabulate: pass at least one labs.taxonomy.Verdict")
    frame = pd.DataFrame([v.row() for v in verdicts], index=pd.RangeIndex(1, len(verdicts) + 1, name="#"))
    for column, values in (extra or {}).items():
        if len(values) != len(verdicts):
            raise ValueError(f"column {column!r} has {len(values)} values for {len(verdicts)} rows")
        frame[column] = list(values)
    if columns is not None:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ValueError(f"no column {unknown}; the columns are {list(frame.columns)}")
        frame = frame[list(columns)]
    return frame


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def venn_radius(verdict: Verdict) -> float:
    """Distance from the centre of :func:`plot_venn` (inner circle radius 1, outer 2).

    Latent vectors sit inside the inner circle, nearer the centre the more they compress
    (``log2`` of the ratio, saturating at 2^12); embedding vectors that are not latent sit in
    the ring, further out the more they expand (saturating at 2^6).
    """
    ratio = verdict.compression_ratio
    if verdict.is_latent:
        return 1.0 - 0.85 * min(math.log2(ratio), 12.0) / 12.0
    return 1.1 + 0.75 * min(max(math.log2(1.0 / ratio), 0.0), 6.0) / 6.0


def _marker(ax, x, y, number: int, latent: bool, size: float = 15) -> None:
    """A numbered marker: a filled disc for a latent vector, an open square for an embedding vector."""
    from labs.viz import PALETTE

    colour = PALETTE[5] if latent else PALETTE[0]
    ax.plot(x, y, "o" if latent else "s", markersize=size, color=colour,
            markerfacecolor=colour if latent else "white", markeredgewidth=1.5, zorder=3)
    ax.text(x, y, str(number), ha="center", va="center", fontsize=8, zorder=4,
            color="white" if latent else colour, weight="bold")


def plot_venn(verdicts, *, ax=None, title: str | None = None, key: bool = True):
    """Draw latent vectors ⊂ embedding vectors and place each :class:`Verdict` in it by measurement.

    Each verdict is a numbered marker (numbers follow the order of ``verdicts``; ``key`` lists
    them beside the diagram). The distance from the centre is :func:`venn_radius`; the angle only
    spreads the points. With no verdicts it draws the two sets alone. Returns the ``Axes``.
    Used in: chapters 4 and 6.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    from labs.viz import PALETTE

    verdicts = list(verdicts)  # may be empty: the diagram alone
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 7) if verdicts and key else (7, 7))
    ax.add_patch(Circle((0, 0), 2.0, facecolor=PALETTE[4], alpha=0.18, edgecolor=PALETTE[0], linewidth=1.5))
    ax.add_patch(Circle((0, 0), 1.0, facecolor=PALETTE[1], alpha=0.25, edgecolor=PALETTE[5], linewidth=1.5))
    ax.text(0, 1.9, "embedding vectors", ha="center", va="top", fontsize=12, color=PALETTE[0], weight="bold")
    ax.text(0, 0.93, "latent vectors", ha="center", va="top", fontsize=11, color=PALETTE[5], weight="bold")
    numbered = list(enumerate(verdicts, 1))
    size = 15 if len(verdicts) <= 10 else 12
    for latent, offset in ((True, 0.0), (False, 0.5)):
        members = [(i, v) for i, v in numbered if v.is_latent == latent]
        previous = None
        for j, (number, verdict) in enumerate(members):
            # spread evenly round the circle, leaving the top free for the set's label
            angle = math.pi / 2 + 0.8 + (2 * math.pi - 1.6) * (j + offset) / max(len(members) - 1 + 2 * offset, 1)
            if len(members) == 1:
                angle = -math.pi / 2
            r = venn_radius(verdict)
            if previous is not None and abs(r - previous) < 0.05:  # neighbours at one radius: stagger them
                r += 0.07 if j % 2 else -0.07
            previous = venn_radius(verdict)
            _marker(ax, r * math.cos(angle), r * math.sin(angle), number, latent, size=size)
    if verdicts and key:
        lines = [f"{number:>2}  {v.name}" for number, v in numbered]
        ax.text(2.25, 0, "\n".join(lines), ha="left", va="center", fontsize=9 if len(lines) <= 20 else 7,
                family="monospace")
    ax.set_xlim(-2.1, 2.1 + (3.4 if verdicts and key else 0))
    ax.set_ylim(-2.1, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_dimensions(verdicts, *, ax=None, title: str | None = None):
    """Input against output dimension, both logarithmic: below the diagonal a vector compresses.

    Numbered markers as in :func:`plot_venn` (the same numbers for the same ``verdicts``): filled
    discs for latent vectors, open squares for embedding vectors only. Returns the ``Axes``.
    Used in: chapters 4 and 6.
    """
    import matplotlib.pyplot as plt

    from labs.viz import PALETTE

    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("no verdicts to plot: pass at least one labs.taxonomy.Verdict")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5))
    dims = [d for v in verdicts for d in (v.input_dim, v.output_dim)]
    low, high = min(dims) / 3, max(dims) * 3
    ax.plot([low, high], [low, high], color=PALETTE[7], linewidth=1, linestyle="--")
    ax.text(high / 2, high / 1.4, "output = input", ha="right", fontsize=9)
    placed: list[tuple[float, float]] = []
    for number, verdict in enumerate(verdicts, 1):
        x, y = verdict.input_dim, float(verdict.output_dim)
        # markers at (nearly) the same place are fanned out to the right so all numbers show
        same = sum(1 for px, py in placed if abs(math.log10(px / x)) < 0.08 and abs(math.log10(py / y)) < 0.08)
        placed.append((x, y))
        _marker(ax, x * 10 ** (0.17 * same), y, number, verdict.is_latent, size=13)
    ax.plot([], [], "o", color=PALETTE[5], label=LATENT)
    ax.plot([], [], "s", color=PALETTE[0], markerfacecolor="white", label=f"{EMBEDDING} only")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel("input dimension (numbers per input)")
    ax.set_ylabel("output dimension (numbers per vector)")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax
