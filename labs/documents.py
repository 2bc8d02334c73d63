"""Sentences and documents as vectors: averaged word vectors, TF-IDF, the Lee benchmark.

Used in: chapter 5.1 (NLP). Searching the vectors this module makes (cosine similarities,
semantic search) is :mod:`labs.similarity`'s job; word vectors come from :mod:`labs.text`, and
sentence vectors of a pretrained Transformer from :mod:`labs.transformer`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from labs import data, similarity
from labs.text import WordVectors


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
        :func:`labs.similarity.semantic_search` refuses, since its cosine similarity is undefined).
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
    vectors = similarity.check_search_vectors(vectors, "vectors")
    n = len(benchmark.texts)
    if vectors.shape[0] != n:
        raise ValueError(
            f"vectors has {vectors.shape[0]} rows but the benchmark has {n} documents: encode "
            "benchmark.texts, all of them, in order"
        )
    model = similarity.cosine_similarities(vectors, vectors).double().numpy()
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
