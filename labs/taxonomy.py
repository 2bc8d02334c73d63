"""Embedding vector or latent vector? The course's rule, and the yardsticks it needs.

Used in: chapter 4 (the Venn diagram of the course's models; the 10-category table, the
1024 → 128 bottleneck, the [CLS] vector), chapter 5.1 (the one counting rule for sequences,
:func:`word_pieces`) and chapter 6 (the summary table of the course's models).

:func:`classify` takes what a chapter has at hand (an ``nn.Embedding``, word or node vectors, an
autoencoder, a layer of any network with a batch of inputs, a sentence encoding, or a plain
``(n, d)`` array) and returns a :class:`Verdict`.

**The rule is a definition**, the one the course adopts from the source document (section 4):
every output of a learned embedding is an embedding vector; it is also a latent vector when it
is *smaller than its input*. In code: ``LATENT if learned and output_dim < input_dim``. Applying
it proves nothing about models; what can be measured is the yardstick, *smaller than what?*
:meth:`Verdict.by_yardstick` applies the rule against each yardstick the vectors allow:

| yardstick | the input's size is | available for |
|---|---|---|
| ``numbers`` | how many numbers the input is written in (pixels; for an id its one-hot code; for a text its token ids, each one-hot) | every verdict |
| ``data`` | how many principal directions keep 99 % of the inputs' variance (the TwoNN intrinsic dimension is reported beside it) | models given ``inputs=`` |
| ``relation`` | the cells of the matrix a lookup table factorises (rows × columns), against the numbers of the factorisation (``output_dim × (rows + columns)``) | tables given ``relation=`` |
| ``rate`` | ``log n`` nats, what it takes to tell ``n`` inputs apart, against the code's rate (a VAE's mean KL) | VAEs given ``inputs=`` |

For a text the counting rule is one for the course (:func:`word_pieces`): its input is the word
pieces of the text, each an id counted by its one-hot code; the special tokens [CLS] and [SEP]
that the tokenizer adds to every text are stated and not counted (they say nothing about it).
The [CLS] vector and the vector at any other position are counted alike: by size the rule
cannot tell them apart (chapter 4 measures what each keeps).
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
from labs.metrics import effective_dimension, intrinsic_dimension, matrix_rank
from labs.recsys import EmbeddingResult
from labs.text import TrainedVectors, WordVectors
from labs.transformer import Encoding, TransformerEncoder
from labs.vision import CNNResult, ViTResult

EMBEDDING, LATENT = "embedding vector", "latent vector"
SHARE = 0.99  # variance share that defines the effective dimension
SPECIAL_TOKENS = ("[CLS]", "[SEP]")  # added to every text by BERT-family tokenizers
YARDSTICKS = ("numbers", "data", "relation", "rate")
ACTIVE = 0.01  # a code entry is "active" above this fraction of the largest |entry|


class TaxonomyError(ValueError):
    """What :func:`classify` cannot judge; the message says what to pass instead."""


@dataclass(frozen=True)
class Verdict:
    """One set of vectors measured, and the rule applied (see the module docstring)."""

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
    input_effective_dim: int | None = None  # PCA directions keeping 99 % of the inputs' variance
    input_intrinsic_dim: float | None = None  # TwoNN estimate of the inputs' dimension
    relation: tuple[int, int] | None = None  # (rows, columns) of the matrix a table factorises
    rate: float | None = None  # nats per input (a VAE's mean KL to its prior)
    n_inputs: int | None = None  # how many inputs the rate was measured on

    @property
    def compression_ratio(self) -> float:
        """``input_dim / output_dim``: above 1 a compression, below 1 an expansion."""
        return self.input_dim / self.output_dim

    @property
    def compresses(self) -> bool:
        """Fewer numbers out than in."""
        return self.output_dim < self.input_dim

    @property
    def learned_and_smaller(self) -> bool:
        """Learned (by an objective), and fewer numbers than the input: the rule's condition."""
        return self.learned and self.compresses

    @property
    def kind(self) -> str:
        """The rule against the ``numbers`` yardstick: latent iff learned and smaller."""
        return LATENT if self.learned_and_smaller else EMBEDDING

    @property
    def is_latent(self) -> bool:
        return self.kind == LATENT

    @property
    def factor_numbers(self) -> int | None:
        """Numbers of a factorisation of :attr:`relation` at this width: ``d × (rows + columns)``."""
        return None if self.relation is None else self.output_dim * sum(self.relation)

    def by_yardstick(self) -> dict[str, str | None]:
        """The rule applied against each yardstick: ``{name: kind or None}`` (None: not available).

        ``numbers``: fewer numbers than the input (:attr:`kind`); ``data``: fewer numbers than
        the inputs' PCA-99 % dimension; ``relation``: a factorisation with fewer numbers than
        the cells of the relation; ``rate``: fewer nats than ``log n``, too few to tell the ``n``
        inputs apart. Each is a latent vector only if learned.
        """
        def rule(smaller):
            return None if smaller is None else LATENT if self.learned and smaller else EMBEDDING

        rows_cols = None if self.relation is None else self.relation[0] * self.relation[1]
        return {
            "numbers": self.kind,
            "data": rule(None if self.input_effective_dim is None
                         else self.output_dim < self.input_effective_dim),
            "relation": rule(None if rows_cols is None else self.factor_numbers < rows_cols),
            "rate": rule(None if self.rate is None or not self.n_inputs
                         else self.rate < math.log(self.n_inputs)),
        }

    @property
    def yardstick_changes_verdict(self) -> bool:
        """Whether the available yardsticks disagree about this set of vectors."""
        return len({k for k in self.by_yardstick().values() if k is not None}) > 1

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
            "learned and smaller": "yes" if self.learned_and_smaller else "no",
            "verdict": self.kind,
        }

    def yardstick_row(self) -> dict:
        """One row of :func:`yardstick_table`: each yardstick's size and the rule's verdict by it."""
        short = {LATENT: "latent", EMBEDDING: "embedding", None: "–"}
        kinds = self.by_yardstick()
        data = ("–" if self.input_effective_dim is None else
                f"{self.input_effective_dim} / {self.input_intrinsic_dim:.0f}"
                if self.input_intrinsic_dim is not None else str(self.input_effective_dim))
        relation = ("–" if self.relation is None else
                    f"{self.relation[0] * self.relation[1]:,} → {self.factor_numbers:,}")
        rate = ("–" if kinds["rate"] is None else
                f"{self.rate:.2f} vs {math.log(self.n_inputs):.2f}")
        return {
            "vectors": self.name,
            "numbers in → out": f"{_text(self.input_dim)} → {_text(self.output_dim)}",
            "by numbers": short[kinds["numbers"]],
            "data dims (PCA 99 % / TwoNN)": data,
            "by data": short[kinds["data"]],
            "relation cells → factor numbers": relation,
            "by relation": short[kinds["relation"]],
            "rate vs log n (nats)": rate,
            "by rate": short[kinds["rate"]],
            "yardstick changes it?": "yes" if self.yardstick_changes_verdict else "no",
        }

    def __str__(self) -> str:
        measured = "" if self.rank is None else f"; rank {self.rank}, {self.effective_dim} dims for {SHARE:.0%} of the variance"
        lines = [f"{self.name}: {_number(self.input_dim)} -> {self.output_dim} numbers "
                 f"(ratio {self.compression_ratio:.3g}){measured}; applying the rule gives "
                 f"{self.kind}"]
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
    vectors = _as_matrix(source)
    if inputs is None:
        return _found(vectors, None, "", None, "vectors")
    batch = _as_matrix(np.asarray(inputs).reshape(len(inputs), -1) if not isinstance(inputs, list)
                       else inputs, "inputs")
    if len(batch) != len(vectors):
        raise TaxonomyError(f"{len(batch)} inputs for {len(vectors)} vectors: pass the input each "
                            "vector was computed from, one per row, in the same order")
    return _found(vectors, float(batch.shape[1]), f"{batch.shape[1]:,} input values", batch, "vectors")


