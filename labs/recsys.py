"""Recommenders: user/item embedding tables and collaborative-filtering latent factors.

Used in: chapters 5.3 and 6.

Everything works on a :class:`Ratings` table (one row per observed user–item rating). The
chapter's data is synthetic (:func:`make_synthetic_ratings`): every rating is made from planted
latent factors plus Gaussian noise of known size, so a model can be checked against the truth.
Two models learn vectors for users and items from the same ratings:

* :func:`train_mf`: matrix factorisation by alternating least squares, the classic way to get
  collaborative-filtering latent factors (``rank`` numbers per user and per item);
* :func:`train_embedding_model`: :class:`EmbeddingRecommender`, two ``nn.Embedding`` tables
  trained by mini-batch gradient descent on the interactions, as a deep-learning recommender is.

MovieLens 100K, the real ratings these models are usually shown on, is read and fetched by
``labs.movielens``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from labs import cache, repro



def check_ids(users, items, n_users: int, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``users`` and ``items`` as int64 arrays after checking every id is known.

    Raises ``ValueError`` naming the unknown ids (ids run from 0 to ``n_users - 1`` and
    ``n_items - 1``) or a length mismatch.
    """
    users = np.asarray(users)
    items = np.asarray(items)
    if users.shape != items.shape or users.ndim != 1:
        raise ValueError(
            f"users and items must be 1-D and of equal length, got shapes {users.shape} and "
            f"{items.shape}"
        )
    for name, ids, limit in (("user", users, n_users), ("item", items, n_items)):
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{name} ids must be integers, got dtype {ids.dtype}")
        bad = np.unique(ids[(ids < 0) | (ids >= limit)])
        if bad.size:
            shown = ", ".join(str(i) for i in bad[:5]) + (" ..." if bad.size > 5 else "")
            raise ValueError(
                f"unknown {name} id(s) {shown}: this table/model knows {name}s 0 to {limit - 1}; "
                f"map raw ids to indices first (read_movielens does) or retrain with them"
            )
    return users.astype(np.int64), items.astype(np.int64)


@dataclass(frozen=True)
class Ratings:
    """Observed ratings: ``ratings[k]`` is what user ``users[k]`` gave item ``items[k]``.

    Ids are indices, ``0 <= users < n_users`` and ``0 <= items < n_items``. A table must hold
    at least one rating; every id must be known and every rating finite (checked on creation).
    """

    users: np.ndarray  # (n,) int64
    items: np.ndarray  # (n,) int64
    ratings: np.ndarray  # (n,) float64
    n_users: int
    n_items: int

    def __post_init__(self):
        if len(np.asarray(self.ratings)) == 0:
            raise ValueError("the ratings table is empty: a recommender needs at least one rating")
        users, items = check_ids(self.users, self.items, self.n_users, self.n_items)
        ratings = np.asarray(self.ratings, dtype=np.float64)
        if ratings.shape != users.shape:
            raise ValueError(f"{len(ratings)} ratings for {len(users)} user–item pairs; they must match")
        if not np.isfinite(ratings).all():
            raise ValueError(f"{int((~np.isfinite(ratings)).sum())} rating(s) are NaN or infinite")
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "ratings", ratings)

    def __len__(self) -> int:
        return len(self.ratings)

    def subset(self, index) -> "Ratings":
        """The ratings at ``index`` (a boolean mask or integer positions), same id ranges."""
        return Ratings(self.users[index], self.items[index], self.ratings[index], self.n_users, self.n_items)

    @property
    def density(self) -> float:
        """Share of all user–item pairs that have a rating."""
        return len(self) / (self.n_users * self.n_items)

    def to_matrix(self) -> np.ndarray:
        """The ``(n_users, n_items)`` rating matrix, NaN where no rating was observed."""
        matrix = np.full((self.n_users, self.n_items), np.nan)
        matrix[self.users, self.items] = self.ratings
        return matrix


def rmse(predicted, actual) -> float:
    """Root mean squared error between two equally long sequences of ratings."""
    predicted, actual = np.asarray(predicted, float), np.asarray(actual, float)
    if predicted.shape != actual.shape or predicted.size == 0:
        raise ValueError(f"need two non-empty arrays of one shape, got {predicted.shape} and {actual.shape}")
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


