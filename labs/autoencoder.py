"""Autoencoders and a VAE: latent vectors as the bottleneck of a network that rebuilds its input.

Used in: chapter 3 (digits compressed to ``k`` numbers, against PCA; the VAE's latent space as a
distribution to sample), chapter 4 (a 1024-d → 128-d bottleneck; overcomplete and sparse codes),
chapter 6 (the summary table) and appendix A (an interpolation slider and the latent explorer).

| what | config | train | model |
|---|---|---|---|
| MLP or convolutional autoencoder | :class:`AutoencoderConfig` | :func:`train_autoencoder` | :class:`MLPAutoencoder`, :class:`ConvAutoencoder` |
| variational autoencoder | :class:`VAEConfig` | :func:`train_vae` | :class:`VAE` |

Every model has ``encode(x) -> z`` and ``decode(z) -> x``; the functions :func:`encode`,
:func:`decode`, :func:`reconstruct` and :func:`sample` wrap them for NumPy arrays, with checks.
Data are vectors ``(n, d)`` (flattened images) with values in [0, 1]: ``labs.data.load_digits()``
or any object with ``X_train`` and ``X_test`` (and optionally ``image_shape``), or a
``(X_train, X_test)`` pair. Trained models are cached by ``labs.cache``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np
import torch
from torch import nn

from labs import cache, metrics, repro
from labs.data import as_split, load_digits

ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU, "tanh": nn.Tanh}


@dataclass(frozen=True)
class AutoencoderConfig:
    """An autoencoder ``d → hidden → k → reversed(hidden) → d`` and how it is trained.

    ``kind="conv"`` replaces the hidden layers by two stride-2 convolutions with ``channels``
    feature maps (images whose sides are multiples of 4). ``k`` must be smaller than ``d``
    (a latent vector compresses) unless ``overcomplete=True``; ``sparsity`` adds an L1 penalty
    on the code, the usual companion of an overcomplete code (chapter 4).
    """

    k: int = 16  # bottleneck size: the length of each latent vector
    hidden: tuple[int, ...] = (256, 64)  # encoder widths; the decoder mirrors them
    kind: str = "mlp"  # "mlp" or "conv"
    channels: tuple[int, int] = (16, 32)  # conv only: feature maps after each stride-2 conv
    activation: str = "elu"  # "elu", "relu" or "tanh"
    output: str = "sigmoid"  # "sigmoid" (data in [0, 1]) or "linear" (any real data)
    epochs: int = 60
    batch_size: int = 128
    lr: float = 1e-2  # peak of a one-cycle schedule
    weight_decay: float = 0.0
    sparsity: float = 0.0  # weight of mean |z| in the loss
    overcomplete: bool = False  # allow k >= d (no longer a compression)

    def __post_init__(self):
        _check_common(self)
        if self.kind not in ("mlp", "conv") or self.output not in ("sigmoid", "linear"):
            raise ValueError(f"kind must be 'mlp' or 'conv' and output 'sigmoid' or 'linear', got {self}")
        if self.sparsity < 0:
            raise ValueError(f"sparsity must be non-negative, got {self.sparsity}")


@dataclass(frozen=True)
class VAEConfig:
    """A variational autoencoder with a ``k``-d Gaussian latent variable (Kingma & Welling 2014).

    The loss is the negative ELBO per image: Bernoulli reconstruction (binary cross-entropy summed
    over pixels) plus ``beta`` times the KL divergence from the standard normal prior.
    """

    k: int = 2
    hidden: tuple[int, ...] = (256, 64)
    activation: str = "elu"
    epochs: int = 60
    batch_size: int = 128
    lr: float = 6e-3  # peak of a one-cycle schedule
    beta: float = 1.0

    def __post_init__(self):
        _check_common(self)
        if not self.beta >= 0:
            raise ValueError(f"beta must be non-negative, got {self.beta}")


def _check_common(config) -> None:
    if not isinstance(config.k, int) or config.k < 1:
        raise ValueError(f"k must be a positive integer, got {config.k!r}")
    if config.epochs < 1 or config.batch_size < 1 or not config.lr > 0:
        raise ValueError("epochs and batch_size must be at least 1 and lr positive, "
                         f"got epochs={config.epochs}, batch_size={config.batch_size}, lr={config.lr}")
    if any(not isinstance(h, int) or h < 1 for h in config.hidden):
        raise ValueError(f"hidden must list positive layer widths, got {config.hidden!r}")
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {config.activation!r}")


# Chapter 4's two autoencoders, named once so that chapters 4 and 6 and their solutions train (and
# load from the cache) the same models. Every setting is spelled out: a change of the library's
# defaults must not silently change these models.
BOTTLENECK = AutoencoderConfig(k=128, hidden=(256,), kind="mlp", activation="elu", output="sigmoid",
                               epochs=30, batch_size=64, lr=5e-3)  # 32x32 digits: 1,024 -> 128
SPARSE = AutoencoderConfig(k=128, hidden=(256,), kind="mlp", activation="elu", output="sigmoid",
                           epochs=40, batch_size=64, lr=5e-3, sparsity=0.3, overcomplete=True)  # 64 -> 128


@dataclass(frozen=True, eq=False)
class AutoencoderResult:
    """What :func:`train_autoencoder` and :func:`train_vae` return.

    ``history`` holds one value per epoch for each key (``train_loss``, ``test_mse``, and for the
    VAE ``train_reconstruction``, ``train_kl``); ``metrics`` the final held-out figures
    (``train_mse``, ``test_mse``; VAE: ``test_reconstruction``, ``test_kl``, ``test_loss``).
    """

    model: nn.Module  # eval mode, on the CPU
    config: Union[AutoencoderConfig, VAEConfig]
    history: dict[str, list[float]]
    metrics: dict[str, float]
    from_cache: bool = False

    @property
    def test_mse(self) -> float:
        return self.metrics["test_mse"]


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

def _mlp(sizes: list[int], activation: str, *, last_activation: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if last_activation or i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class MLPAutoencoder(nn.Module):
    """Fully connected autoencoder; ``encoder`` ends in the linear bottleneck of ``k`` units."""

    def __init__(self, input_dim: int, config: AutoencoderConfig):
        super().__init__()
        self.input_dim, self.k, self.sigmoid = input_dim, config.k, config.output == "sigmoid"
        self.encoder = _mlp([input_dim, *config.hidden, config.k], config.activation)
        self.decoder = _mlp([config.k, *reversed(config.hidden), input_dim], config.activation)

    def encode(self, x: torch.Tensor) -> torch.Tensor:  # (n, d) -> (n, k)
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:  # (n, k) -> (n, d)
        out = self.decoder(z)
        return torch.sigmoid(out) if self.sigmoid else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder: two stride-2 convolutions, a linear bottleneck, and back."""

    def __init__(self, image_shape: tuple[int, int], config: AutoencoderConfig):
        super().__init__()
        (h, w), (c1, c2) = image_shape, config.channels
        self.image_shape, self.input_dim, self.k = (h, w), h * w, config.k
        self.sigmoid = config.output == "sigmoid"
        act = ACTIVATIONS[config.activation]
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, h, w)),
            nn.Conv2d(1, c1, 3, stride=2, padding=1), act(),  # (n, c1, h/2, w/2)
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), act(),  # (n, c2, h/4, w/4)
            nn.Flatten(), nn.Linear(c2 * (h // 4) * (w // 4), config.k),  # (n, k)
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.k, c2 * (h // 4) * (w // 4)), act(),
            nn.Unflatten(1, (c2, h // 4, w // 4)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), act(),  # (n, c1, h/2, w/2)
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),  # (n, 1, h, w)
            nn.Flatten(),
        )

    encode = MLPAutoencoder.encode
    decode = MLPAutoencoder.decode
    forward = MLPAutoencoder.forward


def reparameterize(mean: torch.Tensor, log_var: torch.Tensor, generator=None) -> torch.Tensor:
    """Draw ``z = mean + sigma * eps`` with ``eps ~ N(0, I)``: a sample that gradients flow through."""
    eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    return mean + torch.exp(0.5 * log_var) * eps


class VAE(nn.Module):
    """Variational autoencoder: the encoder outputs a Gaussian ``N(mean, exp(log_var))`` per input."""

    def __init__(self, input_dim: int, config: VAEConfig):
        super().__init__()
        self.input_dim, self.k = input_dim, config.k
        self.body = _mlp([input_dim, *config.hidden], config.activation, last_activation=True)
        width = config.hidden[-1] if config.hidden else input_dim
        self.mean, self.log_var = nn.Linear(width, config.k), nn.Linear(width, config.k)
        self.decoder = _mlp([config.k, *reversed(config.hidden), input_dim], config.activation)

    def encode_distribution(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mean(h), self.log_var(h)  # (n, k) each

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The mean of the code distribution: the VAE's latent vector of ``x``."""
        return self.encode_distribution(x)[0]

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor, generator=None):
        mean, log_var = self.encode_distribution(x)
        return self.decode_logits(reparameterize(mean, log_var, generator)), mean, log_var


def vae_loss(logits, x, mean, log_var, beta: float = 1.0):
    """Negative ELBO per example, split: ``(total, reconstruction, kl)``, each averaged over the batch.

    reconstruction = binary cross-entropy summed over the pixels of an image;
    kl = KL(N(mean, exp(log_var)) || N(0, I)) = -1/2 * sum(1 + log_var - mean^2 - exp(log_var)).
    """
    reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
    reconstruction = reconstruction.sum(dim=1).mean()
    kl = (-0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)).mean()
    return reconstruction + beta * kl, reconstruction, kl


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

def _check_compresses(k: int, d: int, allowed: bool = False) -> None:
    if k >= d and not allowed:
        raise ValueError(
            f"k={k} is not smaller than the input dimension {d}: that code does not compress, "
            f"so it is not a latent vector. Choose k < {d}, or pass overcomplete=True for an "
            "overcomplete code (chapter 4)"
        )


def _conv_shape(shape, d: int) -> tuple[int, int]:
    if shape is None:
        side = int(round(d ** 0.5))
        if side * side != d:
            raise ValueError(f"vectors of length {d} are not square images; give the data an image_shape")
        shape = (side, side)
    h, w = shape
    if h * w != d:
        raise ValueError(f"image_shape {shape} has {h * w} pixels but the vectors have {d}")
    if h % 4 or w % 4:
        raise ValueError(f"a conv autoencoder needs image sides that are multiples of 4, got {shape}")
    return (h, w)


def _inputs(model: nn.Module, X, what: str = "X") -> torch.Tensor:
    """``X`` as a float tensor ``(n, input_dim)`` on the model's device; images are flattened."""
    d = model.input_dim
    array = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    if array.ndim > 2 and int(np.prod(array.shape[1:])) == d:
        array = array.reshape(len(array), d)
    if array.ndim != 2 or array.shape[1] != d:
        shape = getattr(model, "image_shape", None)
        hint = f" (flattened {shape[0]}x{shape[1]} images)" if shape else ""
        raise ValueError(f"{what} has shape {array.shape}; this model expects (n, {d}){hint}")
    array = metrics.check_vectors(array, what, dim=d)
    return torch.as_tensor(array, dtype=torch.float32, device=repro.model_device(model))


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------

def _fit(model, objective, X_train, X_test, config, seed: int, device: str, evaluate) -> dict:
    """Mini-batch Adam with a one-cycle schedule; returns the payload cached for ``model``."""
    model = model.to(device)
    X = torch.as_tensor(X_train, device=device)
    X_held = torch.as_tensor(X_test, device=device)
    # foreach and repro.adam's lean step: faster on the CPU, torch's default bits (test_repro.py)
    optimiser = repro.adam(model.parameters(), lr=config.lr, foreach=True,
                           weight_decay=getattr(config, "weight_decay", 0.0))
    steps = config.epochs * -(-len(X) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=config.lr, total_steps=steps)
    order_rng = torch.Generator().manual_seed(seed)
    noise_rng = torch.Generator(device=device).manual_seed(seed)
    history: dict[str, list[float]] = {}
    for _ in repro.progress(range(config.epochs), desc=type(model).__name__):
        model.train()
        sums: dict[str, float] = {}
        for batch in torch.randperm(len(X), generator=order_rng).to(device).split(config.batch_size):
            parts = objective(model, X[batch], noise_rng)  # {"train_loss": tensor, ...}
            optimiser.zero_grad()
            parts["train_loss"].backward()
            optimiser.step()
            schedule.step()
            for name, value in parts.items():
                sums[name] = sums.get(name, 0.0) + value.item() * len(batch)
        for name, total in sums.items():
            history.setdefault(name, []).append(total / len(X))
        model.eval()
        with torch.no_grad():
            history.setdefault("test_mse", []).append(evaluate(model, X_held)["test_mse"])
    model = model.cpu().eval()
    with torch.no_grad():
        final = evaluate(model, torch.as_tensor(X_test))
        X = torch.as_tensor(X_train)
        final["train_mse"] = float((model.decode(model.encode(X)) - X).pow(2).mean())
    return {"state": cache.state_of(model), "history": history, "metrics": final}


def _autoencoder_objective(config: AutoencoderConfig):
    def objective(model, x, _rng):
        z = model.encode(x)
        loss = (model.decode(z) - x).pow(2).mean()
        if config.sparsity:
            loss = loss + config.sparsity * z.abs().mean()
        return {"train_loss": loss}

    return objective


def _autoencoder_eval(model, X) -> dict:
    return {"test_mse": float((model(X) - X).pow(2).mean())}


def train_autoencoder(
    data=None, config: AutoencoderConfig | None = None, *, seed: int = 0, device: str = "auto"
) -> AutoencoderResult:
    """Train an autoencoder on ``data.X_train`` (or load it from the cache); test on ``data.X_test``.

    Args:
        data: a ``labs.data.DigitsSplit`` (the default, ``load_digits()``), any object with
            ``X_train``/``X_test`` ``(n, d)`` arrays, or a ``(X_train, X_test)`` pair.
        config: architecture and training settings (:class:`AutoencoderConfig`).
        seed: seeds the weights, the order of the mini-batches and any sampling noise.
        device: ``"auto"`` (a GPU if present), ``"cpu"`` or ``"cuda"``.

    Returns:
        :class:`AutoencoderResult`: the model on the CPU in eval mode, per-epoch ``history``
        (``train_loss``, ``test_mse``), and ``metrics`` (``train_mse``, ``test_mse``).

    Used in: chapters 3 and 4.
    """
    config = config or AutoencoderConfig()
    X_train, X_test, shape = as_split(data if data is not None else load_digits(),
                                      unit_range=config.output == "sigmoid")
    d = X_train.shape[1]
    _check_compresses(config.k, d, config.overcomplete)

    def build_model():
        if config.kind == "conv":
            return ConvAutoencoder(_conv_shape(shape, d), config)
        return MLPAutoencoder(d, config)

    build_model()  # raises on a bad image shape before any training or caching
    used = repro.pick_device(device)

    def build():
        repro.set_seed(seed)
        with repro.one_thread():
            return _fit(build_model(), _autoencoder_objective(config), X_train, X_test, config,
                        seed, used, _autoencoder_eval)

    return _load(build_model(), config, "autoencoder", build, seed, used, X_train, X_test)


def _vae_objective(config: VAEConfig):
    def objective(model, x, rng):
        logits, mean, log_var = model(x, rng)
        total, reconstruction, kl = vae_loss(logits, x, mean, log_var, config.beta)
        return {"train_loss": total, "train_reconstruction": reconstruction, "train_kl": kl}

    return objective


def _vae_eval(model, X) -> dict:
    mean, log_var = model.encode_distribution(X)
    logits = model.decode_logits(mean)
    total, reconstruction, kl = vae_loss(logits, X, mean, log_var)
    return {"test_mse": float((torch.sigmoid(logits) - X).pow(2).mean()),
            "test_reconstruction": float(reconstruction), "test_kl": float(kl),
            "test_loss": float(total)}


def train_vae(
    data=None, config: VAEConfig | None = None, *, seed: int = 0, device: str = "auto"
) -> AutoencoderResult:
    """Train a :class:`VAE` (or load it from the cache); arguments as :func:`train_autoencoder`.

    ``history`` adds ``train_reconstruction`` and ``train_kl`` per epoch; ``metrics`` adds the
    held-out ``test_reconstruction``, ``test_kl`` and ``test_loss`` (negative ELBO, decoding the
    mean code). ``test_mse`` decodes the mean code of each held-out input.

    Used in: chapter 3.
    """
    config = config or VAEConfig()
    X_train, X_test, _ = as_split(data if data is not None else load_digits(), unit_range=True)
    _check_compresses(config.k, X_train.shape[1])
    used = repro.pick_device(device)

    def build():
        repro.set_seed(seed)
        with repro.one_thread():
            return _fit(VAE(X_train.shape[1], config), _vae_objective(config), X_train, X_test,
                        config, seed, used, _vae_eval)

    return _load(VAE(X_train.shape[1], config), config, "vae", build, seed, used, X_train, X_test)


def _load(model, config, name, build, seed, device, X_train, X_test) -> AutoencoderResult:
    entry = cache.train_or_load(name, config, build, seed=seed, device=device,
                                data=cache.fingerprint(X_train, X_test), models={"state": model})
    return AutoencoderResult(
        model=model,
        config=config,
        history={key: cache.floats(values) for key, values in entry.payload["history"].items()},
        metrics={key: float(v) for key, v in entry.payload["metrics"].items()},
        from_cache=entry.from_cache,
    )


# --------------------------------------------------------------------------------------------
# Using a trained model
# --------------------------------------------------------------------------------------------

@torch.no_grad()
def encode(model: nn.Module, X) -> np.ndarray:
    """Latent vectors ``(n, k)`` of inputs ``X`` ``(n, d)`` (for a VAE: the mean of each code)."""
    model.eval()
    return model.encode(_inputs(model, X)).cpu().numpy()


@torch.no_grad()
def decode(model: nn.Module, Z) -> np.ndarray:
    """Decoded outputs ``(n, d)`` of latent vectors ``Z`` ``(n, k)``."""
    model.eval()
    Z = metrics.check_vectors(Z, "Z", dim=model.k)
    return model.decode(torch.as_tensor(Z, dtype=torch.float32, device=repro.model_device(model))).cpu().numpy()


def reconstruct(model: nn.Module, X) -> np.ndarray:
    """``decode(encode(X))``: each input passed through the bottleneck and back."""
    return decode(model, encode(model, X))


def sample(model: VAE, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` new images from a VAE: latent vectors drawn from its prior ``N(0, I)``, decoded."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    z = torch.randn(n, model.k, generator=torch.Generator().manual_seed(seed))
    return decode(model, z)


def interpolate(start, end, steps: int = 8, *, spherical: bool = False) -> np.ndarray:
    """``steps`` points from ``start`` to ``end`` (both included), as a ``(steps, k)`` array.

    Linear by default; ``spherical=True`` follows the great circle (slerp), which keeps the
    norm typical of Gaussian latent vectors, as a GAN or VAE prior draws them.
    """
    a = np.asarray(start, dtype=np.float64).ravel()
    b = np.asarray(end, dtype=np.float64).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"start and end must be vectors of the same length, got {a.shape} and {b.shape}")
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (start and end), got {steps}")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if not spherical:
        return ((1 - t) * a + t * b).astype(np.float32)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:  # (anti)parallel or equal: slerp degenerates to lerp
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Interpolation over many pairs (chapter 3)
# --------------------------------------------------------------------------------------------

def different_class_pairs(y, n_pairs: int, *, seed: int = 0) -> np.ndarray:
    """``n_pairs`` random index pairs ``(i, j)`` with ``y[i] != y[j]``, shape ``(n_pairs, 2)``.

    Drawn uniformly among ordered pairs of different labels (no pair twice). Used in: chapter 3.
    """
    y = np.asarray(y).ravel()
    i, j = np.nonzero(y[:, None] != y[None, :])
    if n_pairs < 1 or n_pairs > len(i):
        raise ValueError(f"n_pairs must be from 1 to {len(i)} (the pairs of different labels), "
                         f"got {n_pairs}")
    chosen = np.random.default_rng(seed).choice(len(i), size=n_pairs, replace=False)
    return np.stack([i[chosen], j[chosen]], axis=1)


def interpolation_paths(model: nn.Module, X, pairs, *, steps: int = 9) -> dict[str, np.ndarray]:
    """Straight paths between pairs of inputs, in pixel space and in the model's latent space.

    Returns ``{"pixel space": ..., "AE latent space": ...}``, each ``(n_pairs, steps, d)``: the
    cross-fade of the two images, and the decoded straight line between their latent vectors.
    Used in: chapter 3.
    """
    X = metrics.check_vectors(X, "X")
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ValueError(f"pairs must be an integer array of shape (n, 2), got {pairs.shape}")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= len(X)):
        raise ValueError(f"pairs index rows 0 to {len(X) - 1} of X, got {pairs.min()}..{pairs.max()}")
    codes = encode(model, X)
    pixel = np.stack([interpolate(X[a], X[b], steps) for a, b in pairs])
    latent = np.stack([decode(model, interpolate(codes[a], codes[b], steps)) for a, b in pairs])
    return {"pixel space": pixel, "AE latent space": latent}


def half_grey_share(images, low: float = 0.2, high: float = 0.8) -> np.ndarray:
    """Share of pixels strictly between ``low`` and ``high``, over the last axis.

    High when a faint image is laid over another (a cross-fade). Used in: chapter 3.
    """
    if not 0 <= low < high <= 1:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}")
    images = np.asarray(images)
    return ((images > low) & (images < high)).mean(axis=-1)


def class_changes(labels) -> np.ndarray:
    """How many times the label changes along each path: ``labels`` ``(n_paths, steps)``.

    Used in: chapter 3 (a path between two digits of different classes that the classifier
    reads as one class, then the other, changes exactly once).
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.shape[1] < 2:
        raise ValueError(f"labels must have shape (n_paths, steps >= 2), got {labels.shape}")
    return (labels[:, 1:] != labels[:, :-1]).sum(axis=1)