@_extract.register
def _(source: NodeVectors, inputs, layer) -> _Found:
    return _table(source.matrix(), len(source.nodes), "nodes", "node2vec")


@_extract.register
def _(source: TrainedVectors, inputs, layer) -> _Found:
    return _extract(source.vectors, inputs, layer)


@_extract.register
def _(source: WordVectors, inputs, layer) -> _Found:
    return _table(source.vectors, len(source.words), "words", source.name)


def word_pieces(encoding: Encoding) -> np.ndarray:
    """The course's one counting rule for texts: word pieces per text, special tokens not counted.

    A BERT-family tokenizer adds [CLS] and [SEP] (:data:`SPECIAL_TOKENS`) to every text; they are
    the same for every input and say nothing about it, so the input of a sentence encoder is the
    text's own word pieces. Used in: chapters 4 and 5.1 (chapter 6 through :func:`classify`).
    """
    if not isinstance(encoding, Encoding):
        raise TaxonomyError(f"word_pieces takes a labs.transformer.Encoding, got {type(encoding).__name__}")
    return np.array([sum(token not in SPECIAL_TOKENS for token in tokens) for tokens in encoding.tokens])


def _sequence(source: Encoding, layer, vocabulary) -> _Found:
    if layer not in ("cls", "mean"):
        raise TaxonomyError("a sentence encoding holds two kinds of vector: pass layer='cls' or layer='mean'")
    if isinstance(vocabulary, bool) or not isinstance(vocabulary, (int, np.integer)) or vocabulary < 2:
        raise TaxonomyError(
            f"a text's input is its token ids, each counted by its one-hot code: pass vocabulary= "
            f"(the tokenizer's vocabulary size, e.g. encoder.tokenizer.vocab_size), got {vocabulary!r}")
    pieces = word_pieces(source).mean()
    vectors = source.cls if layer == "cls" else source.mean
    description = (f"{pieces:.1f} word pieces x one-hot of {vocabulary:,} (mean; "
                   f"{' and '.join(SPECIAL_TOKENS)} not counted)")
    return _found(_as_matrix(vectors), float(pieces * vocabulary), description, None,
                  "[CLS] vector" if layer == "cls" else "mean pooling")


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
    relation: tuple[int, int] | None = None,
    vocabulary: int | None = None,
) -> Verdict:
    """Measure ``source``'s vectors and apply the course's rule against every yardstick available.

    Args:
        source: a trained model or its vectors: ``nn.Embedding``; ``labs.text.WordVectors`` or a
            training result holding them; ``labs.graph.NodeVectors``; a course autoencoder or VAE
            (or its result) with ``inputs``; any ``nn.Module`` with ``inputs`` (its output) or
            with ``layer`` and ``inputs`` (that layer's output); a ``labs.transformer.Encoding`` with
            ``layer="cls"`` or ``"mean"``; an object with a table attribute named by ``layer``
            (e.g. ``MFResult``, ``layer="item_factors"``); or vectors, ``(n, d)`` or a list of
            equal-length vectors, with ``input_dim`` or with the ``inputs`` they came from.
        inputs: a batch of the model's inputs; their rank, PCA-99 % dimension and TwoNN
            intrinsic dimension are measured (the ``data`` yardstick), and a VAE's rate.
        layer: which layer, table or pooling of ``source`` to classify.
        input_dim: numbers per input, for plain vectors (overrides what is measured).
        input_description: words for the input column of the tables (e.g. "8x8 image").
        name: label for tables and figures.
        learned: false for vectors no objective trained (a random projection, an untrained
            layer): smaller than the input, they still are not latent vectors.
        notes: extra remarks to carry into the verdict (a contested point, with its evidence).
        relation: for a lookup table, ``(rows, columns)`` of the matrix it was trained to
            reproduce (ids × pixels of a class-mean image, items × users of the ratings, words ×
            context words): the ``relation`` yardstick. The function cannot know it; say it.
        vocabulary: for a sentence encoding, the tokenizer's vocabulary size (each token id
            is counted by its one-hot code; see :func:`word_pieces`).

    Returns:
        :class:`Verdict`. Raises :class:`TaxonomyError` when the input dimension cannot be
        measured or the vectors are not one fixed size.
    """
    if isinstance(source, Encoding):
        found_in = _sequence(source, layer, vocabulary)
    else:
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
    input_rank = input_effective = intrinsic = rate = None
    if input_matrix is not None and len(input_matrix) > 2:
        with repro.one_thread():
            input_rank = matrix_rank(torch.as_tensor(input_matrix))
        input_effective = effective_dimension(input_matrix, SHARE)
        intrinsic = intrinsic_dimension(input_matrix, method="twonn").dimension
        rate = _rate(source, input_matrix)
    if relation is not None:
        if (not isinstance(relation, tuple) or len(relation) != 2
                or not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x > 0
                           for x in relation)):
            raise TaxonomyError(f"relation must be (rows, columns), two positive integers, got {relation!r}")
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
    if intrinsic is not None and output_dim < intrinsic:
        found.append(f"narrower than the inputs' intrinsic dimension (TwoNN {intrinsic:.0f}): "
                     "it must lose information")
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
        input_effective_dim=input_effective,
        input_intrinsic_dim=intrinsic,
        relation=None if relation is None else (int(relation[0]), int(relation[1])),
        rate=rate,
        n_inputs=None if rate is None else len(input_matrix),
    )


