"""Measures for any set of vectors: reconstruction error, linear probes, and the PCA baseline.

Used in: chapter 3 (autoencoders against PCA, probes of latent vectors), chapters 4, 5.1, 5.2, 5.3 and 6
(the same probes and baselines on other embedding vectors).

Every function takes plain arrays (NumPy arrays or torch tensors, one row per example) and
checks them with :func:`check_vectors`, so that an empty set, a NaN or a mismatched shape gets an
error that names the problem instead of a confusing failure deep inside scikit-learn.

The probes' scores are cached (``labs.cache``, keyed by the vectors, the labels and every
setting): chapters 4, 5.1 and 6 probe the same sentence vectors, and a warm rerun of a chapter
should not refit hundreds of logistic regressions to print the same numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from labs import cache, repro


def check_vectors(X, name: str = "X", *, dim: int | None = None) -> np.ndarray:
    """Return ``X`` as a 2-D float array ``(n_examples, n_features)`` after checking it.

    Raises ``ValueError`` for an empty set, a non-2-D array, NaN or infinite values, or a width
    other than ``dim`` (when given).
    """
    if hasattr(X, "detach"):  # a torch tensor
        X = X.detach().cpu().numpy()
    X = np.asarray(X)
    if X.size == 0 or len(X) == 0:
        raise ValueError(f"{name} is empty: pass at least one example (one row per example)")
    if X.ndim != 2:
        raise ValueError(
            f"{name} has shape {X.shape}; expected (n_examples, n_features): flatten images "
            "first, e.g. X.reshape(len(X), -1)"
        )
    if not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{name} has dtype {X.dtype}; expected numbers")
    X = X.astype(np.float64 if X.dtype == np.float64 else np.float32, copy=False)
    check_finite_rows(X, name)
    if dim is not None and X.shape[1] != dim:
        raise ValueError(f"{name} has {X.shape[1]} features per example; expected {dim}")
    return X


def check_finite_rows(X, name: str = "X", *, labels=None,
                      fix: str = "drop or impute them first") -> None:
    """Raise ``ValueError`` if a row of the 2-D array or tensor ``X`` holds NaN or infinity.

    The message counts the bad rows and names the first: ``labels[row]`` when ``labels`` (one
    per row, e.g. the words of word vectors) is given, else its row number; ``fix`` ends it.
    """
    finite = np.isfinite(X.detach().cpu().numpy() if hasattr(X, "detach") else np.asarray(X))
    bad = ~finite.all(axis=1)
    if bad.any():
        first = int(np.argmax(bad))
        where = f"the first is {labels[first]!r}" if labels is not None else f"the first is row {first}"
        raise ValueError(
            f"{name} contains NaN or infinite values in {int(bad.sum())} row(s) ({where}); {fix}"
        )


def check_k(k, n: int, what: str) -> int:
    """Return ``k`` as an int after checking ``1 <= k <= n``; ``what`` says what ``n`` counts.

    One check for every "the k nearest / k components" argument, so that a negative, zero or
    too large ``k`` gets the same message everywhere instead of a bare torch or NumPy error.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and {n} ({what}), got {k!r}")
    return int(k)


