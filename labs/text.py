"""Word embeddings: corpora, word vectors and their evaluation, Word2Vec and GloVe.

Used in: chapter 1 (the embedding as a process: train Word2Vec and GloVe), chapter 2 (the
embedding vector as the result: similarity, neighbours, analogies), chapter 5.1 (NLP) and
chapter 6. The pretrained Transformer is in :mod:`labs.transformer`; sentence and document
vectors (averaging, TF-IDF, the Lee benchmark) are in :mod:`labs.documents`.

Every embedding here ends as a :class:`WordVectors`: a list of words and a float tensor with one
row per word. Word2Vec (:func:`train_word2vec`), GloVe (:func:`train_glove`) and the input
token-embedding table of all-MiniLM-L6-v2 (``labs.transformer.TransformerEncoder.token_table``)
all convert to it, so :meth:`WordVectors.nearest`, :meth:`WordVectors.analogy`, :func:`evaluate_similarity` and
:func:`evaluate_analogies` work on any of them.

A corpus is any *re-iterable* of token lists: a list of lists, or a :class:`TokenFile` that
streams them from a text file on disk, so the same call scales to a corpus that does not fit in
memory.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from labs import cache, data, metrics, repro, similarity

MAX_SENTENCE = 10_000  # gensim silently truncates longer sentences; we cut them into pieces


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


def _too_rare(counts: Counter, min_count: int) -> ValueError:
    """The error for a corpus none of whose words reaches ``min_count`` (GloVe and Word2Vec)."""
    if not counts:
        return ValueError("the corpus holds no tokens (every document is empty): pass documents with words")
    (word, top), = counts.most_common(1)
    return ValueError(
        f"no word occurs {min_count} times or more in the corpus (min_count={min_count}): it "
        f"has {sum(counts.values()):,} tokens and its most frequent word, {word!r}, occurs "
        f"{top:,} time(s); lower min_count to {top} or less, or train on a larger corpus"
    )


def build_vocabulary(corpus, min_count: int = 5) -> list[str]:
    """Words seen at least ``min_count`` times, most frequent first (ties alphabetically)."""
    counts = Counter(token for tokens in corpus for token in tokens)
    kept = [(word, n) for word, n in counts.items() if n >= min_count]
    if not kept:
        raise _too_rare(counts, min_count)
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
        # A NaN row would make every similarity with it NaN, and nearest() would rank it anywhere.
        metrics.check_finite_rows(
            vectors, "vectors", labels=words,
            fix="drop those words (keep the others with .restrict) or retrain: non-finite "
                "vectors usually mean training diverged (lower the learning rate)",
        )
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

        A query word is left out of its own neighbours; ``exclude`` leaves out more. ``k`` is from
        1 to the vocabulary size; when the left-out words leave fewer, all the others are returned.
        """
        k = metrics.check_k(k, len(self), f"the number of words of {self.name}")
        unwanted = {query} if isinstance(query, str) else set()
        unwanted = {word for word in unwanted | set(exclude) if word in self._index}
        scores = self._unit @ F.normalize(self._query(query), dim=0)
        for word in unwanted:
            scores[self._index[word]] = -float("inf")
        top = similarity.top_k(scores, min(k, len(self) - len(unwanted)))
        return [(self.words[i], round(float(scores[i]), 6)) for i in top]

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