@torch.no_grad()
def _rate(source, inputs: np.ndarray) -> float | None:
    """A VAE's rate on ``inputs``: the mean KL of its code distribution to N(0, I), in nats."""
    model = source.model if isinstance(source, AutoencoderResult) else source
    if not isinstance(model, VAE):
        return None
    was_training = model.training
    model.eval()
    try:
        with repro.one_thread():
            mean, log_var = model.encode_distribution(torch.as_tensor(inputs, dtype=torch.float32))
    finally:
        model.train(was_training)
    kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)
    return float(kl.mean())


def from_sizes(name: str, input_dim: int, output_dim: int, *, input_description: str = "",
               learned: bool = True, notes: tuple[str, ...] = (),
               relation: tuple[int, int] | None = None) -> Verdict:
    """The rule applied by sizes alone, to a configuration that is not trained here.

    For the ViT presets of chapter 6 and for tables of the same family as one it measured
    (GloVe, a wider Word2Vec): the ``numbers`` yardstick, and ``relation`` if given.
    Used in: chapter 6.
    """
    for what, value in (("input_dim", input_dim), ("output_dim", output_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise TaxonomyError(f"{what} must be a positive integer, got {value!r}")
    return Verdict(name=name, input_dim=float(input_dim), output_dim=int(output_dim), n_vectors=0,
                   rank=None, effective_dim=None, learned=learned,
                   input_description=input_description, notes=tuple(notes),
                   relation=None if relation is None else (int(relation[0]), int(relation[1])))


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


def yardstick_table(verdicts):
    """A pandas ``DataFrame``: each :class:`Verdict` against every yardstick (:meth:`Verdict.by_yardstick`).

    Numbered from 1 like :func:`summary_table`; "–" where a yardstick does not apply. The last
    column says whether the yardsticks that apply disagree. Used in: chapters 4 and 6.
    """
    from labs.data import require

    pd = require("pandas")
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("no verdicts to tabulate: pass at least one labs.taxonomy.Verdict")
    return pd.DataFrame([v.yardstick_row() for v in verdicts],
                        index=pd.RangeIndex(1, len(verdicts) + 1, name="#"))


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


def _marker(ax, x, y, number: int, latent: bool, size: float = 16) -> None:
    """A numbered marker: a filled disc for a latent vector, an open square for an embedding vector."""
    from labs.viz import PALETTE

    colour = PALETTE[5] if latent else PALETTE[0]
    ax.plot(x, y, "o" if latent else "s", markersize=size, color=colour,
            markerfacecolor=colour if latent else "white", markeredgewidth=1.5, zorder=3)
    ax.text(x, y, str(number), ha="center", va="center", fontsize=9, zorder=4,
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
        _, ax = plt.subplots(figsize=(8.5, 5.6) if verdicts and key else (6, 6))
    ax.add_patch(Circle((0, 0), 2.0, facecolor=PALETTE[4], alpha=0.18, edgecolor=PALETTE[0], linewidth=1.5))
    ax.add_patch(Circle((0, 0), 1.0, facecolor=PALETTE[1], alpha=0.25, edgecolor=PALETTE[5], linewidth=1.5))
    ax.text(0, 1.9, "embedding vectors", ha="center", va="top", fontsize=13, color=PALETTE[0], weight="bold")
    ax.text(0, 0.93, "latent vectors", ha="center", va="top", fontsize=12, color=PALETTE[5], weight="bold")
    numbered = list(enumerate(verdicts, 1))
    size = 17 if len(verdicts) <= 10 else 15
    placed: list[tuple[float, float]] = []
    gap = 0.02 * size  # centre-to-centre distance at which two markers no longer touch
    for latent, offset in ((True, 0.0), (False, 0.5)):
        members = [(i, v) for i, v in numbered if v.is_latent == latent]
        for j, (number, verdict) in enumerate(members):
            # spread evenly round the circle, leaving the top free for the set's label
            angle = math.pi / 2 + 0.8 + (2 * math.pi - 1.6) * (j + offset) / max(len(members) - 1 + 2 * offset, 1)
            if len(members) == 1:
                angle = -math.pi / 2
            r = venn_radius(verdict)
            # a marker that would touch one already drawn, or a set's label, moves a little round
            # its circle, then further from the centre, until it is free
            for step in range(84):
                turn = (step % 7 + 1) // 2 * (1 if step % 2 else -1) * 0.12
                radius = r + 0.08 * (step // 7) * (1 if latent else 1.5)
                x, y = radius * math.cos(angle + turn), radius * math.sin(angle + turn)
                on_label = (abs(x) < 0.85 and 0.68 < y < 1.05) or (abs(x) < 1.25 and y > 1.6)
                if not on_label and all(math.hypot(x - px, y - py) >= gap for px, py in placed):
                    break
            placed.append((x, y))
            _marker(ax, x, y, number, latent, size=size)
    if verdicts and key:
        lines = [f"{number:>2}  {v.name}" for number, v in numbered]
        ax.text(2.25, 0, "\n".join(lines), ha="left", va="center", fontsize=10 if len(lines) <= 24 else 8,
                family="monospace")
    width = max((len(v.name) for v in verdicts), default=0) * 0.105 + 0.6
    ax.set_xlim(-2.1, 2.1 + (max(width, 2.0) if verdicts and key else 0))
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
    ax.text(high / 2, high / 1.4, "output = input", ha="right", fontsize=10)
    placed: list[tuple[float, float]] = []
    near = 0.045 * math.log10(high / low)  # about a marker's width, in decades of this plot
    for number, verdict in enumerate(verdicts, 1):
        x0, y0 = verdict.input_dim, float(verdict.output_dim)
        # a marker that would touch one already drawn moves at most two widths sideways
        for shift in (0, 1, -1, 2, -2):
            x, y = x0 * 10 ** (near * shift), y0
            if not any(abs(math.log10(px / x)) < near and abs(math.log10(py / y)) < near
                       for px, py in placed):
                break
        placed.append((x, y))
        _marker(ax, x, y, number, verdict.is_latent, size=15)
    ax.plot([], [], "o", color=PALETTE[5], label=LATENT)
    ax.plot([], [], "s", color=PALETTE[0], markerfacecolor="white", label=f"{EMBEDDING} only")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, max(high, max(px for px, _ in placed) * 10 ** near))
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel("input dimension (numbers per input)")
    ax.set_ylabel("output dimension (numbers per vector)")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax
