"""Word vectors from co-occurrence counts: GloVe, and PPMI factorised by an SVD.

Used in: chapters 1 and 6.

Both start from the same windowed co-occurrence counts (:func:`cooccurrence_counts`). GloVe fits
their logarithms by weighted least squares (:func:`train_glove`); PPMI-SVD takes their positive
pointwise mutual information and keeps its leading singular directions (:func:`train_ppmi_svd`),
the count-based baseline that prediction-based Word2Vec (``labs.text``) is measured against.
Both return :class:`labs.text.TrainedVectors`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import torch

from labs import cache, repro
from labs.text import (TrainedVectors, _trained, build_vocabulary, check_corpus,
                       corpus_fingerprint)


# --------------------------------------------------------------------------------------------
# GloVe (count-based)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GloveConfig:
    """GloVe settings; ``x_max=10`` is the GloVe authors' choice for small corpora (text8).

    ``epochs=3`` gives GloVe the training budget of Word2Vec's default settings on the course
    corpus: 3 passes over its 2.75 million co-occurring pairs took 8.5 s of CPU time on the
    reference machine, Word2Vec's 25 passes over the text 9.4 s. :func:`glove_step` has since
    become faster to the same bits: in interleaved runs on a busy 2-core machine, the 3 passes
    (``train_glove``) took about two thirds of the CPU time they took before, and half to two
    thirds of Word2Vec's, so GloVe now trains on less than Word2Vec's budget (the epochs were
    kept, and with them the chapter's numbers). The loss is still falling there; the solutions
    of chapter 1 train it on with :func:`glove_learning_curve`.
    """

    vector_size: int = 100
    window: int = 10
    min_count: int = 5
    x_max: float = 10.0
    power: float = 0.75
    epochs: int = 3
    learning_rate: float = 0.2
    batch_size: int = 65536

    def __post_init__(self):
        repro.check_positive(self, "vector_size", "window", "min_count", "epochs", "batch_size")


def cooccurrence_counts(corpus, vocabulary: Sequence[str], window: int = 10):
    """Symmetric co-occurrence counts within ``window`` words, each weighted by 1/distance.

    Words outside ``vocabulary`` are dropped first (as GloVe does). Returns a SciPy COO matrix of
    shape ``(len(vocabulary), len(vocabulary))``.
    """
    import scipy.sparse as sp

    index = {word: i for i, word in enumerate(vocabulary)}
    size = len(vocabulary)
    total = sp.csr_matrix((size, size), dtype=np.float64)
    rows, cols, weights, pending = [], [], [], 0
    for tokens in corpus:
        ids = np.fromiter((index.get(t, -1) for t in tokens), dtype=np.int64)
        ids = ids[ids >= 0]
        for distance in range(1, window + 1):
            left, right = ids[:-distance], ids[distance:]
            rows += [left, right]
            cols += [right, left]
            weights += [np.full(2 * len(left), 1.0 / distance)]
            pending += 2 * len(left)
        if pending > 20_000_000:  # fold into the total to bound memory on a large corpus
            total = total + sp.csr_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size))
            rows, cols, weights, pending = [], [], [], 0
    if pending:
        total = total + sp.csr_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size))
    return total.tocoo()


def cached_cooccurrences(corpus, vocabulary: Sequence[str], window: int = 10):
    """:func:`cooccurrence_counts` through ``labs.cache``: counted once per corpus, vocabulary
    and window, then loaded (GloVe's seeds and PPMI-SVD all start from the same counts).

    Returns the same SciPy COO matrix, entries in the same order.
    """
    import scipy.sparse as sp

    def build() -> dict:
        counts = cooccurrence_counts(corpus, vocabulary, window)
        return {"row": torch.from_numpy(counts.row.astype(np.int64)),
                "col": torch.from_numpy(counts.col.astype(np.int64)),
                "data": torch.from_numpy(counts.data)}

    key = {"window": window, "vocabulary": cache.fingerprint(list(vocabulary))}
    payload = cache.cached("cooccurrence", key, build, data=corpus_fingerprint(corpus)).payload
    size = len(vocabulary)
    return sp.coo_matrix((payload["data"].numpy(), (payload["row"].numpy(),
                                                    payload["col"].numpy())), shape=(size, size))


def glove_loss(w: torch.Tensor, c: torch.Tensor, bw: torch.Tensor, bc: torch.Tensor,
               log_x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """GloVe's weighted least squares, summed over a batch of co-occurring pairs (i, j).

    ``w``, ``c`` (B, d): word and context vectors; ``bw``, ``bc`` (B,): their biases;
    ``log_x`` (B,): log co-occurrence counts; ``weight`` (B,): f(x) = min(1, x/x_max)^power.
    """
    return (weight * ((w * c).sum(-1) + bw + bc - log_x) ** 2).sum()


@torch.no_grad()
def glove_step(parameters, squares, i, j, log_x, weight, learning_rate: float,
               chunk: int = 4096) -> float:
    """One AdaGrad step on :func:`glove_loss` for pairs ``(i, j)``, with the gradient by hand.

    ``parameters`` = ``[w, c, bw, bc]`` (updated in place), ``squares`` their AdaGrad sums of
    squared gradients. Equal to autograd on :func:`glove_loss` followed by ``torch.optim.Adagrad``
    (a test checks it) in about half the CPU time. The pairs go through ``chunk`` at a time, so
    that their gathered vectors stay in the CPU's cache; each row's gradient is still summed in
    pair order, so the result is the same to the bit whatever ``chunk`` is (a test checks it
    against the whole batch at once). Returns the batch loss.
    """
    w, c, bw, bc = parameters
    grads = [torch.zeros_like(p) for p in parameters]
    residual = torch.empty_like(log_x)  # (B,)
    for start in range(0, len(i), chunk):
        part = slice(start, start + chunk)
        ik, jk = i[part], j[part]
        wi, cj = w.index_select(0, ik), c.index_select(0, jk)  # (chunk, d) each
        residual[part] = torch.einsum("bd,bd->b", wi, cj) + bw[ik] + bc[jk] - log_x[part]
        r = 2 * weight[part] * residual[part]  # d loss / d prediction
        grads[0].index_add_(0, ik, cj.mul_(r[:, None]))
        grads[1].index_add_(0, jk, wi.mul_(r[:, None]))
        grads[2].index_add_(0, ik, r)
        grads[3].index_add_(0, jk, r)
    loss = float((weight * residual**2).sum())
    for p, g, s in zip(parameters, grads, squares):
        s.addcmul_(g, g)
        p.addcdiv_(g, s.sqrt().add_(1e-10), value=-learning_rate)
    return loss


def _glove_epochs(corpus, config: GloveConfig, seed: int):
    """GloVe's training loop: yields ``(vocabulary, parameters, mean loss)`` after each epoch.

    The one loop behind :func:`train_glove` and :func:`glove_learning_curve`. The parameters
    ``[w, c, bw, bc]`` are updated in place; a word's vector is ``w + c``.
    """
    generator = torch.Generator().manual_seed(seed)
    vocabulary = build_vocabulary(corpus, config.min_count)
    counts = cached_cooccurrences(corpus, vocabulary, config.window)
    i = torch.from_numpy(counts.row.astype(np.int64))
    j = torch.from_numpy(counts.col.astype(np.int64))
    x = torch.from_numpy(counts.data.astype(np.float32))
    log_x, weight = x.log(), (x / config.x_max).clamp(max=1.0) ** config.power
    n, d = len(vocabulary), config.vector_size
    w = (torch.rand(n, d, generator=generator) - 0.5) / d
    c = (torch.rand(n, d, generator=generator) - 0.5) / d
    bw, bc = torch.zeros(n), torch.zeros(n)
    parameters = [w, c, bw, bc]
    squares = [torch.zeros_like(p) for p in parameters]  # AdaGrad's running sums
    with repro.one_thread():
        for _ in repro.progress(range(config.epochs), desc="GloVe epochs"):
            order, total = torch.randperm(len(x), generator=generator), 0.0
            for batch in order.split(config.batch_size):
                pairs = [a.index_select(0, batch) for a in (i, j, log_x, weight)]
                total += glove_step(parameters, squares, *pairs, config.learning_rate)
            yield vocabulary, parameters, total / len(x)


def train_glove(corpus, config: GloveConfig | None = None, *, seed: int = 0,
                device: str = "auto", use_cache: bool = True) -> TrainedVectors:
    """Fit GloVe with torch (AdaGrad on mini-batches of co-occurring pairs); cached.

    The vector of a word is the sum of its word and context vectors, as in the GloVe paper.
    ``device`` is accepted for the course's one calling convention; GloVe trains on the CPU
    (one thread), where its numbers were measured.
    """
    config = config or GloveConfig()
    check_corpus(corpus)

    def build() -> dict:
        start = time.perf_counter()
        losses = []
        for vocabulary, (w, c, _, _), loss in _glove_epochs(corpus, config, seed):
            losses.append(loss)
        return {"words": vocabulary, "vectors": w + c, "seconds": time.perf_counter() - start,
                "tokens": sum(len(t) for t in corpus), "losses": losses}

    entry = cache.train_or_load("glove", config, build, seed=seed, data=corpus_fingerprint(corpus),
                                use_cache=use_cache)
    return _trained(entry, "GloVe", config)


@dataclass(frozen=True)
class LearningCurve:
    """GloVe's mean loss and benchmark scores after each epoch (:func:`glove_learning_curve`)."""

    epochs: list[int]
    loss: list[float]
    scores: dict  # benchmark name -> Spearman after each epoch
    config: GloveConfig
    from_cache: bool

    def best_epoch(self, benchmark: str) -> int:
        """The epoch with the highest score on ``benchmark`` (the first, if tied)."""
        if benchmark not in self.scores:
            raise KeyError(f"no scores for {benchmark!r}; this curve has {sorted(self.scores)}")
        values = self.scores[benchmark]
        return self.epochs[values.index(max(values))]


def glove_learning_curve(corpus, benchmarks: Sequence, config: GloveConfig | None = None, *,
                         seed: int = 0) -> LearningCurve:
    """Train GloVe for ``config.epochs`` and score it on each benchmark after every epoch; cached.

    ``benchmarks`` are names or :class:`labs.data.WordPairs` (such as the dev and test halves
    of WordSim-353), scored by :func:`labs.text.evaluate_similarity`. With the dev half, the
    curve says when GloVe has converged as far as the benchmark can tell: choose the epochs on
    the dev half and read the test half at that epoch.

    Used in: chapter 1 (its solutions).
    """
    from labs import data
    from labs.text import WordVectors, evaluate_similarity

    config = config or GloveConfig()
    check_corpus(corpus)
    pairs = [b if isinstance(b, data.WordPairs) else data.load_word_pairs(b) for b in benchmarks]
    if not pairs:
        raise ValueError("benchmarks is empty: pass at least one, e.g. ['wordsim353']")
    names = [p.name for p in pairs]
    if len(set(names)) != len(names):
        raise ValueError(f"benchmark names must differ, got {names}")

    def build() -> dict:
        losses, scores = [], {name: [] for name in names}
        for vocabulary, (w, c, _, _), loss in _glove_epochs(corpus, config, seed):
            losses.append(loss)
            vectors = WordVectors(vocabulary, w + c, "GloVe")
            for name, benchmark in zip(names, pairs):
                scores[name].append(evaluate_similarity(vectors, benchmark).spearman)
        return {"loss": losses, "scores": scores}

    key = {**asdict(config), "seed": seed,
           "benchmarks": [[p.name, [list(x) for x in p.pairs], p.scores.tolist()] for p in pairs]}
    entry = cache.cached("glove_curve", key, build, data=corpus_fingerprint(corpus))
    payload = entry.payload
    return LearningCurve(list(range(1, config.epochs + 1)), list(payload["loss"]),
                         dict(payload["scores"]), config, entry.from_cache)


@dataclass(frozen=True)
class PPMIConfig:
    """Count-based word vectors: positive PMI of windowed co-occurrences, then truncated SVD.

    ``context_power`` smooths the context distribution and ``eigen_power`` weights the singular
    values, the two settings Levy, Goldberg and Dagan (2015) found to matter most.
    """

    vector_size: int = 100
    window: int = 10
    min_count: int = 5
    context_power: float = 0.75
    eigen_power: float = 0.5

    def __post_init__(self):
        repro.check_positive(self, "vector_size", "window", "min_count", "context_power")
        if not 0 <= self.eigen_power <= 1:
            raise ValueError(f"eigen_power must be between 0 and 1, got {self.eigen_power}")


def ppmi_matrix(counts, context_power: float = 0.75):
    """Positive pointwise mutual information of a co-occurrence matrix, as SciPy CSR.

    PMI(w, c) = log(#(w, c) · N / (#(w) · P_α(c) · N)) with the context distribution smoothed,
    P_α(c) ∝ #(c)^α; negative values become 0.
    """
    import scipy.sparse as sp

    counts = sp.coo_matrix(counts)
    total = counts.sum()
    if not total > 0:
        raise ValueError("the co-occurrence matrix is empty: no two vocabulary words are near "
                         "each other; use a larger corpus or window")
    words = np.asarray(counts.sum(axis=1)).ravel()
    contexts = np.asarray(counts.sum(axis=0)).ravel() ** context_power
    contexts = contexts / contexts.sum() * total
    pmi = np.log(counts.data * total / (words[counts.row] * contexts[counts.col]))
    keep = pmi > 0
    return sp.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])), shape=counts.shape)


