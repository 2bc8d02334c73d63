"""A small GAN on the digits: a latent space that is the *input* of a generator.

Used in: chapter 3 (the GAN's latent space; why "compression" fits it less well than it fits an
autoencoder), chapter 4 (its input noise is neither kind of vector) and chapter 6 (the summary
table).

A generator maps a random latent vector ``z ~ N(0, I)`` to an image; a discriminator learns to
tell generated images from real ones, and the generator learns to fool it (Goodfellow et al.
2014). Nothing maps an image to its ``z``: :func:`invert` has to *search* for one by gradient
descent. The generator used for sampling is an exponential moving average of the trained one's
weights, a standard way to get cleaner samples from a short training run.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from labs import cache, metrics, repro
from labs.data import as_split, load_digits


@dataclass(frozen=True)
class GANConfig:
    """Architecture and training settings; the defaults train in about 12 seconds on one CPU core.

    The defaults were chosen over three seeds for the share of samples the course's CNN reads
    confidently (chapter 3): mini-batches of 64 with Adam's first moment off (``betas=(0, 0.99)``)
    reach at 5,000 steps what batches of 256 with ``betas=(0.5, 0.999)`` reached (about 81 % on
    average over seeds 0-2), at under half the cost.
    """

    latent_dim: int = 8  # length of the generator's input vector z
    generator_hidden: tuple[int, ...] = (128, 256)
    discriminator_hidden: tuple[int, ...] = (256, 128)
    steps: int = 5000  # generator updates (one discriminator update each)
    batch_size: int = 64
    lr: float = 2e-3
    betas: tuple[float, float] = (0.0, 0.99)
    ema: float = 0.998  # decay of the moving average of the generator's weights
    log_every: int = 100  # steps per entry of the loss history

    def __post_init__(self):
        repro.check_positive(self, "latent_dim", "steps", "batch_size", "lr", "log_every")
        if not 0 <= self.ema < 1:
            raise ValueError(f"ema must be in [0, 1), got {self.ema}")


class Generator(nn.Module):
    """``z (n, latent_dim) → image (n, d)``: Linear–BatchNorm–ReLU blocks, a sigmoid output."""

    def __init__(self, latent_dim: int, output_dim: int, hidden: tuple[int, ...]):
        super().__init__()
        self.latent_dim, self.output_dim = latent_dim, output_dim
        layers: list[nn.Module] = []
        for a, b in zip((latent_dim, *hidden), hidden):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(hidden[-1] if hidden else latent_dim, output_dim),
                                 nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    """``image (n, d) → logit (n, 1)``: how real the image looks (positive = real)."""

    def __init__(self, input_dim: int, hidden: tuple[int, ...]):
        super().__init__()
        layers: list[nn.Module] = []
        for a, b in zip((input_dim, *hidden), hidden):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers, nn.Linear(hidden[-1] if hidden else input_dim, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@dataclass(frozen=True, eq=False)
class GANResult:
    """What :func:`train_gan` returns: both networks (eval mode, CPU) and the loss history.

    ``history["d_loss"]``/``["g_loss"]`` hold the mean losses of each block of
    ``config.log_every`` steps; ``history["d_real"]``/``["d_fake"]`` the discriminator's mean
    probability that real and generated images are real.
    """

    generator: Generator  # the moving average of the trained generator's weights
    discriminator: Discriminator
    config: GANConfig
    history: dict[str, list[float]]
    from_cache: bool = False


@torch.no_grad()
def _recalibrate(generator: Generator, config: GANConfig, rng, device, batches: int = 20) -> None:
    """Recompute the BatchNorm statistics of the averaged generator from its own outputs.

    The running statistics were collected for the live generator's weights, not for their
    moving average; averaging them afresh over a few batches makes the two agree.
    """
    for module in generator.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.reset_running_stats()
            module.momentum = None  # a plain average over the batches below
    generator.train()
    for _ in range(batches):
        generator(torch.randn(config.batch_size, config.latent_dim, generator=rng, device=device))
    for module in generator.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.momentum = 0.1
    generator.eval()


def _train(config: GANConfig, X_train: np.ndarray, seed: int, device: str) -> dict:
    repro.set_seed(seed)
    d = X_train.shape[1]
    G = Generator(config.latent_dim, d, config.generator_hidden).to(device)
    D = Discriminator(d, config.discriminator_hidden).to(device)
    G_avg = copy.deepcopy(G)
    # foreach and repro.adam's lean step: a third faster on the CPU, and the trained weights are
    # bit for bit those of torch's default Adam (tests/test_repro.py).
    opt_g = repro.adam(G.parameters(), lr=config.lr, betas=config.betas, foreach=True)
    opt_d = repro.adam(D.parameters(), lr=config.lr, betas=config.betas, foreach=True)
    g_weights = list(G.parameters())
    X = torch.as_tensor(X_train, device=device)
    rng = torch.Generator(device=device).manual_seed(seed)
    n = config.batch_size
    labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]).to(device)  # real, then fake
    bce = nn.functional.binary_cross_entropy_with_logits
    history: dict[str, list[float]] = {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
    sums = torch.zeros(4, device=device)
    for step in repro.progress(range(1, config.steps + 1), desc="GAN steps"):
        real = X[torch.randint(0, len(X), (n,), generator=rng, device=device)]
        fake = G(torch.randn(n, config.latent_dim, generator=rng, device=device))
        # Discriminator: real images → 1, generated ones → 0 (one pass over both).
        logits = D(torch.cat([real, fake.detach()]))
        d_loss = 2 * bce(logits, labels)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # Generator: make the discriminator call its images real (the non-saturating loss).
        # Only the generator's gradients: the discriminator's would be discarded unused.
        g_loss = bce(D(fake), labels[:n])
        for weight, grad in zip(g_weights, torch.autograd.grad(g_loss, g_weights)):
            weight.grad = grad
        opt_g.step()
        with torch.no_grad():
            # BatchNorm statistics are not averaged: _recalibrate recomputes them at the end.
            torch._foreach_lerp_(list(G_avg.parameters()), list(G.parameters()), 1 - config.ema)
            p = torch.sigmoid(logits.detach())
            sums += torch.stack([d_loss.detach(), g_loss.detach(), p[:n].mean(), p[n:].mean()])
        if step % config.log_every == 0 or step == config.steps:
            block = config.log_every if step % config.log_every == 0 else step % config.log_every
            for name, value in zip(history, (sums / block).tolist()):
                history[name].append(value)
            sums.zero_()
    _recalibrate(G_avg, config, rng, device)
    return {"generator": cache.state_of(G_avg), "discriminator": cache.state_of(D), "history": history}


def train_gan(data=None, config: GANConfig | None = None, *, seed: int = 0,
              device: str = "auto") -> GANResult:
    """Train the GAN on ``data.X_train`` (or load it from the cache).

    Args:
        data: a ``labs.data.DigitsSplit`` (the default), any object with ``X_train`` and
            ``X_test``, or a ``(X_train, X_test)`` pair; only ``X_train`` is used, values in [0, 1].
        config: :class:`GANConfig`; the defaults train in about 12 seconds on one CPU core.
        seed: seeds the weights, the latent vectors and the mini-batches.
        device: ``"auto"`` (a GPU if present), ``"cpu"`` or ``"cuda"``.

    Used in: chapter 6; chapter 3 through :func:`train_in_background`.
    """
    config = config or GANConfig()
    X_train, _, _ = as_split(data if data is not None else load_digits(), unit_range=True)
    used = repro.pick_device(device)

    def build():
        with repro.one_thread():
            return _train(config, X_train, seed, used)

    d = X_train.shape[1]
    entry = cache.train_or_load(
        "gan", config, build, seed=seed, device=used, data=cache.fingerprint(X_train),
        models={"generator": lambda: Generator(config.latent_dim, d, config.generator_hidden),
                "discriminator": lambda: Discriminator(d, config.discriminator_hidden)})
    history = {k: cache.floats(values) for k, values in entry.payload["history"].items()}
    return GANResult(entry.models["generator"], entry.models["discriminator"], config, history,
                     entry.from_cache)


def _train_in_child(X_train: np.ndarray, config: GANConfig, seed: int, device: str) -> None:
    """Run in a fresh process by :func:`train_in_background`: train one seed into the cache."""
    import os

    os.environ["LABS_PROGRESS"] = "0"  # a child's bars would go to the kernel's terminal
    repro.make_deterministic()  # as the notebook's setup cell; training itself uses one thread
    train_gan((X_train, X_train[:1]), config, seed=seed, device=device)


class BackgroundTraining:
    """GANs being trained in other processes; :meth:`result` waits for them and loads them."""

    def __init__(self, data, config: GANConfig, seeds: tuple[int, ...], device: str, pool, futures):
        self.data, self.config, self.seeds, self.device = data, config, seeds, device
        self._pool, self._futures = pool, futures

    def result(self) -> list[GANResult]:
        """One :class:`GANResult` per seed, in order (each loaded from the cache)."""
        try:
            for future in self._futures:
                future.result()  # re-raises an error from the child process
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        return [train_gan(self.data, self.config, seed=s, device=self.device) for s in self.seeds]


def train_in_background(data=None, config: GANConfig | None = None, *, seeds=(0, 1, 2),
                        device: str = "auto", processes: int | None = None) -> BackgroundTraining:
    """Start training one GAN per seed in separate processes, and return at once.

    Each process runs exactly what :func:`train_gan` runs (one thread, the same seed), so the
    models are the ones ``train_gan(data, config, seed=s)`` trains, and the cache holds them
    afterwards. Seeds already in the cache are not trained again. ``processes`` defaults to the
    CPU cores, shared with the notebook, which goes on with other cells meanwhile: on 2 cores,
    one process left a core idle whenever the notebook waited for the last GAN. Used in:
    chapter 3.
    """
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    config = config or GANConfig()
    seeds = tuple(int(s) for s in seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {seeds}")
    if processes is not None and processes < 1:
        raise ValueError(f"processes must be at least 1, got {processes}")
    X_train, _, _ = as_split(data if data is not None else load_digits(), unit_range=True)
    used = repro.pick_device(device)
    missing = [s for s in seeds if not _in_cache(config, s, used, X_train)]
    if used != "cpu" or not missing:  # a GPU trains them one by one as fast
        return BackgroundTraining(data, config, seeds, device, None, [])
    workers = min(len(missing), processes or os.cpu_count() or 1)
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
    futures = [pool.submit(_train_in_child, X_train, config, s, used) for s in missing]
    return BackgroundTraining(data, config, seeds, device, pool, futures)


def _in_cache(config: GANConfig, seed: int, device: str, X_train: np.ndarray) -> bool:
    """Whether :func:`train_gan` would load this model rather than train it."""
    from dataclasses import asdict

    key = cache.entry_key("gan", {**asdict(config), "seed": seed, "device": device},
                          cache.fingerprint(X_train), train_gan)
    return (cache.cache_dir() / f"gan-{key[:20]}.pt").exists()


def sample_latent(n: int, latent_dim: int, *, seed: int = 0) -> np.ndarray:
    """``n`` latent vectors drawn from the generator's prior ``N(0, I)``, shape ``(n, latent_dim)``."""
    if n < 1 or latent_dim < 1:
        raise ValueError(f"n and latent_dim must be at least 1, got n={n}, latent_dim={latent_dim}")
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed)).numpy()