# --------------------------------------------------------------------------------------------
# Synthetic ratings from planted latent factors
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SyntheticConfig:
    """How :func:`make_synthetic_ratings` plants its ratings.

    rating = ``mean`` + user bias + item bias + (user factors · item factors) + noise, with
    ``rank`` factors per user and item, scaled so that the dot product has standard deviation
    ``signal``; biases have standard deviation ``bias``; the noise is N(0, ``noise``²).
    Each user rates a random ``density`` share of the items.
    """

    n_users: int = 500
    n_items: int = 300
    rank: int = 4
    density: float = 0.3
    mean: float = 3.5
    signal: float = 1.0
    bias: float = 0.4
    noise: float = 0.5

    def __post_init__(self):
        repro.check_positive(self, "n_users", "n_items", "rank")
        if not 0 < self.density <= 1:
            raise ValueError(f"density must be in (0, 1], got {self.density}")


@dataclass(frozen=True)
class SyntheticRatings:
    """Planted truth and the ratings generated from it."""

    ratings: Ratings
    user_factors: np.ndarray  # (n_users, rank)
    item_factors: np.ndarray  # (n_items, rank)
    user_bias: np.ndarray  # (n_users,)
    item_bias: np.ndarray  # (n_items,)
    config: SyntheticConfig

    def expected(self, users, items) -> np.ndarray:
        """Noise-free ratings of the given pairs: the best any model can predict."""
        c = self.config
        users, items = check_ids(users, items, c.n_users, c.n_items)
        dots = np.einsum("nk,nk->n", self.user_factors[users], self.item_factors[items])
        return c.mean + self.user_bias[users] + self.item_bias[items] + dots


def make_synthetic_ratings(config: SyntheticConfig | None = None, *, seed: int = 0) -> SyntheticRatings:
    """Ratings generated from planted latent factors plus Gaussian noise (NumPy, seeded).

    Used in: chapter 5.3.
    """
    c = config or SyntheticConfig()
    rng = np.random.default_rng(seed)
    scale = (c.signal**2 / c.rank) ** 0.25  # so that std(user · item) = signal
    user_factors = rng.normal(0, scale, (c.n_users, c.rank))
    item_factors = rng.normal(0, scale, (c.n_items, c.rank))
    user_bias = rng.normal(0, c.bias, c.n_users)
    item_bias = rng.normal(0, c.bias, c.n_items)
    per_user = max(1, round(c.density * c.n_items))
    items = np.concatenate([rng.choice(c.n_items, per_user, replace=False) for _ in range(c.n_users)])
    users = np.repeat(np.arange(c.n_users), per_user)
    truth = SyntheticRatings(
        Ratings(users, items, np.zeros(len(users)), c.n_users, c.n_items),
        user_factors, item_factors, user_bias, item_bias, c,
    )
    ratings = truth.expected(users, items) + rng.normal(0, c.noise, len(users))
    return SyntheticRatings(
        Ratings(users, items, ratings, c.n_users, c.n_items),
        user_factors, item_factors, user_bias, item_bias, c,
    )


def split_ratings(ratings: Ratings, test_fraction: float = 0.2, *, seed: int = 0) -> tuple[Ratings, Ratings]:
    """Random train/test split in which every test user and item also has training ratings.

    A test rating whose user or item would be unseen in training is moved to the training set,
    so that every model can be scored on every test rating.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    rng = np.random.default_rng(seed)
    is_test = rng.random(len(ratings)) < test_fraction
    for ids in (ratings.users, ratings.items):
        seen = np.zeros(ids.max() + 1, bool)
        seen[ids[~is_test]] = True
        for position in np.flatnonzero(is_test & ~seen[ids]):
            if not seen[ids[position]]:  # keep the first such rating for training
                is_test[position] = False
                seen[ids[position]] = True
    if not is_test.any():
        raise ValueError("the test set came out empty: use more ratings or a larger test_fraction")
    return ratings.subset(~is_test), ratings.subset(is_test)


# --------------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------------

def predict_global_mean(train: Ratings, users, items) -> np.ndarray:
    """Predict every rating as the mean training rating."""
    users, _ = check_ids(users, items, train.n_users, train.n_items)
    return np.full(len(users), train.ratings.mean())


def predict_user_mean(train: Ratings, users, items) -> np.ndarray:
    """Predict each user's mean training rating (the global mean for a user without ratings)."""
    users, _ = check_ids(users, items, train.n_users, train.n_items)
    sums = np.bincount(train.users, train.ratings, minlength=train.n_users)
    counts = np.bincount(train.users, minlength=train.n_users)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), train.ratings.mean())
    return means[users]


