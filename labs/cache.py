"""Train once, load afterwards: a small on-disk cache for trained models and parsed data.

Used in: every chapter that trains a model.

An entry is keyed by a SHA-256 of everything that determines its content: a name, the training
config, a fingerprint of the data, the source code of the module that builds it, and the versions
of ``labs`` and torch. Change any of them and a new entry is built; nothing stale is reused.

Entries are written with ``torch.save`` and read with ``torch.load(weights_only=True)``, so a cache
file can hold tensors, numbers, strings, lists and dicts but never runs code when loaded. A file
that is truncated, unreadable or was written for another key is rebuilt with a warning.

Where the time goes: with ``$LABS_TIMINGS`` set to a file, every entry appends one JSON line to it
(name, seconds, whether it was built or loaded); ``benchmarks/run.py`` reads it to split each
notebook's time into training, encoding and loading.

The cache lives in ``$LABS_CACHE_DIR`` if set, else in the user cache folder
(``$XDG_CACHE_HOME/embedding-course`` or ``~/.cache/embedding-course``). If that folder cannot be
written, a folder under the system temporary directory is used instead, with a warning.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

import labs

ENV_VAR = "LABS_CACHE_DIR"
TIMINGS_VAR = "LABS_TIMINGS"
FORMAT = 1


class CacheWarning(UserWarning):
    """A cache entry or folder could not be used as is; the cache worked around it."""


@dataclass(frozen=True)
class Cached:
    """What :func:`cached` returns: the payload, where it lives, and whether it was loaded."""

    payload: dict
    key: str
    path: Path
    from_cache: bool
    models: dict = field(default_factory=dict)  # what train_or_load filled with weights


def _is_writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
        return True
    except OSError:
        return False


def cache_dir() -> Path:
    """The folder that holds cache entries (see the module docstring for how it is chosen)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        folder = Path(configured).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        folder = Path(base) / "embedding-course"
    if _is_writable(folder):
        return folder
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    fallback = Path(tempfile.gettempdir()) / f"embedding-course-cache-{user}"
    warnings.warn(
        f"cache folder {folder} is not writable; using {fallback} instead "
        f"(set {ENV_VAR} to a writable folder to keep trained models between sessions)",
        CacheWarning,
        stacklevel=2,
    )
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def _update(digest: "hashlib._Hash", value: Any) -> None:
    """Feed ``value`` into ``digest`` in a way that depends on its content only."""
    import torch

    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        digest.update(f"ndarray:{value.dtype.str}:{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (bytes, bytearray)):
        digest.update(b"bytes:" + bytes(value))
    elif isinstance(value, str):
        digest.update(f"str:{len(value)}:".encode() + value.encode())
    elif isinstance(value, Mapping):
        digest.update(f"dict:{len(value)}".encode())
        for key in sorted(value, key=str):
            _update(digest, str(key))
            _update(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"seq:{len(value)}".encode())
        for item in value:
            _update(digest, item)
    elif isinstance(value, (bool, int, float, type(None))):
        digest.update(f"{type(value).__name__}:{value!r}".encode())
    elif isinstance(value, (np.integer, np.floating)):
        _update(digest, value.item())
    else:
        raise TypeError(
            f"cannot fingerprint a {type(value).__name__}; pass arrays, tensors, strings, "
            "numbers, or lists/dicts of them"
        )


def fingerprint(*parts: Any) -> str:
    """SHA-256 hex digest of arrays, tensors, strings, numbers and nested lists/dicts of them."""
    digest = hashlib.sha256()
    for part in parts:
        _update(digest, part)
    return digest.hexdigest()


def source_fingerprint(build: Callable) -> str:
    """Hash of the source file that defines ``build`` (a function or class), so editing the
    trainer invalidates entries."""
    module = inspect.getmodule(build)
    path = getattr(module, "__file__", None)
    if path is None:  # defined in a notebook: the config has to carry everything
        return "interactive"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _check_name(name: str) -> None:
    if not name or not all(ch.isalnum() or ch in "-_." for ch in name):
        raise ValueError(
            f"cache entry name {name!r} must be non-empty and use only letters, digits, '-', '_', '.'"
        )


def _check_payload(value: Any, where: str = "payload") -> None:
    """Refuse, before saving, anything ``torch.load(weights_only=True)`` would refuse to load."""
    import torch

    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where} has a key of type {type(key).__name__}; use str or int")
            _check_payload(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_payload(item, f"{where}[{i}]")
    elif not isinstance(value, (torch.Tensor, str, bytes, int, float, bool, type(None))):
        raise TypeError(
            f"{where} is a {type(value).__name__}, which cannot be cached safely; convert it to a "
            "torch tensor (torch.as_tensor) or to plain numbers, strings, lists and dicts"
        )


def entry_key(name: str, config: Mapping, data: Any = None, build: Callable | None = None) -> str:
    """The key an entry would have; see the module docstring for what goes into it."""
    import torch

    return fingerprint(
        {
            "format": FORMAT,
            "name": name,
            "config": dict(config),
            "data": data if data is not None else "",
            "code": source_fingerprint(build) if build is not None else "",
            "labs": labs.__version__,
            "torch": torch.__version__.split("+")[0],
        }
    )


def _load(path: Path, key: str) -> dict | None:
    """The payload stored at ``path`` for ``key``, or ``None`` (with a warning) if unusable."""
    import torch

    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unreadable file is rebuilt, whatever the reason
        warnings.warn(
            f"cache entry {path.name} is corrupt ({type(exc).__name__}: {exc}); rebuilding it",
            CacheWarning,
            stacklevel=3,
        )
        return None
    if not isinstance(stored, dict) or stored.get("key") != key or "payload" not in stored:
        warnings.warn(
            f"cache entry {path.name} was written for a different config or code version; "
            "rebuilding it",
            CacheWarning,
            stacklevel=3,
        )
        return None
    return stored["payload"]


def _save(path: Path, key: str, name: str, config: Mapping, payload: dict) -> None:
    import torch

    # Write to a temporary file first so an interrupted save never leaves a half-written entry.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".partial", delete=False) as tmp:
        torch.save({"key": key, "name": name, "config": json.dumps(dict(config),
                   sort_keys=True, default=str), "payload": payload}, tmp)
    os.replace(tmp.name, path)


def _record(name: str, seconds: float, built: bool) -> None:
    """Append one timing line to ``$LABS_TIMINGS`` (see the module docstring); no-op when unset."""
    log = os.environ.get(TIMINGS_VAR)
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(json.dumps({"name": name, "seconds": round(seconds, 4), "built": built})
                      + "\n")


def cached(
    name: str,
    config: Mapping,
    build: Callable[[], dict],
    *,
    data: Any = None,
) -> Cached:
    """Return the payload ``build()`` makes for ``config`` and ``data``, building it at most once.

    Args:
        name: a short label for the entry (file names start with it), e.g. ``"word2vec"``.
        config: everything that changes the result (hyper-parameters, seed); JSON-like values.
        build: a function with no arguments returning a dict of tensors, numbers, strings,
            lists and dicts (no NumPy arrays or objects: they would need unsafe unpickling).
        data: the training data or a fingerprint of it (see :func:`fingerprint`); any change to
            it makes a new entry.

    Returns:
        :class:`Cached` with the payload and ``from_cache`` telling whether it was loaded.
    """
    _check_name(name)
    key = entry_key(name, config, data, build)
    path = cache_dir() / f"{name}-{key[:20]}.pt"
    start = time.perf_counter()
    if path.exists():
        payload = _load(path, key)
        if payload is not None:
            _record(name, time.perf_counter() - start, built=False)
            return Cached(payload=payload, key=key, path=path, from_cache=True)
    payload = build()
    if not isinstance(payload, dict):
        raise TypeError(f"build() for {name!r} must return a dict, got {type(payload).__name__}")
    _check_payload(payload)
    _save(path, key, name, config, payload)
    _record(name, time.perf_counter() - start, built=True)
    return Cached(payload=payload, key=key, path=path, from_cache=False)


def state_of(model) -> dict:
    """A copy of ``model``'s weights on the CPU, ready to be a cache payload."""
    return {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}


def train_or_load(
    name: str,
    config,
    build: Callable[[], dict],
    *,
    seed: int,
    data: Any = None,
    device: str | None = None,
    models: Mapping[str, Any] | None = None,
    settings: Mapping | None = None,
    use_cache: bool = True,
) -> Cached:
    """The one train-or-load step every ``train_*`` function of the course goes through.

    The entry is keyed by the config dataclass, ``seed``, the kind of ``device`` (``"cpu"`` or
    ``"cuda"``, when given), any extra ``settings`` and ``data`` (see :func:`cached`). Each
    ``models[key]``, a model or a function making one, then gets the weights stored under
    ``payload[key]`` (written by :func:`state_of`) and is put in eval mode; the result's
    ``models`` holds them by key. A function is called after training: making a model draws
    from torch's global generator, and the trainers keep the order of draws they always had.
    ``use_cache=False`` always trains and stores nothing (for timing); the result then says
    ``from_cache=False``.

    Used in: every chapter that trains a model (through the ``train_*`` functions).
    """
    key = {**asdict(config), "seed": seed, **(settings or {})}
    if device is not None:
        key["device"] = device.split(":")[0]
    if use_cache:
        entry = cached(name, key, build, data=data)
    else:
        entry = Cached(payload=build(), key="", path=Path(), from_cache=False)
    for payload_key, model in (models or {}).items():
        if callable(model) and not hasattr(model, "load_state_dict"):
            model = model()
        model.load_state_dict(entry.payload[payload_key])
        entry.models[payload_key] = model.eval()
    return entry


def floats(values) -> list[float]:
    """A stored history (tensor or list of numbers) as a list of Python floats."""
    return [float(v) for v in values]


def clear() -> int:
    """Delete every entry of the cache; return how many files were removed."""
    folder = cache_dir()
    removed = 0
    for entry in list(folder.glob("*.pt")) + list(folder.glob("*.partial")):
        entry.unlink(missing_ok=True)
        removed += 1
    return removed
