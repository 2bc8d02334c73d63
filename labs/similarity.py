"""Similarity search: cosine similarities and nearest neighbours, for any embedding vectors.

Used in: chapters 5.1 (semantic search over sentences and documents), 5.2 (image retrieval by
CNN features), 5.3 (similar items) and 6; chapters 1 and 2 use it through
``text.WordVectors.nearest``.

One rule everywhere: vectors are compared by the cosine of their angle, and the ``k`` best are
returned best first, ties to the lower index (:func:`top_k`).

| function | what |
|---|---|
| :func:`cosine_similarities` | every query against every document: ``(n_queries, n_documents)`` |
| :func:`semantic_search` | the ``k`` documents nearest each query, as :class:`SearchHit` lists |
| :func:`nearest` | the ``k`` rows nearest one row of a table (itself excluded) |
| :func:`neighbour_table` | the ``k`` nearest other rows of every row |
| :func:`retrieval_precision` | the share of those neighbours that carry the row's label |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from labs import metrics, repro


def top_k(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` largest ``scores`` along the last axis, best first, ties to the lower index."""
    return torch.sort(scores, dim=-1, descending=True, stable=True).indices[..., :k]


def check_search_vectors(vectors, name: str) -> torch.Tensor:
    """Non-empty, finite, non-zero ``(n, dim)`` float32 vectors (one ``(dim,)`` vector becomes a row)."""
    if hasattr(vectors, "toarray"):  # a SciPy sparse matrix, e.g. scikit-learn's TF-IDF output
        vectors = vectors.toarray()
    matrix = vectors if torch.is_tensor(vectors) else torch.as_tensor(np.asarray(vectors, dtype=np.float64))
    matrix = matrix.detach().float().cpu()
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (n, dim) array of vectors, got shape {tuple(matrix.shape)}")
    metrics.check_finite_rows(matrix, name)
    zero = (matrix.norm(dim=1) == 0).nonzero().flatten().tolist()
    if zero:
        raise ValueError(
            f"{name} row(s) {zero[:5]} are the zero vector, whose cosine similarity is undefined "
            "(with TF-IDF: none of the text's words is in the fitted vocabulary); drop them or "
            "encode them with another embedding"
        )
    return matrix


def cosine_similarities(queries, documents) -> torch.Tensor:
    """Cosine similarity of every query vector with every document vector.

    Args:
        queries: ``(n_queries, dim)`` (or one ``(dim,)`` vector).
        documents: ``(n_documents, dim)``, from the same embedding as the queries.

    Returns:
        A ``(n_queries, n_documents)`` tensor of values from -1 to 1.

    Used in: chapter 5.1.
    """
    queries, documents = check_search_vectors(queries, "queries"), check_search_vectors(documents, "documents")
    if queries.shape[1] != documents.shape[1]:
        raise ValueError(
            f"queries are {queries.shape[1]}-d but documents are {documents.shape[1]}-d: encode "
            "both with the same embedding (vectors of two different embeddings cannot be compared)"
        )
    return F.normalize(queries, dim=1) @ F.normalize(documents, dim=1).T


@dataclass(frozen=True)
class SearchHit:
    """One result of :func:`semantic_search`: a document's position and its cosine similarity."""

    index: int
    score: float


def semantic_search(queries, documents, k: int = 3) -> list[list[SearchHit]]:
    """The ``k`` documents most cosine-similar to each query, best first (ties: lower index first).

    ``queries`` and ``documents`` are vectors of the same embedding (see
    :func:`cosine_similarities`); returns one list of :class:`SearchHit` per query.

    Used in: chapter 5.1.
    """
    scores = cosine_similarities(queries, documents)
    k = metrics.check_k(k, scores.shape[1], "the number of documents")
    order = top_k(scores, k)
    return [[SearchHit(int(i), round(float(row[i]), 6)) for i in ids] for row, ids in zip(scores, order)]


def _unit_rows(features) -> torch.Tensor:
    """``(n, ...)`` features as float64 rows of length 1 (feature maps are flattened)."""
    X = torch.as_tensor(np.asarray(features), dtype=torch.float64).flatten(start_dim=1)
    return F.normalize(X, dim=1)


def nearest(vectors, query: int, k: int = 5, *, noun: str = "row") -> np.ndarray:
    """Indices of the ``k`` rows most cosine-similar to ``vectors[query]``, itself excluded.

    ``vectors`` is ``(n, ...)`` (feature maps are flattened); ``noun`` names a row in the error
    messages (``"item"``, ``"image"``). Used in: chapters 5.2 and 5.3.
    """
    n = len(vectors)
    if not 0 <= query < n:
        raise ValueError(f"unknown {noun} {query}: there are {noun}s 0 to {n - 1}")
    k = metrics.check_k(k, n - 1, f"the other {noun}s: {n} less the {noun} itself")
    unit = _unit_rows(vectors)
    similarity = unit @ unit[query]
    similarity[query] = -torch.inf
    return top_k(similarity, k).numpy()


def neighbour_table(features, k: int = 5) -> np.ndarray:
    """For every row of ``features`` ``(n, ...)``, the indices of its ``k`` most cosine-similar
    other rows, most similar first: an ``(n, k)`` array. Used in: chapter 5.2."""
    k = metrics.check_k(k, len(features) - 1, f"the other vectors: {len(features)} less the one itself")
    with repro.one_thread():
        unit = _unit_rows(features)
        similarity = unit @ unit.T
        similarity.fill_diagonal_(-torch.inf)
        return top_k(similarity, k).numpy()


def retrieval_precision(features, labels, k: int = 5) -> float:
    """Leave-one-out nearest-neighbour retrieval: the share of each item's ``k`` nearest others
    (cosine similarity) that carry its label, averaged over all items.

    ``features`` is ``(n, ...)`` (feature maps are flattened), ``labels`` is ``(n,)``.
    Used in: chapters 5.2 and 6.
    """
    labels = np.asarray(labels)
    if len(labels) != len(features):
        raise ValueError(f"need one label per vector, got {len(labels)} labels for {len(features)} vectors")
    return float((labels[neighbour_table(features, k)] == labels[:, None]).mean())