# --------------------------------------------------------------------------------------------
# Matrix factorisation: collaborative-filtering latent factors by alternating least squares
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MFConfig:
    """Matrix factorisation settings: ``rank`` latent factors, L2 penalty ``reg``, ALS sweeps."""

    rank: int = 4
    reg: float = 1.0
    iterations: int = 15

    def __post_init__(self):
        repro.check_positive(self, "rank", "iterations")
        if self.reg < 0:
            raise ValueError(f"reg must be non-negative, got {self.reg}")


@dataclass(frozen=True, eq=False)
class MFResult:
    """Latent factors and biases learned by :func:`train_mf`; ``history`` is the training RMSE per sweep."""

    user_factors: np.ndarray  # (n_users, rank)
    item_factors: np.ndarray  # (n_items, rank)
    user_bias: np.ndarray  # (n_users,)
    item_bias: np.ndarray  # (n_items,)
    mean: float
    history: list[float]
    config: MFConfig
    from_cache: bool = False

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings of the given user–item pairs (ids checked)."""
        users, items = check_ids(users, items, len(self.user_factors), len(self.item_factors))
        dots = np.einsum("nk,nk->n", self.user_factors[users], self.item_factors[items])
        return self.mean + self.user_bias[users] + self.item_bias[items] + dots


def als_step(rows, cols, targets, fixed: np.ndarray, n_rows: int, reg: float) -> np.ndarray:
    """Solve, for every row at once, the ridge regression ``targets ≈ fixed[cols] · x_row``.

    ``fixed`` is ``(n_cols, d)``; returns ``(n_rows, d)`` with
    ``x_r = (Σ f fᵀ + reg·I)⁻¹ Σ f·t`` over the ratings of row ``r``.
    """
    d = fixed.shape[1]
    features = fixed[cols]  # (n_ratings, d)
    gram = np.zeros((n_rows, d, d))
    np.add.at(gram, rows, features[:, :, None] * features[:, None, :])
    rhs = np.zeros((n_rows, d))
    np.add.at(rhs, rows, features * targets[:, None])
    return np.linalg.solve(gram + reg * np.eye(d), rhs[..., None])[..., 0]


def _train_mf(train: Ratings, config: MFConfig, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    k = config.rank
    mean = float(train.ratings.mean())
    centred = train.ratings - mean
    # Each side's vector is [factors, bias, 1] against the other's [factors, 1, bias]: one ridge
    # solve per row fits factors and bias together. The constant column is reset after each solve.
    users = np.hstack([rng.normal(0, 0.1, (train.n_users, k)), np.zeros((train.n_users, 1)), np.ones((train.n_users, 1))])
    items = np.hstack([rng.normal(0, 0.1, (train.n_items, k)), np.ones((train.n_items, 1)), np.zeros((train.n_items, 1))])
    history = []
    for _ in range(config.iterations):
        # users: targets minus item bias, against item [factors, 1]
        t = centred - items[train.items, k + 1]
        users[:, : k + 1] = als_step(train.users, train.items, t, items[:, : k + 1], train.n_users, config.reg)
        # items: targets minus user bias, against user [factors, bias→1]
        t = centred - users[train.users, k]
        fixed = np.hstack([users[:, :k], np.ones((train.n_users, 1))])
        solved = als_step(train.items, train.users, t, fixed, train.n_items, config.reg)
        items[:, :k], items[:, k + 1] = solved[:, :k], solved[:, k]
        predicted = mean + np.einsum("nk,nk->n", users[train.users, :k], items[train.items, :k]) \
            + users[train.users, k] + items[train.items, k + 1]
        history.append(rmse(predicted, train.ratings))
    return {
        "user_factors": torch.as_tensor(users[:, :k]), "item_factors": torch.as_tensor(items[:, :k]),
        "user_bias": torch.as_tensor(users[:, k]), "item_bias": torch.as_tensor(items[:, k + 1]),
        "mean": mean, "history": history,
    }


def _ratings_fingerprint(ratings: Ratings) -> str:
    return cache.fingerprint(ratings.users, ratings.items, ratings.ratings, ratings.n_users, ratings.n_items)


def train_mf(train: Ratings, config: MFConfig | None = None, *, seed: int = 0,
             device: str = "auto") -> MFResult:
    """Matrix factorisation with biases by alternating least squares (cached).

    Learns ``rank`` latent factors per user and per item so that
    ``rating ≈ mean + b_user + b_item + user · item``, with an L2 penalty ``reg`` on every
    user's and item's parameters. Each sweep solves all users in closed form with the items
    fixed, then all items with the users fixed (:func:`als_step`).

    Used in: chapter 5.3.
    """
    config = config or MFConfig()
    if not isinstance(train, Ratings):
        raise TypeError(f"train must be a labs.recsys.Ratings table, got {type(train).__name__}")
    if config.rank < 1 or config.iterations < 1 or config.reg < 0:
        raise ValueError(f"rank and iterations must be positive and reg non-negative, got {config}")
    def build():
        with repro.one_thread():
            return _train_mf(train, config, seed)

    entry = cache.train_or_load("mf-als", config, build, seed=seed, data=_ratings_fingerprint(train))
    p = entry.payload
    return MFResult(
        p["user_factors"].numpy(), p["item_factors"].numpy(), p["user_bias"].numpy(),
        p["item_bias"].numpy(), float(p["mean"]), cache.floats(p["history"]), config,
        entry.from_cache,
    )


# --------------------------------------------------------------------------------------------
# The nn.Embedding recommender
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmbeddingConfig:
    """Settings of :class:`EmbeddingRecommender` and its training by mini-batch Adam."""

    dim: int = 32
    epochs: int = 40
    batch_size: int = 1024
    lr: float = 0.01
    reg: float = 7.0  # L2 penalty λ on both tables, as in matrix factorisation (see train_embedding_model)

    def __post_init__(self):
        repro.check_positive(self, "dim", "epochs", "batch_size")


class EmbeddingRecommender(nn.Module):
    """Two ``nn.Embedding`` tables (and bias tables): rating = mean + b_u + b_i + user · item.

    ``forward(users, items)`` takes two ``(n,)`` id tensors and returns ``(n,)`` predictions.
    """

    def __init__(self, n_users: int, n_items: int, dim: int, mean: float = 0.0):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        for table in (self.user, self.item):
            nn.init.normal_(table.weight, 0, 0.1)
        for table in (self.user_bias, self.item_bias):
            nn.init.zeros_(table.weight)
        self.register_buffer("mean", torch.tensor(float(mean)))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        dots = (self.user(users) * self.item(items)).sum(dim=1)
        return self.mean + self.user_bias(users)[:, 0] + self.item_bias(items)[:, 0] + dots


@dataclass(frozen=True, eq=False)
class EmbeddingResult:
    """What :func:`train_embedding_model` returns: the model (eval mode, CPU) and the loss per epoch."""

    model: EmbeddingRecommender
    history: list[float]
    config: EmbeddingConfig
    from_cache: bool = False

    @property
    def user_vectors(self) -> np.ndarray:
        return self.model.user.weight.detach().numpy().copy()

    @property
    def item_vectors(self) -> np.ndarray:
        return self.model.item.weight.detach().numpy().copy()

    @torch.no_grad()
    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings of the given user–item pairs (ids checked)."""
        users, items = check_ids(users, items, self.model.user.num_embeddings, self.model.item.num_embeddings)
        return self.model(torch.as_tensor(users), torch.as_tensor(items)).double().numpy()


