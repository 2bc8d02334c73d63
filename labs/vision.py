"""Vision: the course's digit CNN, its feature maps, and ViT-style patch embeddings.

Used in: chapter 5.2 (CNN feature maps and penultimate features; ViT patch embeddings),
chapter 3 (the CNN judges generated digits and lends its hidden layers) and chapter 6 (the
summary table).

The CNN (:class:`DigitCNN`) reads 8×8 digits and has four named stages, so that
``labs.activations.capture_activations(model, x, [name])`` returns any of them:

| name | output shape per image | values | compared with the 64 input pixels |
|---|---|---|---|
| ``"block1"`` | ``(16, 8, 8)`` | 1,024 | larger: an embedding vector, not latent |
| ``"block2"`` | ``(32, 4, 4)`` | 512 | larger |
| ``"penultimate"`` | ``(32,)`` | 32 | smaller: a latent vector |
| ``"head"`` | ``(10,)`` | 10 | class scores (logits) |

:class:`PatchEmbedding` is the first layer of a Vision Transformer: cut the image into
non-overlapping patches (:func:`patchify`), project each flattened patch linearly to ``dim``
numbers and add a learned position embedding per patch. With ``dim`` larger than the patch,
each patch's embedding vector is larger than the patch it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from labs import cache, repro
from labs.activations import capture_activations
from labs.data import DigitsSplit, check_unit_range, load_digits

IMAGE_SIDE = 8
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10
FEATURE_LAYERS = ("block1", "block2", "penultimate")


# --------------------------------------------------------------------------------------------
# Input checks shared by everything that takes digit images
# --------------------------------------------------------------------------------------------

def as_image_batch(images, *, side: int = IMAGE_SIDE) -> torch.Tensor:
    """Return ``images`` as a float32 tensor of shape ``(n, 1, side, side)``.

    Accepts NumPy arrays or tensors shaped ``(n, side*side)`` (flattened images, as
    ``labs.data.load_digits`` gives them) or ``(n, 1, side, side)``. Any other shape, an empty
    batch, or a NaN/infinite value raises ``ValueError`` saying what was expected.
    """
    tensor = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    tensor = tensor.detach().to(torch.float32)
    if tensor.ndim == 2 and tensor.shape[1] == side * side:
        tensor = tensor.reshape(-1, 1, side, side)
    elif not (tensor.ndim == 4 and tuple(tensor.shape[1:]) == (1, side, side)):
        raise ValueError(
            f"images have shape {tuple(tensor.shape)}; expected (n, {side * side}) flattened "
            f"{side}x{side} images or (n, 1, {side}, {side}) (reshape them first)"
        )
    if len(tensor) == 0:
        raise ValueError("images is empty: pass at least one image")
    if not torch.isfinite(tensor).all():
        bad = int((~torch.isfinite(tensor)).sum())
        raise ValueError(f"images contain {bad} NaN or infinite values; clean or drop those images")
    return tensor


# --------------------------------------------------------------------------------------------
# The digit CNN
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CNNConfig:
    """Architecture and training settings of :class:`DigitCNN` (defaults reach ≥ 0.98 test accuracy)."""

    channels1: int = 16  # feature maps of block1, each 8×8
    channels2: int = 32  # feature maps of block2, each 4×4 after pooling
    penultimate: int = 32  # size of the penultimate feature vector
    epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-2  # peak of a one-cycle schedule
    weight_decay: float = 1e-4
    shift: int = 1  # augmentation: move each training image by up to this many pixels

    def __post_init__(self):
        repro.check_positive(self, "channels1", "channels2", "penultimate", "epochs", "batch_size", "lr")
        if self.shift < 0:
            raise ValueError(f"shift must be at least 0, got {self.shift}")


class DigitCNN(nn.Module):
    """A small CNN for 8×8 digits: two conv blocks, a penultimate layer, a linear head.

    ``forward`` takes ``(n, 1, 8, 8)`` or flattened ``(n, 64)`` images with pixels in [0, 1] and
    returns logits ``(n, 10)``. The stages are named ``block1``, ``block2``, ``penultimate`` and
    ``head`` (see the module docstring for their sizes).
    """

    def __init__(self, config: CNNConfig | None = None):
        super().__init__()
        config = config or CNNConfig()
        c1, c2, p = config.channels1, config.channels2, config.penultimate
        self.block1 = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU())  # (n, c1, 8, 8)
        self.block2 = nn.Sequential(
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        )  # (n, c2, 4, 4)
        self.penultimate = nn.Sequential(nn.Flatten(), nn.Linear(c2 * 16, p), nn.ReLU())  # (n, p)
        self.head = nn.Linear(p, N_CLASSES)  # (n, 10) logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2 and x.shape[1] == N_PIXELS:
            x = x.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE)
        return self.head(self.penultimate(self.block2(self.block1(x))))


@dataclass(frozen=True, eq=False)
class CNNResult:
    """What :func:`train_cnn` returns."""

    model: DigitCNN  # eval mode, on the CPU
    history: list[float]  # mean training loss per epoch
    test_accuracy: float  # on the held-out digits of the split it was trained on
    config: CNNConfig = field(default_factory=CNNConfig)
    from_cache: bool = False


def _digits_fingerprint(split: DigitsSplit) -> str:
    return cache.fingerprint(split.X_train, split.y_train, split.X_test, split.y_test)


@torch.no_grad()
def accuracy(model: nn.Module, images, labels) -> float:
    """Share of ``images`` whose most probable class under ``model`` equals ``labels``."""
    predicted = classify(model, images).argmax(dim=1)
    return float((predicted == torch.as_tensor(np.asarray(labels))).float().mean())


def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Move each image of ``(n, 1, h, w)`` by a random whole number of pixels in ``[-max_shift, max_shift]``
    along each axis, filling with zeros (background). A cheap augmentation that makes a small
    CNN on 8×8 digits about one point more accurate."""
    if max_shift == 0:
        return images
    s = max_shift
    n, _, h, w = images.shape
    padded = nn.functional.pad(images, (s, s, s, s))
    dx = torch.randint(0, 2 * s + 1, (n,), generator=generator).to(images.device)
    dy = torch.randint(0, 2 * s + 1, (n,), generator=generator).to(images.device)
    out = torch.empty_like(images)
    for i in range(2 * s + 1):
        for j in range(2 * s + 1):
            chosen = (dx == i) & (dy == j)
            out[chosen] = padded[chosen, :, j : j + h, i : i + w]
    return out