def evaluate_similarity(vectors: WordVectors, benchmark="wordsim353", *,
                        covered_by: Sequence[WordVectors] = ()) -> SimilarityScore:
    """Spearman correlation with human judgements of word similarity.

    ``benchmark`` is ``"wordsim353"``, ``"simlex999"`` or a :class:`labs.data.WordPairs` (such
    as one half of :meth:`~labs.data.WordPairs.split`). Pairs with a word ``vectors`` does not
    know are skipped; with ``covered_by``, so are pairs that any of those other vectors does not
    know, so that two models are compared on the same pairs. Gives the same number as gensim's
    ``KeyedVectors.evaluate_word_pairs``.
    """
    from scipy.stats import spearmanr

    pairs = benchmark if isinstance(benchmark, data.WordPairs) else data.load_word_pairs(benchmark)
    known = [vectors, *covered_by]
    model, human = [], []
    for (first, second), score in zip(pairs.pairs, pairs.scores):
        if all(first in v and second in v for v in known):
            model.append(vectors.similarity(first, second))
            human.append(score)
    if len(model) < 2:
        also = " that the other vectors also cover" if covered_by else ""
        raise ValueError(f"{vectors.name} covers fewer than 2 pairs of {pairs.name}{also}; "
                         "nothing to correlate")
    return SimilarityScore(pairs.name, float(spearmanr(model, human).statistic), len(model),
                           len(pairs))


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

    The score is cached (``labs.cache``, keyed by the words, the vectors, the questions and
    ``batch_size``): thousands of searches over the whole vocabulary take seconds, and
    notebooks score the same vectors every run.
    """
    questions = load_analogy_questions() if questions is None else [tuple(q) for q in questions]

    def build() -> dict:
        score = _evaluate_analogies(vectors, questions, batch_size)
        return {"correct": score.correct, "answered": score.answered, "total": score.total,
                "sections": [[name, *counts] for name, counts in score.sections.items()]}

    # One string per list: fingerprinting 19,544 tuples one by one would cost more than it saves.
    questions_text = "\n".join("\t".join(map(str, q)) for q in questions)
    entry = cache.cached("analogies", {"batch_size": batch_size}, build,
                         data=cache.fingerprint("\n".join(vectors.words), vectors.vectors,
                                                questions_text))
    p = entry.payload
    return AnalogyScore(int(p["correct"]), int(p["answered"]), int(p["total"]),
                        {name: (int(c), int(n)) for name, c, n in p["sections"]})


@torch.no_grad()
def _evaluate_analogies(vectors: WordVectors, questions: list[tuple],
                        batch_size: int) -> AnalogyScore:
    """:func:`evaluate_analogies` without the cache."""
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
    """Word2Vec settings: the defaults are chapter 1's, chosen on WordSim-353's dev half.

    ``benchmarks/select_word2vec.py`` scored a declared grid (CBOW or skip-gram, windows 2, 5, 8,
    10 or 25 epochs) by its mean dev-half Spearman over three seeds, among the settings that
    train no slower than these did before the selection; these won. ``sg=False`` is CBOW (predict a word from its neighbours), ``sg=True`` skip-gram (predict the
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
        repro.check_positive(self, "vector_size", "window", "min_count", "epochs")


@dataclass(frozen=True)
class TrainedVectors:
    """What the word-vector trainers return (:func:`train_word2vec`, ``labs.counts``' two)."""

    vectors: WordVectors
    config: object  # the trainer's config dataclass
    seconds: float  # training time when the entry was built (not when loaded from the cache)
    tokens: int  # corpus tokens read per epoch
    from_cache: bool
    history: list = field(default_factory=list)  # mean loss per epoch (GloVe; gensim reports none)


def _trained(entry: cache.Cached, name: str, config) -> TrainedVectors:
    payload = entry.payload
    return TrainedVectors(
        vectors=WordVectors(payload["words"], payload["vectors"], name),
        config=config, seconds=payload["seconds"], tokens=payload["tokens"],
        from_cache=entry.from_cache, history=list(payload.get("losses", [])),
    )


def train_word2vec(corpus, config: Word2VecConfig | None = None, *, seed: int = 0,
                   device: str = "auto", use_cache: bool = True) -> TrainedVectors:
    """Train gensim's Word2Vec on ``corpus`` (re-iterable token lists) with one worker; cached.

    The result is keyed by the config, the seed and a fingerprint of the corpus; a second call
    loads it. ``use_cache=False`` always trains (for timing). ``device`` is accepted for the
    course's one calling convention; gensim trains on the CPU.
    """
    config = config or Word2VecConfig()
    check_corpus(corpus)

    def build() -> dict:
        from gensim.models import Word2Vec  # imported only to train: loading needs no gensim

        pieces = _Pieces(corpus)
        model = Word2Vec(vector_size=config.vector_size, window=config.window,
                         min_count=config.min_count, sg=int(config.sg), negative=config.negative,
                         sample=config.sample, alpha=config.alpha, workers=1, seed=seed)
        model.build_vocab(pieces)
        if not model.wv.index_to_key:  # else gensim's train() says only "build vocabulary first"
            raise _too_rare(Counter(token for tokens in pieces for token in tokens), config.min_count)
        start = time.perf_counter()
        model.train(pieces, total_examples=model.corpus_count, epochs=config.epochs)
        seconds = time.perf_counter() - start
        return {"words": list(model.wv.index_to_key), "vectors": torch.from_numpy(model.wv.vectors.copy()),
                "seconds": seconds, "tokens": int(model.corpus_total_words)}

    entry = cache.train_or_load("word2vec", config, build, seed=seed, settings={"workers": 1},
                                data=corpus_fingerprint(corpus), use_cache=use_cache)
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