def _train_embedding(train: Ratings, config: EmbeddingConfig, seed: int, device: str) -> dict:
    repro.set_seed(seed)
    model = EmbeddingRecommender(train.n_users, train.n_items, config.dim, train.ratings.mean()).to(device)
    users = torch.as_tensor(train.users).to(device)
    items = torch.as_tensor(train.items).to(device)
    targets = torch.as_tensor(train.ratings, dtype=torch.float32).to(device)
    optimiser = repro.adam(model.parameters(), lr=config.lr, foreach=True)  # tests/test_repro.py
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in repro.progress(range(config.epochs), desc="embedding epochs"):
        order = torch.randperm(len(targets), generator=generator).to(device)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            b = order[start : start + config.batch_size]
            mse = nn.functional.mse_loss(model(users[b], items[b]), targets[b])
            penalty = model.user.weight.square().sum() + model.item.weight.square().sum()
            loss = mse + config.reg / len(targets) * penalty
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += mse.item() * len(b)
        history.append(total / len(order))
    return {"state": cache.state_of(model), "history": history}


def train_embedding_model(
    train: Ratings, config: EmbeddingConfig | None = None, *, seed: int = 0, device: str = "auto"
) -> EmbeddingResult:
    """Train an :class:`EmbeddingRecommender` on the interactions in ``train`` (cached).

    Mini-batches of (user, item, rating) triples; Adam. The loss is the batch's mean squared
    error plus ``reg / n_ratings`` times the squared Frobenius norm of both tables: the
    objective of regularised matrix factorisation, divided by the number of ratings, so that
    ``reg`` plays the role of :class:`MFConfig`'s ``reg``. ``history`` holds the training MSE per
    epoch. Used in: chapter 5.3.
    """
    config = config or EmbeddingConfig()
    if not isinstance(train, Ratings):
        raise TypeError(f"train must be a labs.recsys.Ratings table, got {type(train).__name__}")
    used = repro.pick_device(device)

    def build():
        with repro.one_thread():
            return _train_embedding(train, config, seed, used)

    entry = cache.train_or_load(
        "embedding-recommender", config, build, seed=seed, device=used,
        data=_ratings_fingerprint(train),
        models={"state": lambda: EmbeddingRecommender(train.n_users, train.n_items, config.dim)},
    )
    return EmbeddingResult(entry.models["state"], cache.floats(entry.payload["history"]), config,
                           entry.from_cache)


