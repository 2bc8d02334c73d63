"""Chapter 4's category model: a lookup table of 10 class ids, trained to draw each class's digit.

Used in: chapter 4 (a 10-category table against its one-hot code: "10 categories → 64-d") and
chapter 6 (the summary table).

:class:`CategoryDecoder` is an ``nn.Embedding(10, dim)`` followed by a map to the 64 pixels of a
digit: linear (the default), or a small nonlinear head (``head="mlp"``: one hidden ReLU layer),
which shows that a narrow table's loss measures the head's rank, not what the table can tell
apart; :func:`train_category_embedding` trains it (cached) and
:func:`class_means_mse` gives the bar it is measured against, the best any function of the
class id alone can do. Whether its rows are embedding or latent vectors is
``labs.taxonomy.classify``'s question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from labs import cache, repro
from labs.data import load_digits


@dataclass(frozen=True)
class CategoryConfig:
    """An ``nn.Embedding(n_categories, dim)`` followed by a map to the 64 pixels of a digit.

    The task: draw the digit of a class from the class id alone. Full-batch Adam, ``steps`` steps.
    ``head`` is ``"linear"`` (one linear layer) or ``"mlp"`` (``hidden`` ReLU units, then linear).
    """

    dim: int = 64
    steps: int = 400
    lr: float = 0.05
    head: str = "linear"
    hidden: int = 64

    def __post_init__(self):
        for name in ("dim", "hidden"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        repro.check_positive(self, "dim", "steps", "lr", "hidden")
        if self.head not in ("linear", "mlp"):
            raise ValueError(f"head must be 'linear' or 'mlp', got {self.head!r}")


class CategoryDecoder(nn.Module):
    """Class id → embedding vector (``dim`` numbers) → 64 pixel values. ``forward(ids) -> (n, 64)``."""

    def __init__(self, n_categories: int, dim: int, out: int, head: str = "linear", hidden: int = 64):
        super().__init__()
        self.embedding = nn.Embedding(n_categories, dim)
        self.head = (nn.Linear(dim, out) if head == "linear" else
                     nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, out)))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embedding(ids))


@dataclass(frozen=True, eq=False)
class CategoryResult:
    """What :func:`train_category_embedding` returns; MSEs are per pixel on the digits' sets."""

    model: CategoryDecoder
    train_mse: float
    test_mse: float
    history: list[float]
    config: CategoryConfig = field(default_factory=CategoryConfig)
    from_cache: bool = False


def class_means_mse(data) -> tuple[float, float]:
    """Train and test MSE of predicting each digit by its class's mean training image.

    That is the best any function of the class id alone can do on the training set (the
    least-squares answer for a one-hot input), the bar a category embedding is measured against.
    """
    means = np.stack([data.X_train[data.y_train == c].mean(0) for c in range(10)])
    return (float(((data.X_train - means[data.y_train]) ** 2).mean()),
            float(((data.X_test - means[data.y_test]) ** 2).mean()))


def _train_category(config: CategoryConfig, data, seed: int) -> dict:
    with repro.one_thread():
        repro.set_seed(seed)
        model = CategoryDecoder(10, config.dim, data.X_train.shape[1], config.head, config.hidden)
        ids, X = torch.as_tensor(data.y_train), torch.as_tensor(data.X_train)
        optimiser = repro.adam(model.parameters(), lr=config.lr, foreach=True)  # test_repro.py
        history = []
        for step in range(config.steps):
            loss = (model(ids) - X).pow(2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            history.append(loss.item())
        with torch.no_grad():
            test = float((model(torch.as_tensor(data.y_test)) - torch.as_tensor(data.X_test)).pow(2).mean())
            train = float((model(ids) - X).pow(2).mean())
    return {"state": cache.state_of(model), "history": history, "train_mse": train, "test_mse": test}


def train_category_embedding(data=None, config: CategoryConfig | None = None, *, seed: int = 0,
                             device: str = "auto") -> CategoryResult:
    """Train :class:`CategoryDecoder` on the digits (class id → image), cached; CPU, one thread.

    Args:
        data: a ``labs.data.DigitsSplit`` (default ``load_digits()``).
        config: embedding size and training settings (:class:`CategoryConfig`).
        seed: seeds the initial weights.
        device: accepted for the course's one calling convention; this small model trains on
            the CPU (full-batch, one thread).

    Used in: chapter 4.
    """
    config = config or CategoryConfig()
    data = data if data is not None else load_digits()
    entry = cache.train_or_load(
        "category-embedding", config, lambda: _train_category(config, data, seed), seed=seed,
        data=cache.fingerprint(data.X_train, data.y_train, data.X_test, data.y_test),
        models={"state": lambda: CategoryDecoder(10, config.dim, data.X_train.shape[1], config.head,
                                                 config.hidden)},
    )
    p = entry.payload
    return CategoryResult(entry.models["state"], float(p["train_mse"]), float(p["test_mse"]),
                          cache.floats(p["history"]), config, entry.from_cache)