@torch.no_grad()
def generate(generator: Generator, Z) -> np.ndarray:
    """Images ``(n, d)`` the generator makes from latent vectors ``Z`` ``(n, latent_dim)``."""
    Z = metrics.check_vectors(Z, "Z", dim=generator.latent_dim)
    generator.eval()
    device = repro.model_device(generator)
    return generator(torch.as_tensor(Z, dtype=torch.float32, device=device)).cpu().numpy()


def sample(generator: Generator, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` new images: :func:`sample_latent` then :func:`generate`."""
    return generate(generator, sample_latent(n, generator.latent_dim, seed=seed))


@dataclass(frozen=True)
class SampleQuality:
    """How a classifier judges generated images (see :func:`judge`)."""

    confident_share: float  # share classified with probability >= threshold
    threshold: float
    counts: tuple[int, ...]  # how many samples each class received (most probable class)
    classes_present: int  # classes with at least one sample

    def __str__(self) -> str:
        return (f"{self.confident_share:.1%} classified with confidence >= {self.threshold:g}; "
                f"{self.classes_present} of {len(self.counts)} classes present")


def judge(probabilities, *, threshold: float = 0.9) -> SampleQuality:
    """Summarise a classifier's class probabilities ``(n, n_classes)`` for generated images."""
    p = metrics.check_vectors(probabilities, "probabilities")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    counts = np.bincount(p.argmax(axis=1), minlength=p.shape[1])
    return SampleQuality(
        confident_share=float((p.max(axis=1) >= threshold).mean()),
        threshold=threshold,
        counts=tuple(int(c) for c in counts),
        classes_present=int((counts > 0).sum()),
    )


@dataclass(frozen=True)
class Inversion:
    """Latent vectors found for given images by :func:`invert`, and how well they reproduce them."""

    codes: np.ndarray  # (n, latent_dim)
    images: np.ndarray  # (n, d) generated from the codes
    mse: np.ndarray  # (n,) reconstruction error per image
    history: list[float]  # mean error per optimisation step


def invert(generator: Generator, images, *, steps: int = 300, lr: float = 0.05,
           seed: int | tuple[int, ...] = 0) -> Inversion | list[Inversion]:
    """Search, by gradient descent, for the latent vector from which the generator best draws each image.

    A GAN has no encoder: the only way from an image to "its" latent vector is an optimisation
    per image, started from a random ``z`` (``seed``) and minimising the squared pixel error.
    Different starts can end at different codes; :func:`two_starts` compares two searches.
    Several seeds, e.g. ``seed=(0, 1)``, run those searches as one batch and return a list of
    :class:`Inversion`, each what ``invert(..., seed=s)`` returns. Used in: chapters 3 and 6.
    """
    X = metrics.check_vectors(images, "images", dim=generator.output_dim)
    if steps < 1 or not lr > 0:
        raise ValueError(f"steps must be at least 1 and lr positive, got steps={steps}, lr={lr}")
    generator.eval()
    return _search(generator, generator.latent_dim, X, steps, lr, seed,
                   repro.model_device(generator), owner=generator)


def _seeds(seed) -> tuple[int, ...]:
    """``seed`` as a tuple of distinct starts: an int is one start."""
    seeds = (seed,) if isinstance(seed, (int, np.integer)) else tuple(seed)
    if not seeds or len(set(seeds)) != len(seeds) or not all(
            isinstance(s, (int, np.integer)) and s >= 0 for s in seeds):
        raise ValueError(f"seed must be a non-negative int or distinct ones, got {seed!r}")
    return tuple(int(s) for s in seeds)


def _search(decode, latent_dim: int, X: np.ndarray, steps: int, lr: float, seed,
            device: str = "cpu", owner: nn.Module | None = None):
    """Adam on the codes only, from ``sample_latent(n, latent_dim, seed)``; cached when the
    decoder is (a method of) a module ``owner``: keyed by its weights and its class's source.

    ``seed`` may be several starts: they run as one batch (rows of one tensor of codes, the
    sum of their mean errors as the loss), each start's rows getting exactly the gradient and
    Adam update of a search alone (``tests/test_gan.py``), at about half the cost of two
    searches. Returns one :class:`Inversion` for an int ``seed``, else a list of them."""
    seeds = _seeds(seed)
    target = torch.as_tensor(X, dtype=torch.float32, device=device)
    n = len(X)
    targets = target.repeat(len(seeds), 1)

    def build() -> dict:
        z = torch.cat([torch.as_tensor(sample_latent(n, latent_dim, seed=s)) for s in seeds])
        z = z.to(device).requires_grad_(True)
        optimiser = repro.adam([z], lr=lr)
        history = []
        # The gradient of the codes only: the decoder's weights are neither touched nor given
        # gradients, so several searches can share one decoder side by side (repro.side_by_side).
        with repro.one_thread():
            for _ in range(steps):
                squared = (decode(z) - targets).pow(2)
                losses = [squared[i * n:(i + 1) * n].mean() for i in range(len(seeds))]
                (z.grad,) = torch.autograd.grad(sum(losses[1:], losses[0]), [z])
                optimiser.step()
                history.append(torch.stack(losses).tolist())
            with torch.no_grad():
                made = decode(z)
        return {"codes": z.detach().cpu(), "images": made.cpu(), "history": history}

    if owner is None:
        payload = build()
    else:
        settings = {"latent_dim": latent_dim, "steps": steps, "lr": lr, "seeds": seeds,
                    "decode": getattr(decode, "__name__", type(decode).__name__)}
        payload = cache.cached("inversion", settings, build, data=cache.fingerprint(
            X, owner.state_dict(), owner.training, cache.source_fingerprint(type(owner)))).payload
    found = []
    for i in range(len(seeds)):
        rows = slice(i * n, (i + 1) * n)
        images = payload["images"][rows]
        mse = (images - target.cpu()).pow(2).mean(dim=1)
        found.append(Inversion(payload["codes"][rows].numpy(), images.numpy(), mse.numpy(),
                               cache.floats([step[i] for step in payload["history"]])))
    return found[0] if isinstance(seed, (int, np.integer)) else found


# --------------------------------------------------------------------------------------------
# Controls for the GAN (chapter 3): memorisation, a PCA baseline, inverting any decoder
# --------------------------------------------------------------------------------------------

def nearest_distances(queries, references) -> np.ndarray:
    """Euclidean distance from each row of ``queries`` to its nearest row of ``references``.

    Computed in float64 as ``|q|² + |r|² − 2 q·r`` (clipped at 0), shape ``(len(queries),)``.
    Used in: chapter 3 through :func:`memorisation_check`.
    """
    Q = metrics.check_vectors(queries, "queries").astype(np.float64)
    R = metrics.check_vectors(references, "references", dim=Q.shape[1]).astype(np.float64)
    squared = (Q ** 2).sum(1)[:, None] + (R ** 2).sum(1)[None, :] - 2 * Q @ R.T
    return np.sqrt(np.clip(squared.min(axis=1), 0, None))


@dataclass(frozen=True)
class MemorisationCheck:
    """How close generated images sit to the training set, against held-out real images.

    A generator that memorises draws images much closer to some training image than a new real
    image of the same kind is: ``share_closer`` (the share of samples nearer to the training
    set than the ``percentile``-th percentile of the held-out distances) is then far above
    ``percentile`` %.
    """

    sample_distances: np.ndarray  # (n_samples,) each sample to its nearest training image
    heldout_distances: np.ndarray  # (n_heldout,) each held-out image to its nearest training one
    percentile: float

    @property
    def median_sample(self) -> float:
        return float(np.median(self.sample_distances))

    @property
    def median_heldout(self) -> float:
        return float(np.median(self.heldout_distances))

    @property
    def threshold(self) -> float:
        """The ``percentile``-th percentile of the held-out distances."""
        return float(np.percentile(self.heldout_distances, self.percentile))

    @property
    def share_closer(self) -> float:
        return float((self.sample_distances < self.threshold).mean())

    def __str__(self) -> str:
        return (f"median distance to the nearest training image: samples "
                f"{self.median_sample:.2f}, held-out digits {self.median_heldout:.2f}; "
                f"{self.share_closer:.1%} of samples closer than the held-out "
                f"{self.percentile:g}th percentile ({self.threshold:.2f})")


def memorisation_check(samples, X_train, X_heldout, *, percentile: float = 5.0) -> MemorisationCheck:
    """Compare each sample's nearest-training-image distance with that of held-out images.

    Args:
        samples: generated images ``(n, d)``.
        X_train: the images the generator was trained on ``(m, d)``.
        X_heldout: real images it never saw ``(h, d)``: their distances to ``X_train`` are
            what "as close as a new real digit" means.
        percentile: the held-out percentile a sample must beat to count as suspiciously close.

    Used in: chapter 3.
    """
    if not 0 < percentile < 100:
        raise ValueError(f"percentile must be in (0, 100), got {percentile}")
    S = metrics.check_vectors(samples, "samples")
    H = metrics.check_vectors(X_heldout, "X_heldout", dim=S.shape[1])
    T = metrics.check_vectors(X_train, "X_train", dim=S.shape[1])
    return MemorisationCheck(nearest_distances(S, T), nearest_distances(H, T), float(percentile))


def pca_gaussian_sample(X_train, k: int, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` images from a Gaussian fitted in the space of the first ``k`` principal components.

    PCA is fitted on ``X_train`` (centred, by SVD, each component's sign fixed so that its
    largest loading is positive); coefficients are drawn from the Gaussian fitted to the
    training coefficients (independent, with the components' variances, since PCA coefficients
    are uncorrelated), decoded back to pixels and clipped to [0, 1]. A baseline sampler with
    no neural network: what a generator must beat. Used in: chapter 3.
    """
    X = metrics.check_vectors(X_train, "X_train").astype(np.float64)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= min(X.shape):
        raise ValueError(f"k must be an integer from 1 to {min(X.shape)} (the rank bound), got {k}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    components = Vt[:k] * np.sign(Vt[:k][np.arange(k), np.abs(Vt[:k]).argmax(axis=1)])[:, None]
    std = s[:k] / np.sqrt(len(X) - 1)
    coefficients = np.random.default_rng(seed).standard_normal((n, k)) * std
    return np.clip(mean + coefficients @ components, 0, 1).astype(np.float32)


def invert_decoder(decode, latent_dim: int, images, *, steps: int = 300, lr: float = 0.05,
                   seed: int | tuple[int, ...] = 0) -> Inversion | list[Inversion]:
    """:func:`invert` for any differentiable decoder: search a code per image by Adam.

    Args:
        decode: a callable taking a float32 tensor ``(n, latent_dim)`` to images ``(n, d)``
            (a generator, or an autoencoder's decoder with its output sigmoid); its
            parameters are left untouched (gradients are taken with respect to the codes only).
        latent_dim: the code length.
        images: target images ``(n, d)``.
        steps, lr, seed: as in :func:`invert` (the start is ``sample_latent(n, latent_dim,
            seed=seed)``, drawn from N(0, I)).

    ``history`` holds the mean squared error before each step; :func:`tail_improvement`
    says whether it has levelled off. Used in: chapter 3 (the inversion control).
    """
    X = metrics.check_vectors(images, "images")
    if latent_dim < 1 or steps < 1 or not lr > 0:
        raise ValueError(f"latent_dim and steps must be at least 1 and lr positive, got "
                         f"latent_dim={latent_dim}, steps={steps}, lr={lr}")
    target = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        made = decode(torch.as_tensor(sample_latent(len(X), latent_dim, seed=_seeds(seed)[0])))
    if not isinstance(made, torch.Tensor) or tuple(made.shape) != tuple(target.shape):
        raise ValueError(f"decode must return a tensor of the images' shape {tuple(target.shape)}, "
                         f"got {getattr(made, 'shape', type(made).__name__)}")
    owner = getattr(decode, "__self__", decode)
    return _search(decode, latent_dim, X, steps, lr, seed,
                   owner=owner if isinstance(owner, nn.Module) else None)


@dataclass(frozen=True)
class TwoStarts:
    """Two searches for the codes of the same images from different random starts."""

    mse: float  # the first search's mean squared pixel error
    gap: float  # median distance between the two codes found for one image
    ratio: float  # gap ÷ median distance between the first search's codes of two different images
    one_code: float  # share of images whose two codes coincide (within a tenth of that distance)
    levelled: bool  # both searches improved by less than 1 % in their last tenth of steps


def two_starts(first: Inversion, second: Inversion) -> TwoStarts:
    """Whether two searches (:func:`invert`, :func:`invert_decoder`) found one code per image.

    Codes of different models live on different scales, so the distance between the two codes
    found for an image is compared with the distance between the codes of two *different*
    images (each image against the next one). Used in: chapter 3.
    """
    if first.codes.shape != second.codes.shape or len(first.codes) < 2:
        raise ValueError(f"two searches for the same images (at least 2) are needed, got codes "
                         f"{first.codes.shape} and {second.codes.shape}")
    same = np.linalg.norm(first.codes - second.codes, axis=1)
    other = np.median(np.linalg.norm(first.codes - np.roll(first.codes, 1, axis=0), axis=1))
    return TwoStarts(mse=float(first.mse.mean()), gap=float(np.median(same)),
                     ratio=float(np.median(same) / other), one_code=float((same < 0.1 * other).mean()),
                     levelled=max(tail_improvement(r.history) for r in (first, second)) < 0.01)


def tail_improvement(history, share: float = 0.1) -> float:
    """Relative drop of a loss over the last ``share`` of its steps: ``(h[-m-1] − h[-1]) / h[-m-1]``.

    Below 0.01 the search has levelled off (it improved by less than 1 % in its last tenth).
    Used in: chapter 3 through :func:`two_starts`.
    """
    h = np.asarray(history, dtype=np.float64).ravel()
    if not 0 < share < 1:
        raise ValueError(f"share must be in (0, 1), got {share}")
    m = max(1, int(round(share * len(h))))
    if len(h) < m + 1:
        raise ValueError(f"history needs at least {m + 1} entries, got {len(h)}")
    if h[-m - 1] == 0:  # nothing left to improve
        return 0.0
    return float((h[-m - 1] - h[-1]) / h[-m - 1])