def check_labels(y, n: int, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D integer array of length ``n`` after checking it."""
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{name} has shape {y.shape}; expected ({n},), one label per example")
    return y


def reconstruction_mse(original, reconstructed, *, per_example: bool = False):
    """Mean squared error between inputs and their reconstructions, averaged over every value.

    Args:
        original, reconstructed: arrays of the same shape ``(n_examples, n_features)``.
        per_example: if true, return one error per example (averaged over features) instead.

    Returns:
        A float, or a ``(n_examples,)`` array when ``per_example`` is true.
    """
    original = check_vectors(original, "original")
    reconstructed = check_vectors(reconstructed, "reconstructed")
    if original.shape != reconstructed.shape:
        raise ValueError(
            f"original has shape {original.shape} but reconstructed has {reconstructed.shape}; "
            "they must match"
        )
    errors = ((original.astype(np.float64) - reconstructed) ** 2).mean(axis=1)
    return errors if per_example else float(errors.mean())


def _probe(C: float, max_iter: int, standardize: bool, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    classifier = LogisticRegression(C=C, max_iter=max_iter, random_state=seed)
    return make_pipeline(StandardScaler(), classifier) if standardize else classifier


def _fit_quietly(model, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # lbfgs may stop at max_iter on raw, unscaled vectors; the accuracy is still what a
        # probe of that budget reaches, which is what we report. The warning is noise here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _cached_scores(name: str, settings: dict, arrays: tuple, compute) -> dict:
    """``compute()``'s dict of plain numbers, built once per ``arrays`` and ``settings``."""
    return cache.cached(name, settings, compute, data=cache.fingerprint(*arrays)).payload


def linear_probe_accuracy(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    C: float = 1.0,
    max_iter: int = 2000,
    standardize: bool = True,
    seed: int = 0,
) -> float:
    """Accuracy on held-out vectors of a logistic regression fitted on training vectors.

    A linear probe measures how much label information a set of vectors holds in a form a
    linear classifier can read. The vectors are standardised (fitted on the training set only)
    unless ``standardize`` is false.

    Args:
        X_train, X_test: ``(n, d)`` vectors (embedding vectors, latent vectors, raw pixels ...).
        y_train, y_test: ``(n,)`` integer labels.
        C: inverse L2 regularisation strength of the logistic regression.
        max_iter: iterations of the lbfgs solver.
        standardize: scale each feature to zero mean and unit variance first.
        seed: ``random_state`` of the classifier.

    Returns:
        The fraction of ``X_test`` classified correctly, in [0, 1].
    """
    X_train = check_vectors(X_train, "X_train")
    X_test = check_vectors(X_test, "X_test", dim=X_train.shape[1])
    y_train = check_labels(y_train, len(X_train), "y_train")
    y_test = check_labels(y_test, len(X_test), "y_test")
    if len(np.unique(y_train)) < 2:
        raise ValueError("y_train holds a single class; a probe needs at least two")

    def compute() -> dict:
        with repro.one_thread():
            model = _fit_quietly(_probe(C, max_iter, standardize, seed), X_train, y_train)
            return {"accuracy": float((model.predict(X_test) == y_test).mean())}

    settings = {"C": C, "max_iter": max_iter, "standardize": standardize, "seed": seed}
    return _cached_scores("probe", settings, (X_train, y_train, X_test, y_test),
                          compute)["accuracy"]


@dataclass(frozen=True)
class ProbeScores:
    """Cross-validated probe accuracy: the mean and standard deviation over the folds."""

    mean: float
    std: float
    folds: tuple[float, ...]


def cross_val_probe_accuracy(
    X,
    y,
    *,
    folds: int = 5,
    repeats: int = 1,
    C: float = 1.0,
    max_iter: int = 2000,
    standardize: bool = True,
    seed: int = 0,
) -> ProbeScores:
    """Linear-probe accuracy by stratified ``folds``-fold cross-validation, shuffled with ``seed``
    and repeated with ``repeats`` different shuffles (seeds ``seed``, ``seed + 1``, ...).

    Use it when there is no fixed train/test split, e.g. for a small set of sentence vectors; with
    200 sentences, ``repeats=5`` measures the spread over 25 folds instead of guessing it. The
    mean and standard deviation are over all ``folds * repeats`` fold scores.
    """
    X = check_vectors(X, "X")
    y = check_labels(y, len(X), "y")
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < folds:
        raise ValueError(
            f"the rarest class has {smallest} example(s), fewer than folds={folds}; "
            "lower folds or add examples"
        )

    def compute() -> dict:  # scikit-learn is imported only here: a cached score needs none
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        scores: list[float] = []
        with warnings.catch_warnings(), repro.one_thread():
            warnings.simplefilter("ignore", ConvergenceWarning)  # see _fit_quietly
            for repeat in range(repeats):
                splitter = StratifiedKFold(n_splits=folds, shuffle=True,
                                           random_state=seed + repeat)
                probe = _probe(C, max_iter, standardize, seed)
                scores += cross_val_score(probe, X, y, cv=splitter).tolist()
        return {"folds": scores}

    settings = {"folds": folds, "repeats": repeats, "C": C, "max_iter": max_iter,
                "standardize": standardize, "seed": seed}
    scores = _cached_scores("cv-probe", settings, (X, y), compute)["folds"]
    values = np.asarray(scores)
    return ProbeScores(float(values.mean()), float(values.std()), tuple(scores))


@dataclass(frozen=True)
class Spread:
    """A figure measured several times (over seeds): its mean and sample standard deviation.

    ``format(spread, ".3f")`` gives ``"0.956 ± 0.004"``: the format applies to both numbers,
    and a leading width (``">14.3f"``) to the whole text. Used in: chapter 3 through :func:`spread`.
    """

    mean: float
    std: float  # sample standard deviation (ddof=1); 0 for a single value
    values: tuple[float, ...]

    def __format__(self, spec: str) -> str:
        import re

        align, width, number = re.fullmatch(r"([<>^]?)(\d*)(.*)", spec).groups()
        text = f"{format(self.mean, number)} ± {format(self.std, number)}"
        return format(text, f"{align or '>'}{width}") if width else text


def spread(values) -> Spread:
    """:class:`Spread` of a non-empty sequence of finite numbers (e.g. one score per seed).

    Used in: chapter 3.
    """
    array = np.asarray(list(values), dtype=np.float64).ravel()
    if array.size == 0 or not np.isfinite(array).all():
        raise ValueError(f"spread needs at least one value, all finite, got {array.tolist()}")
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return Spread(float(array.mean()), std, tuple(array.tolist()))


@dataclass(frozen=True)
class PCAReconstruction:
    """PCA fitted on a training set and applied to a held-out set.

    ``codes_train``/``codes_test`` are the ``k``-d latent vectors, ``reconstruction`` the
    held-out set decoded back to the input space, ``mse`` its :func:`reconstruction_mse`, and
    ``explained_variance`` the share of the training variance the ``k`` components keep.
    """

    k: int
    codes_train: np.ndarray  # (n_train, k)
    codes_test: np.ndarray  # (n_test, k)
    reconstruction: np.ndarray  # (n_test, d)
    mse: float
    explained_variance: float


def pca_reconstruction(X_train, X_test, k: int, *, seed: int = 0) -> PCAReconstruction:
    """The linear baseline of every latent vector: PCA with ``k`` components.

    PCA is the best *linear* map to ``k`` dimensions and back in squared error, so a nonlinear
    model (an autoencoder) earns its keep only if it reconstructs held-out data better at the
    same ``k``.

    Args:
        X_train: ``(n_train, d)`` vectors the components are fitted on.
        X_test: ``(n_test, d)`` held-out vectors, encoded and decoded.
        k: number of components, ``1 <= k <= min(n_train, d)``.
        seed: ``random_state`` of scikit-learn's PCA.
    """
    from sklearn.decomposition import PCA

    X_train = check_vectors(X_train, "X_train")
    X_test = check_vectors(X_test, "X_test", dim=X_train.shape[1])
    k = check_k(k, min(X_train.shape), "the smaller of n_train and d")
    with repro.one_thread():
        pca = PCA(n_components=k, random_state=seed).fit(X_train)
        codes_test = pca.transform(X_test)
        reconstruction = pca.inverse_transform(codes_test)
        codes_train = pca.transform(X_train)
    return PCAReconstruction(
        k=k,
        codes_train=codes_train,
        codes_test=codes_test,
        reconstruction=reconstruction,
        mse=reconstruction_mse(X_test, reconstruction),
        explained_variance=float(pca.explained_variance_ratio_.sum()),
    )


def matrix_rank(features) -> int:
    """Numerical rank of ``(n, ...)`` vectors flattened to a matrix ``(n, d)``: how many
    directions they span, however many numbers each holds (float32 tolerance, one thread)."""
    import torch

    X = torch.as_tensor(np.asarray(features) if not isinstance(features, torch.Tensor) else features)
    with repro.one_thread():
        return int(torch.linalg.matrix_rank(X.detach().to(torch.float32).flatten(start_dim=1)))


def effective_dimension(features, share: float = 0.99) -> int:
    """How many principal components it takes to keep ``share`` of the variance of ``features``.

    A set of vectors can be stored in many numbers and still vary along few directions; this
    counts the directions. ``features`` is ``(n, ...)``, flattened to ``(n, d)``.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    import torch

    X = torch.as_tensor(np.asarray(features), dtype=torch.float64).flatten(start_dim=1)
    with repro.one_thread():
        values = torch.linalg.svdvals(X - X.mean(0)) ** 2
    cumulative = torch.cumsum(values, 0) / values.sum()
    return int((cumulative < share - 1e-12).sum()) + 1


def canonical_correlations(X, Y) -> np.ndarray:
    """Canonical correlations between two sets of vectors for the same rows, largest first.

    ``X`` is ``(n, p)``, ``Y`` is ``(n, q)``; returns ``min(p, q)`` values in [0, 1]. They do
    not change under any invertible linear map of either set, so they compare two factor
    matrices that agree only up to a rotation or scaling, as learned and planted factors do.
    Used in: chapters 5.3 and 6.
    """
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
        raise ValueError(f"need (n, p) and (n, q) arrays with the same n, got {X.shape} and {Y.shape}")
    if len(X) <= max(X.shape[1], Y.shape[1]):
        raise ValueError(f"need more rows ({len(X)}) than columns ({X.shape[1]}, {Y.shape[1]})")
    qx, _ = np.linalg.qr(X - X.mean(0))
    qy, _ = np.linalg.qr(Y - Y.mean(0))
    values = np.linalg.svd(qx.T @ qy, compute_uv=False)
    return np.clip(values[: min(X.shape[1], Y.shape[1])], 0.0, 1.0)


def singular_value_shares(table) -> np.ndarray:
    """Share of the (centred) table's total variance carried by each singular direction, largest first.

    Used in: chapter 5.3.
    """
    table = np.asarray(table, float)
    values = np.linalg.svd(table - table.mean(0), compute_uv=False) ** 2
    return values / values.sum()


@dataclass(frozen=True)
class IntrinsicDimension:
    """An estimate of how many numbers the data really need: its intrinsic dimension."""

    method: str  # "twonn" or "mle"
    dimension: float
    points_used: int  # points with distinct neighbours (duplicates carry no distance ratio)
    k: int  # neighbours per point


def intrinsic_dimension(X, *, method: str = "twonn", k: int = 10) -> IntrinsicDimension:
    """Estimate the intrinsic dimension of a cloud of vectors from nearest-neighbour distances.

    A latent vector is "compressed" only relative to something. The number of coordinates an
    input is written in (64 pixels, 1,024 after upsampling) is one yardstick; this is another:
    the dimension of the manifold the points lie on, which does not change when the same data
    are written in more coordinates.

    * ``"twonn"`` (Facco et al., 2017): the ratio of each point's second- to first-neighbour
      distance follows a Pareto law whose exponent is the dimension; maximum likelihood.
    * ``"mle"`` (Levina and Bickel, 2005, with MacKay and Ghahramani's averaging): the log
      ratios of the ``k`` nearest distances.

    Both are local: they see the dimension at the scale of the nearest neighbours, so noise
    in every coordinate raises them, and a few hundred points give a rough figure (±10 %).

    It is the yardstick that compares a code's width with the dimension of the data themselves.

    Cached (``labs.cache``, keyed by ``X``, the method, ``k`` and scikit-learn's version): a
    notebook run again skips the neighbour search and, often, importing scikit-learn at all.
    """
    from importlib.metadata import version

    X = check_vectors(X, "X")
    if method not in ("twonn", "mle"):
        raise ValueError(f"method must be 'twonn' or 'mle', got {method!r}")
    neighbours = 2 if method == "twonn" else k
    if neighbours < 2 or neighbours >= len(X):
        raise ValueError(f"k must be between 2 and {len(X) - 1} (fewer than the {len(X)} points), "
                         f"got {neighbours}")
    settings = {"method": method, "k": neighbours, "sklearn": version("scikit-learn")}
    payload = cache.cached("intrinsic-dimension", settings,
                           lambda: _intrinsic_dimension(X, method, neighbours), data=X).payload
    return IntrinsicDimension(method, payload["dimension"], payload["points_used"], neighbours)


def _intrinsic_dimension(X: np.ndarray, method: str, neighbours: int) -> dict:
    """The neighbour search and estimate behind :func:`intrinsic_dimension`, as a cache payload."""
    from sklearn.neighbors import NearestNeighbors

    with repro.one_thread():
        distances, _ = NearestNeighbors(n_neighbors=neighbours + 1).fit(X).kneighbors(X)
    distances = distances[:, 1:]  # the first neighbour of a point is itself
    distinct = distances[:, 0] > 0
    distances = distances[distinct]
    if len(distances) < 3:
        raise ValueError("fewer than 3 points have a neighbour at a non-zero distance; "
                         "remove duplicate rows or pass more data")
    if method == "twonn":
        log_ratios = np.log(distances[:, 1] / distances[:, 0])
        dimension = len(log_ratios) / log_ratios.sum()
    else:
        logs = np.log(distances[:, -1:] / distances[:, :-1])  # log(T_k / T_j), j < k
        inverse_per_point = logs.sum(axis=1) / (neighbours - 1)
        dimension = 1.0 / inverse_per_point.mean()
    return {"dimension": float(dimension), "points_used": int(distinct.sum())}


@dataclass(frozen=True)
class NestedProbeScores:
    """Nested cross-validated probe accuracy: mean and standard deviation over the outer test
    folds, each fold's score, and the ``C`` the inner cross-validation chose for each fold."""

    mean: float
    std: float
    folds: tuple[float, ...]
    chosen_C: tuple[float, ...]


def nested_cross_val_probe_accuracy(
    X,
    y,
    *,
    Cs=(0.01, 0.1, 1.0, 10.0, 100.0),
    folds: int = 5,
    inner_folds: int = 3,
    repeats: int = 1,
    max_iter: int = 2000,
    standardize: bool = True,
    seed: int = 0,
) -> NestedProbeScores:
    """Linear-probe accuracy with its regularisation ``C`` chosen by nested cross-validation.

    Each outer training fold is split again (stratified ``inner_folds``-fold, shuffled with the
    same seed); the ``C`` of ``Cs`` with the best mean inner accuracy (the smallest on a tie) is
    refitted on the whole outer training fold and scored once on its outer test fold. No test
    fold ever takes part in choosing ``C``, so every representation gets the same, honest
    tuning. The outer splits are those of :func:`cross_val_probe_accuracy` with the same
    ``folds``, ``repeats`` and ``seed``, so the two can be compared fold by fold.

    Args:
        X: ``(n, d)`` vectors; y: ``(n,)`` labels.
        Cs: candidate inverse regularisation strengths (positive numbers).
        folds, inner_folds: outer and inner numbers of folds (at least 2).
        repeats: outer shuffles with seeds ``seed``, ``seed + 1``, ...
        standardize: scale each feature inside every fit (false for sparse counts such as
            TF-IDF, whose rare words a z-score would blow up).

    Used in: chapter 5.1.
    """
    X = check_vectors(X, "X")
    y = check_labels(y, len(X), "y")
    Cs = tuple(sorted(float(C) for C in np.atleast_1d(np.asarray(Cs, dtype=float))))
    if not Cs or not all(np.isfinite(C) and C > 0 for C in Cs):
        raise ValueError(f"Cs must be one or more positive, finite numbers, got {Cs}")
    if folds < 2 or inner_folds < 2:
        raise ValueError(f"folds and inner_folds must be at least 2, got {folds} and {inner_folds}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    smallest = int(np.unique(y, return_counts=True)[1].min())
    in_training_fold = smallest - -(-smallest // folds)  # what an outer training fold keeps
    if smallest < folds or in_training_fold < inner_folds:
        raise ValueError(
            f"the rarest class has {smallest} example(s), too few for {folds} outer and "
            f"{inner_folds} inner folds; lower folds or inner_folds or add examples"
        )

    def accuracy(C, train, test):
        model = _probe(C, max_iter, standardize, seed).fit(X[train], y[train])
        return float((model.predict(X[test]) == y[test]).mean())

    def compute() -> dict:  # scikit-learn is imported only here: a cached score needs none
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import StratifiedKFold

        scores, chosen = [], []
        with warnings.catch_warnings(), repro.one_thread():
            warnings.simplefilter("ignore", ConvergenceWarning)  # see _fit_quietly
            for repeat in range(repeats):
                outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + repeat)
                for train, test in outer.split(X, y):
                    inner = StratifiedKFold(n_splits=inner_folds, shuffle=True,
                                            random_state=seed + repeat)
                    inner_splits = [(train[a], train[b])
                                    for a, b in inner.split(X[train], y[train])]
                    inner_means = [np.mean([accuracy(C, a, b) for a, b in inner_splits])
                                   for C in Cs]
                    best = Cs[int(np.argmax(inner_means))]  # first maximum: the smallest C
                    chosen.append(best)
                    scores.append(accuracy(best, train, test))
        return {"folds": scores, "chosen": chosen}

    settings = {"Cs": list(Cs), "folds": folds, "inner_folds": inner_folds,
                "repeats": repeats, "max_iter": max_iter, "standardize": standardize,
                "seed": seed}
    result = _cached_scores("nested-probe", settings, (X, y), compute)
    scores, chosen = result["folds"], result["chosen"]
    values = np.asarray(scores)
    return NestedProbeScores(float(values.mean()), float(values.std()), tuple(scores),
                             tuple(chosen))