def _fit_classifier(model: nn.Module, optimiser, split: DigitsSplit, *, epochs: int,
                    batch_size: int, lr: float, shift: int, seed: int, device: str) -> dict:
    """Mini-batch training on ``split`` with shift augmentation and a one-cycle schedule."""
    X = as_image_batch(split.X_train).to(device)
    y = torch.as_tensor(split.y_train).to(device)
    steps = epochs * -(-len(X) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in repro.progress(range(epochs), desc=f"{type(model).__name__} epochs"):
        model.train()
        order = torch.randperm(len(X), generator=generator).to(device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            inputs = random_shift(X[batch], shift, generator)
            loss = nn.functional.cross_entropy(model(inputs), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        history.append(total / len(X))
    model = model.cpu().eval()
    return {
        "state": cache.state_of(model),
        "history": history,
        "test_accuracy": accuracy(model, split.X_test, split.y_test),
    }


def _train_cnn(config: CNNConfig, split: DigitsSplit, seed: int, device: str) -> dict:
    with repro.one_thread():
        repro.set_seed(seed)
        model = DigitCNN(config).to(device)
        # foreach and repro.adam's lean step: faster on the CPU, torch's default bits (test_repro.py)
        optimiser = repro.adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay,
                               foreach=True)
        return _fit_classifier(model, optimiser, split, epochs=config.epochs, batch_size=config.batch_size,
                               lr=config.lr, shift=config.shift, seed=seed, device=device)


def train_cnn(
    data: DigitsSplit | None = None,
    config: CNNConfig | None = None,
    *,
    seed: int = 0,
    device: str = "auto",
) -> CNNResult:
    """Train :class:`DigitCNN` on the digits (or load it from the cache) and test it.

    Args:
        data: a :class:`labs.data.DigitsSplit`; ``labs.data.load_digits()`` by default.
        config: architecture and training settings; ``CNNConfig()`` by default.
        seed: seeds the weights and the order of the mini-batches.
        device: ``"auto"`` (a GPU if present), ``"cpu"`` or ``"cuda"``; training takes a few
            seconds on a CPU.

    Returns:
        :class:`CNNResult` with the model in eval mode on the CPU, the loss per epoch and the
        accuracy on ``data``'s held-out test digits.

    Used in: chapters 3 and 5.2.
    """
    config = config or CNNConfig()
    split = data if data is not None else load_digits()
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"data must be a labs.data.DigitsSplit, got {type(split).__name__}")
    used = repro.pick_device(device)
    entry = cache.train_or_load(
        "digit-cnn", config, lambda: _train_cnn(config, split, seed, used), seed=seed,
        device=used, data=_digits_fingerprint(split), models={"state": lambda: DigitCNN(config)},
    )
    return CNNResult(
        model=entry.models["state"],
        history=cache.floats(entry.payload["history"]),
        test_accuracy=float(entry.payload["test_accuracy"]),
        config=config,
        from_cache=entry.from_cache,
    )


@torch.no_grad()
def classify(model: nn.Module, images) -> torch.Tensor:
    """Class probabilities ``(n, 10)`` (CPU, float32) of ``images`` under a digit classifier.

    ``images`` is an array or tensor shaped ``(n, 64)`` or ``(n, 1, 8, 8)`` with pixels in
    [0, 1], as :func:`labs.data.load_digits` scales them. The model is used in eval mode and left
    in the mode it was in.
    Used in: chapter 3 (judging generated digits); chapter 5.2 uses it through :func:`accuracy`.
    """
    batch = as_image_batch(images)
    check_unit_range(batch, "images", needed_by="the digit classifier (trained on load_digits' pixels)")
    was_training = model.training
    model.eval()
    try:
        logits = model(batch.to(repro.model_device(model)))
    finally:
        model.train(was_training)
    return torch.softmax(logits, dim=1).cpu()


def feature_maps(model: nn.Module, images, layers=FEATURE_LAYERS) -> dict[str, torch.Tensor]:
    """Outputs of the named stages of ``model`` for ``images`` (see the module docstring).

    Returns a dict from layer name to a CPU tensor, e.g. ``"block1"`` → ``(n, 16, 8, 8)``.
    """
    return capture_activations(model, as_image_batch(images), list(layers))


def penultimate_features(model: nn.Module, images) -> torch.Tensor:
    """The penultimate-layer feature vectors ``(n, penultimate)`` of ``images``."""
    return feature_maps(model, images, ["penultimate"])["penultimate"]


def stage_sizes(model: nn.Module, layers=FEATURE_LAYERS) -> dict[str, tuple[int, ...]]:
    """Per-image output shape of each named stage, measured with one dummy image."""
    maps = feature_maps(model, torch.zeros(1, N_PIXELS), layers)
    return {name: tuple(value.shape[1:]) for name, value in maps.items()}


# --------------------------------------------------------------------------------------------
# A 2-D map of feature vectors
# --------------------------------------------------------------------------------------------

def _tsne(X: np.ndarray, seed: int) -> dict:
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    # One OpenMP/BLAS thread: 8x faster than two on a busy 2-core machine (measured), and the
    # map no longer depends on the thread count.
    with threadpool_limits(limits=1):
        points = TSNE(2, random_state=seed, init="pca", max_iter=500, n_jobs=1).fit_transform(X)
    return {"points": torch.as_tensor(points)}


def project_2d(features, *, seed: int = 0) -> np.ndarray:
    """A 2-D t-SNE map ``(n, 2)`` of ``(n, ...)`` feature vectors, for pictures only (cached).

    t-SNE keeps neighbourhoods, not distances or cluster sizes: read clusters off the picture,
    and take measured numbers (retrieval precision, probe accuracy) from the vectors themselves.
    """
    X = np.asarray(torch.as_tensor(np.asarray(features)).flatten(start_dim=1), dtype=np.float32)
    if len(X) < 5:
        raise ValueError(f"need at least 5 vectors for a t-SNE map, got {len(X)}")
    entry = cache.cached("tsne-2d", {"seed": seed, "max_iter": 500}, lambda: _tsne(X, seed),
                         data=cache.fingerprint(X))
    return entry.payload["points"].numpy()


# --------------------------------------------------------------------------------------------
# ViT-style patch embeddings
# --------------------------------------------------------------------------------------------

def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut ``(n, C, H, W)`` images into non-overlapping ``patch_size``² patches, row by row.

    Returns ``(n, (H/p)·(W/p), C·p·p)``: one flattened patch per row. Raises ``ValueError`` when
    ``H`` or ``W`` is not a multiple of ``patch_size`` (a ViT needs whole patches).
    """
    if images.ndim != 4:
        raise ValueError(f"images have shape {tuple(images.shape)}; expected (n, channels, height, width)")
    n, c, h, w = images.shape
    p = patch_size
    if not isinstance(p, int) or p < 1:
        raise ValueError(f"patch_size must be a positive integer, got {p!r}")
    if h % p or w % p:
        raise ValueError(
            f"a {h}x{w} image cannot be cut into whole {p}x{p} patches ({h} % {p} = {h % p}, "
            f"{w} % {p} = {w % p}); pick a patch size that divides both sides, or pad or crop the image"
        )
    patches = images.unfold(2, p, p).unfold(3, p, p)  # (n, c, h/p, w/p, p, p)
    return patches.permute(0, 2, 3, 1, 4, 5).reshape(n, (h // p) * (w // p), c * p * p)


@dataclass(frozen=True)
class PatchSizes:
    """Numbers per patch in and out of a learned patch embedding, and the course's verdict.

    The yardstick is the *nominal* patch: ``patch_size² × channels`` numbers. By the course's
    rule (chapter 4) a learned map's outputs are latent vectors iff they are smaller than its
    input, so a patch embedding with fewer numbers than its patch gives latent vectors, and one
    with as many or more gives embedding vectors only.
    """

    patch_numbers: int  # patch_size * patch_size * channels
    embedding_numbers: int  # numbers per patch embedding vector (dim, hidden_size)

    @property
    def ratio(self) -> float:
        return self.embedding_numbers / self.patch_numbers

    @property
    def change(self) -> str:
        if self.embedding_numbers < self.patch_numbers:
            return "compresses"
        return "expands" if self.embedding_numbers > self.patch_numbers else "same size"

    @property
    def verdict(self) -> str:
        return "latent vector" if self.change == "compresses" else "embedding vector"


def patch_sizes(config) -> PatchSizes:
    """:class:`PatchSizes` of a ViT configuration: this module's :class:`ViTConfig` (one
    channel, ``dim``) or a ``transformers.ViTConfig`` (``num_channels``, ``hidden_size``).

    Used in: chapter 5.2.
    """
    dim = getattr(config, "hidden_size", getattr(config, "dim", None))
    patch, channels = getattr(config, "patch_size", None), getattr(config, "num_channels", 1)
    for name, value in (("patch_size", patch), ("embedding size", dim), ("channels", channels)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}; pass a "
                             "labs.vision.ViTConfig or a transformers.ViTConfig")
    return PatchSizes(patch * patch * channels, dim)


class PatchEmbedding(nn.Module):
    """The first layer of a Vision Transformer (Dosovitskiy et al., 2021).

    ``patchify`` → one shared linear projection of each flattened patch to ``dim`` numbers →
    plus a learned position embedding per patch. ``forward`` takes ``(n, C, H, W)`` images (or
    flattened 8×8 digits) and returns ``(n, n_patches, dim)`` patch embedding vectors.
    """

    def __init__(self, image_size: int = IMAGE_SIDE, patch_size: int = 4, dim: int = 64, channels: int = 1):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(
                f"image_size {image_size} is not a multiple of patch_size {patch_size}; "
                "pick a patch size that divides the image side"
            )
        self.image_size, self.patch_size, self.channels = image_size, patch_size, channels
        self.n_patches = (image_size // patch_size) ** 2
        self.projection = nn.Linear(channels * patch_size**2, dim)  # shared by every patch
        self.position = nn.Parameter(torch.randn(1, self.n_patches, dim) * 0.02)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim == 2 and self.channels == 1 and images.shape[1] == self.image_size**2:
            images = images.reshape(-1, 1, self.image_size, self.image_size)
        if images.ndim == 4 and tuple(images.shape[1:]) != (self.channels, self.image_size, self.image_size):
            patchify(images, self.patch_size)  # raises the clear error if the size does not divide
            raise ValueError(
                f"images have shape {tuple(images.shape)}; this layer was built for "
                f"(n, {self.channels}, {self.image_size}, {self.image_size})"
            )
        return self.projection(patchify(images, self.patch_size)) + self.position  # (n, patches, dim)


@dataclass(frozen=True)
class ViTConfig:
    """A one-block Vision Transformer for 8×8 digits and its training settings."""

    patch_size: int = 4
    dim: int = 64
    depth: int = 1
    heads: int = 4
    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-2
    shift: int = 1

    def __post_init__(self):
        repro.check_positive(self, "patch_size", "dim", "depth", "heads", "epochs", "batch_size", "lr")
        if IMAGE_SIDE % self.patch_size:
            raise ValueError(f"patch_size {self.patch_size} does not divide the {IMAGE_SIDE}-pixel side of the digits")
        if self.shift < 0:
            raise ValueError(f"shift must be at least 0, got {self.shift}")


class TinyViT(nn.Module):
    """Patch embedding → ``depth`` Transformer encoder blocks → mean over patches → linear head.

    Named stages for :func:`labs.activations.capture_activations`: ``patch_embed`` (the patch
    embedding vectors, ``(n, n_patches, dim)``), ``encoder`` and ``head``.
    """

    def __init__(self, config: ViTConfig | None = None):
        super().__init__()
        c = config or ViTConfig()
        self.patch_embed = PatchEmbedding(IMAGE_SIDE, c.patch_size, c.dim)
        block = nn.TransformerEncoderLayer(c.dim, c.heads, 2 * c.dim, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(block, c.depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.dim)
        self.head = nn.Linear(c.dim, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.encoder(self.patch_embed(x))  # (n, patches, dim)
        return self.head(self.norm(tokens.mean(dim=1)))


@dataclass(frozen=True, eq=False)
class ViTResult:
    """What :func:`train_vit` returns (as :class:`CNNResult`)."""

    model: TinyViT
    history: list[float]
    test_accuracy: float
    config: ViTConfig = field(default_factory=ViTConfig)
    from_cache: bool = False


def _train_vit(config: ViTConfig, split: DigitsSplit, seed: int, device: str) -> dict:
    with repro.one_thread():
        repro.set_seed(seed)
        model = TinyViT(config).to(device)
        optimiser = repro.adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay,
                               foreach=True, decoupled_weight_decay=True)  # AdamW, as train_cnn's
        return _fit_classifier(model, optimiser, split, epochs=config.epochs, batch_size=config.batch_size,
                               lr=config.lr, shift=config.shift, seed=seed, device=device)


def train_vit(data: DigitsSplit | None = None, config: ViTConfig | None = None, *, seed: int = 0,
              device: str = "auto") -> ViTResult:
    """Train :class:`TinyViT` on the digits (or load it from the cache) and test it.

    Same data, augmentation and schedule as :func:`train_cnn`; AdamW. Used in: chapter 5.2.
    """
    config = config or ViTConfig()
    split = data if data is not None else load_digits()
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"data must be a labs.data.DigitsSplit, got {type(split).__name__}")
    used = repro.pick_device(device)
    entry = cache.train_or_load(
        "digit-vit", config, lambda: _train_vit(config, split, seed, used), seed=seed,
        device=used, data=_digits_fingerprint(split), models={"state": lambda: TinyViT(config)},
    )
    return ViTResult(entry.models["state"], cache.floats(entry.payload["history"]),
                     float(entry.payload["test_accuracy"]), config, entry.from_cache)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def plot_feature_maps(maps: torch.Tensor, *, columns: int = 16, title: str | None = None, axes=None):
    """Draw the ``(channels, h, w)`` feature maps of one image as a grid of small images.

    Each map gets its own colour scale (``viz.SEQUENTIAL_CMAP``). Pass a row of ``axes`` to draw
    into an existing figure; returns the axes used.
    """
    import matplotlib.pyplot as plt

    from labs import viz

    maps = torch.as_tensor(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps have shape {tuple(maps.shape)}; expected (channels, height, width) of one image")
    if axes is None:
        rows = -(-len(maps) // columns)
        _, axes = plt.subplots(rows, columns, figsize=(0.55 * columns, 0.6 * rows), squeeze=False)
    flat = np.asarray(axes).ravel()
    for ax in flat:
        ax.axis("off")
    for ax, fmap in zip(flat, maps):
        ax.imshow(fmap.numpy(), cmap=viz.SEQUENTIAL_CMAP)
    if title:
        flat[0].figure.suptitle(title)
    return axes


# --------------------------------------------------------------------------------------------
# Codes of equal size: is the penultimate layer better than codes that never saw a label?
# --------------------------------------------------------------------------------------------

def codes_of_equal_size(model: nn.Module, split: DigitsSplit, *, seed: int = 0,
                        device: str = "auto") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Train and test vectors of ``split`` under four representations, for one linear probe.

    The CNN's penultimate features were trained on the digits' labels, so a probe reading them
    well is expected. The fair comparison is with *unsupervised* codes of the same size ``k``
    (the width of ``model``'s penultimate layer), fitted on ``split.X_train`` only, without
    labels: PCA with ``k`` components and an MLP autoencoder with a ``k``-number bottleneck
    (``labs.autoencoder.train_autoencoder``, cached). The raw pixels are the baseline.

    Args:
        model: a trained :class:`DigitCNN` (``CNNResult.model``).
        split: the :class:`labs.data.DigitsSplit` it was trained on.
        seed: seeds PCA and the autoencoder's training.
        device: where the autoencoder trains (``"auto"``, ``"cpu"`` or ``"cuda"``).

    Returns:
        ``{"raw pixels": (train, test), "PCA-k": ..., "autoencoder-k": ...,
        "penultimate-k": ...}``, each a pair of ``(n, d)`` float arrays.

    Used in: chapter 5.2.
    """
    from labs.autoencoder import AutoencoderConfig, train_autoencoder
    from labs.metrics import pca_reconstruction

    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a labs.data.DigitsSplit, got {type(split).__name__}")
    penultimate = getattr(model, "penultimate", None)
    if not isinstance(penultimate, nn.Module):
        raise TypeError(f"model must be a DigitCNN with a penultimate stage, got {type(model).__name__}")
    k = penultimate_features(model, split.X_train[:1]).shape[1]
    if k >= N_PIXELS:
        raise ValueError(f"the penultimate layer has {k} numbers, not fewer than the {N_PIXELS} "
                         "pixels: no code of that size compresses the digit")
    pca = pca_reconstruction(split.X_train, split.X_test, k, seed=seed)
    autoencoder = train_autoencoder(data=split, config=AutoencoderConfig(k=k), seed=seed,
                                    device=device).model
    with torch.no_grad():
        codes = [autoencoder.encode(torch.as_tensor(X)).numpy()
                 for X in (split.X_train, split.X_test)]
    return {
        "raw pixels": (np.asarray(split.X_train), np.asarray(split.X_test)),
        f"PCA-{k}": (pca.codes_train, pca.codes_test),
        f"autoencoder-{k}": (codes[0], codes[1]),
        f"penultimate-{k}": tuple(penultimate_features(model, X).numpy()
                                  for X in (split.X_train, split.X_test)),
    }