# --------------------------------------------------------------------------------------------
# The bias-only baseline: mean + b_user + b_item, no factors
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BiasConfig:
    """Bias-only baseline settings: L2 penalty ``reg`` on every bias, at most ``iterations`` sweeps."""

    reg: float = 1.0
    iterations: int = 50
    tolerance: float = 1e-10  # stop when no bias moves by more than this in a sweep


@dataclass
class BiasResult:
    """What :func:`train_biases` returns: ``rating ≈ mean + user_bias[u] + item_bias[i]``."""

    user_bias: np.ndarray  # (n_users,)
    item_bias: np.ndarray  # (n_items,)
    mean: float
    sweeps: int
    config: BiasConfig

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings of the given user–item pairs (ids checked)."""
        users, items = check_ids(users, items, len(self.user_bias), len(self.item_bias))
        return self.mean + self.user_bias[users] + self.item_bias[items]


def train_biases(
    data: Ratings, config: BiasConfig | None = None, *, seed: int = 0, device: str = "auto"
) -> BiasResult:
    """The bias-only baseline of Koren et al.: ``rating ≈ mean + b_user + b_item``, regularised.

    Minimises ``Σ (r − mean − b_u − b_i)² + reg · (Σ b_u² + Σ b_i²)`` exactly, by alternating
    closed-form sweeps: with the item biases fixed, ``b_u = Σ (r − mean − b_i) / (n_u + reg)``
    over the user's ratings, then the same for the items, until no bias moves by more than
    ``config.tolerance``. It is :func:`train_mf` with no factors: what a recommender gets from
    "this user rates high, this item is liked" alone. There is no randomness and it runs in
    milliseconds on the CPU; ``seed`` and ``device`` are accepted, like every ``train_*``, and
    unused. Not cached (it is cheaper than a cache look-up).

    Used in: chapter 5.3.
    """
    config = config or BiasConfig()
    if not isinstance(data, Ratings):
        raise TypeError(f"data must be a labs.recsys.Ratings table, got {type(data).__name__}")
    if not config.reg >= 0 or config.iterations < 1 or not config.tolerance > 0:
        raise ValueError(
            f"reg must be non-negative, iterations at least 1 and tolerance positive, got {config}"
        )
    if config.reg == 0:
        # Without a penalty, b_u + c and b_i - c fit equally well; a tiny reg picks one solution.
        raise ValueError("reg=0 leaves the biases undetermined (b_u + c, b_i - c fit equally): "
                         "use a small positive reg such as 1e-6")
    mean = float(data.ratings.mean())
    centred = data.ratings - mean
    user_counts = np.bincount(data.users, minlength=data.n_users)
    item_counts = np.bincount(data.items, minlength=data.n_items)
    user_bias, item_bias = np.zeros(data.n_users), np.zeros(data.n_items)
    sweeps = 0
    for sweeps in range(1, config.iterations + 1):
        new_user = np.bincount(data.users, centred - item_bias[data.items], data.n_users) \
            / (user_counts + config.reg)
        new_item = np.bincount(data.items, centred - new_user[data.users], data.n_items) \
            / (item_counts + config.reg)
        moved = max(np.abs(new_user - user_bias).max(), np.abs(new_item - item_bias).max())
        user_bias, item_bias = new_user, new_item
        if moved <= config.tolerance:
            break
    return BiasResult(user_bias, item_bias, mean, sweeps, config)
