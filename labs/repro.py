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


_ADAM_CLASS = None


def adam(params, **settings) -> "torch.optim.Adam":
    """``torch.optim.Adam(params, **settings)`` with a leaner step for the course's small CPU models.

    On a model of a few thousand weights, most of ``Adam.step``'s time is bookkeeping and one
    small kernel per tensor per operation, not arithmetic: in a GAN step the two optimisers took
    a quarter of the time. After torch's own first step, this optimiser keeps the weights, the
    two moment estimates and the gradients each in one flat buffer (the model's tensors become
    views of it) and runs torch's multi-tensor Adam arithmetic once per buffer. Each element goes
    through the same operations in the same order, so the weights are bit for bit torch's, with
    ``foreach`` on or off (``tests/test_repro.py``). Any case it does not cover (several parameter
    groups, a missing gradient, AMSGrad, ``maximize``, a closure, a GPU, tensor
    hyper-parameters, non-contiguous tensors) takes torch's own step from then on.
    ``decoupled_weight_decay=True`` is ``torch.optim.AdamW``. Learning-rate and momentum
    schedules work as with torch's Adam. Used in: every torch trainer of ``labs``.
    """
    global _ADAM_CLASS
    if _ADAM_CLASS is None:
        _ADAM_CLASS = _lean_adam_class()
    return _ADAM_CLASS(params, **settings)


def _lean_adam_class():
    import torch

    def flatten(tensors):
        """One buffer holding ``tensors``, and views of it shaped like each of them."""
        flat = torch.cat([t.detach().reshape(-1) for t in tensors])
        views, offset = [], 0
        for t in tensors:
            views.append(flat[offset:offset + t.numel()].view_as(t))
            offset += t.numel()
        return flat, views

    class LeanAdam(torch.optim.Adam):
        _lean = None  # None: not decided yet; False: torch's step; else the flat buffers

        @torch.no_grad()
        def step(self, closure=None):
            lean = self._lean
            if lean and closure is None:
                grads = [p.grad for p in lean["params"]]
                if all(g is not None for g in grads):
                    self._lean_step(lean, torch.cat([g.reshape(-1) for g in grads]))
                    return None
            if lean:  # from here on torch's step, which counts steps per tensor
                for p in lean["params"]:
                    self.state[p]["step"] = lean["step"].clone()
                self._lean = False
            loss = super().step(closure)
            if self._lean is None:
                self._lean = self._lean_buffers()
            return loss

        def _lean_buffers(self):
            """Flat buffers for weights and moments (the tensors become views), or False."""
            if len(self.param_groups) != 1:
                return False
            group = self.param_groups[0]
            if (group["amsgrad"] or group["maximize"] or group["capturable"]
                    or group["differentiable"] or group["fused"]
                    or any(isinstance(v, torch.Tensor) for v in (group["lr"], *group["betas"]))):
                return False
            params = group["params"]
            if not all(p.device.type == "cpu" and p.dtype == torch.float32 and p.is_contiguous()
                       and p in self.state for p in params):
                return False
            states = [self.state[p] for p in params]
            lean = {"params": params, "step": states[0]["step"].clone()}
            lean["weights"], views = flatten(params)
            for p, view in zip(params, views):
                p.data = view
            for name in ("exp_avg", "exp_avg_sq"):
                lean[name], views = flatten([s[name] for s in states])
                for state, view in zip(states, views):
                    state[name] = view
            for state in states:  # every tensor had a gradient every step: one count for all
                state["step"] = lean["step"]
            return lean

        def _lean_step(self, lean, grad):
            # torch.optim.adam._multi_tensor_adam for this case, line for line, on one buffer.
            weights, exp_avg, exp_avg_sq = [lean["weights"]], [lean["exp_avg"]], [lean["exp_avg_sq"]]
            grads = [grad]
            group = self.param_groups[0]
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay = group["weight_decay"]
            torch._foreach_add_([lean["step"]], torch.tensor(1.0, device="cpu"), alpha=1.0)
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    torch._foreach_mul_(weights, 1 - lr * weight_decay)
                else:
                    grads = torch._foreach_add(grads, weights, alpha=weight_decay)
            torch._foreach_lerp_(exp_avg, grads, 1 - beta1)
            torch._foreach_mul_(exp_avg_sq, beta2)
            torch._foreach_addcmul_(exp_avg_sq, grads, grads, 1 - beta2)
            step = lean["step"].item()
            denominator = torch._foreach_sqrt(exp_avg_sq)
            torch._foreach_div_(denominator, [(1 - beta2 ** step) ** 0.5])
            torch._foreach_add_(denominator, eps)
            torch._foreach_addcdiv_(weights, exp_avg, denominator, [(lr / (1 - beta1 ** step)) * -1])

    return LeanAdam
