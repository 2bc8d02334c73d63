"""Reproducibility: one call that makes a notebook give the same numbers on every run.

Used in: every chapter (the shared setup cell calls :func:`setup`).

Environment variables read here (all optional):

* ``LABS_THREADS``: torch intra-op threads (default 2, the size of the course's reference machine;
  results printed by the chapters were produced with this value);
* ``LABS_PROGRESS``: ``1`` shows tqdm progress bars, ``0`` hides them. By default they are shown to
  people and hidden under CI (``CI`` set) and when notebooks are executed for the book or nbval
  (the course's Makefile sets ``LABS_PROGRESS=0`` there).
"""

from __future__ import annotations

import os
import random
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

if TYPE_CHECKING:  # torch is imported where it is needed: importing repro stays fast
    import torch

DEFAULT_THREADS = 2
T = TypeVar("T")


@dataclass(frozen=True)
class ReproState:
    """What :func:`setup` fixed: the seed, the torch device, the thread count, progress bars on/off."""

    seed: int
    device: str
    threads: int
    progress: bool


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and all GPUs)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def check_positive(config, *names: str) -> None:
    """Refuse a config whose fields ``names`` are not positive: "window must be positive, got 0"."""
    for name in names:
        value = getattr(config, name)
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")


def thread_count() -> int:
    """Threads the course uses for torch: ``LABS_THREADS`` or 2, never more than the machine has."""
    raw = os.environ.get("LABS_THREADS", str(DEFAULT_THREADS))
    try:
        wanted = int(raw)
    except ValueError:
        raise ValueError(f"LABS_THREADS must be a positive integer, got {raw!r}") from None
    if wanted < 1:
        raise ValueError(f"LABS_THREADS must be a positive integer, got {raw!r}")
    return wanted


def make_deterministic(threads: int | None = None) -> int:
    """Fix torch's thread counts and ask it for deterministic kernels; return the thread count.

    Floating-point sums depend on how work is split between threads, so the thread count is part
    of what makes a printed loss reproducible.
    """
    import torch

    threads = thread_count() if threads is None else threads
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # torch allows this only before its first parallel op; the intra-op count matters most
    # cuBLAS needs this to be deterministic on GPUs; harmless on the CPU.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    # The public switch, torch.use_deterministic_algorithms, also imports the torch.compile
    # configuration (800 modules, about 1 s in every notebook); the course never compiles, so
    # set the flag that the switch sets for eager kernels.
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None:  # another torch, e.g. Colab's, that lacks it
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        setter(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    return threads


def pick_device(preference: str = "auto") -> str:
    """Return ``"cuda"`` when a GPU is present and ``preference`` is ``"auto"``, else ``"cpu"``.

    ``preference`` may also name a device explicitly (``"cpu"``, ``"cuda"``, ``"cuda:1"``).
    """
    import torch

    if preference == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if preference.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(
            f"device {preference!r} was requested but torch sees no CUDA GPU; "
            "use device='auto' or device='cpu'"
        )
    if preference != "cpu" and not preference.startswith("cuda"):
        raise ValueError(f"unknown device {preference!r}: use 'auto', 'cpu' or 'cuda'")
    return preference


def model_device(model) -> "torch.device":
    """The device a torch module's parameters live on (the CPU for a module without any)."""
    import torch

    return next(model.parameters(), torch.empty(0)).device


@contextmanager
def one_thread():
    """Run the block on one CPU thread: torch's, and the BLAS/OpenMP pools of NumPy, SciPy and
    scikit-learn; then restore the previous counts.

    The course's models and probes are small: splitting their operations between threads costs
    more than it saves, and on a busy machine a parallel region waits for a descheduled thread
    (measured on a loaded 2-core machine: a CNN epoch 0.5 s on one thread against 10 s on two; 25
    probe fits 0.3 s against 5 s). One thread also makes results independent of the machine's
    core count: a probe's accuracy moved in the third decimal between one and two BLAS threads.
    """
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def progress_enabled() -> bool:
    """Whether progress bars are shown (see the module docstring)."""
    flag = os.environ.get("LABS_PROGRESS")
    if flag is not None:
        return flag.strip().lower() not in {"0", "false", "no", "off", ""}
    return not os.environ.get("CI")


def progress(iterable: Iterable[T], **tqdm_kwargs) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm bar for people; a silent pass-through under CI and nbval."""
    if not progress_enabled():
        return iter(iterable)
    from tqdm.auto import tqdm

    return iter(tqdm(iterable, **tqdm_kwargs))


def setup(seed: int = 0, *, device: str = "auto", threads: int | None = None) -> ReproState:
    """Seed everything, make torch deterministic, fix thread counts and pick a device.

    This is the one call of the shared setup cell at the top of every notebook.
    """
    set_seed(seed)
    used_threads = make_deterministic(threads)
    return ReproState(
        seed=seed, device=pick_device(device), threads=used_threads, progress=progress_enabled()
    )


def side_by_side(jobs: Sequence[Callable[[], T]], workers: int = 2) -> list[T]:
    """Run independent jobs side by side, ``workers`` at a time; results in ``jobs``' order.

    Each job is a function with no arguments, e.g. ``lambda: text.train_word2vec(corpus,
    seed=1)``. gensim (one worker), torch and the loops of ``labs.counts`` release the
    interpreter lock while they compute, so two jobs use two cores, and each gives exactly what
    it gives alone (tests check it for Word2Vec and GAN inversion). Every job runs under
    :func:`one_thread`, held once around the whole pool so that jobs cannot reset each other's
    thread counts.

    Used in: chapter 1 (three seeds of each word embedding), chapter 3 (inversion searches)
    and the solutions of chapters 1 and 5.1.
    """
    from concurrent.futures import ThreadPoolExecutor

    jobs = list(jobs)
    if not jobs or not all(callable(job) for job in jobs):
        raise TypeError("jobs must be a non-empty list of functions with no arguments, e.g. "
                        "[lambda s=s: text.train_word2vec(corpus, seed=s) for s in (0, 1, 2)] "
                        "(the default argument s=s binds each loop value)")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer (the cores to use), got {workers!r}")
    with one_thread(), ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(lambda job: job(), jobs))