def train_ppmi_svd(corpus, config: PPMIConfig | None = None, *, seed: int = 0,
                   device: str = "auto", use_cache: bool = True) -> TrainedVectors:
    """Word vectors by counting: PPMI of the co-occurrences GloVe fits, then an SVD; cached.

    The classic baseline of Levy and Goldberg (2014): skip-gram with negative sampling
    implicitly factorises a shifted PMI matrix, so an explicit factorisation of PPMI is the
    fair "counting" rival of a "predicting" model. ``seed`` starts the sparse SVD's iteration;
    ``device`` is accepted for the course's calling convention (SciPy runs on the CPU).

    Used in: chapter 1.
    """
    import scipy.sparse.linalg as sla

    config = config or PPMIConfig()
    check_corpus(corpus)

    def build() -> dict:
        vocabulary = build_vocabulary(corpus, config.min_count)
        if config.vector_size >= len(vocabulary):
            raise ValueError(f"vector_size must be smaller than the vocabulary ({len(vocabulary)} "
                             f"words), got {config.vector_size}; lower it or use a larger corpus")
        start = time.perf_counter()
        ppmi = ppmi_matrix(cached_cooccurrences(corpus, vocabulary, config.window),
                           config.context_power)
        start_vector = np.random.default_rng(seed).standard_normal(len(vocabulary))
        with repro.one_thread():
            u, s, _ = sla.svds(ppmi, k=config.vector_size, v0=start_vector)
        order = np.argsort(-s)  # svds returns the singular values in ascending order
        u, s = u[:, order], s[order]
        # An SVD fixes each column only up to its sign: make each column's largest entry
        # positive, so that the vectors do not depend on the solver's sign convention.
        u = u * np.sign(u[np.abs(u).argmax(axis=0), np.arange(u.shape[1])])
        vectors = u * s**config.eigen_power
        return {"words": vocabulary, "vectors": torch.from_numpy(vectors.astype(np.float32)),
                "seconds": time.perf_counter() - start, "tokens": sum(len(t) for t in corpus)}

    entry = cache.train_or_load("ppmi_svd", config, build, seed=seed,
                                data=corpus_fingerprint(corpus), use_cache=use_cache)
    return _trained(entry, "PPMI-SVD", config)
