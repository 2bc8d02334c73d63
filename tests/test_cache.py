import json
import os
import warnings

import numpy as np
import pytest
import torch

from labs import cache


class Evil:
    """Unpickling this would run a shell command; weights_only loading must refuse it."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def build_counter():
    calls = []

    def build():
        calls.append(1)
        return {"weights": torch.arange(6.0).reshape(2, 3), "history": [1.0, 0.5], "name": "toy"}

    return build, calls


def test_builds_once_then_loads(cache_folder):
    build, calls = build_counter()
    first = cache.cached("toy", {"k": 2}, build)
    second = cache.cached("toy", {"k": 2}, build)
    assert not first.from_cache and second.from_cache and len(calls) == 1
    assert torch.equal(second.payload["weights"], first.payload["weights"])
    assert second.payload["history"] == [1.0, 0.5]
    assert first.path.parent == cache_folder


def test_key_changes_with_config_data_and_name(cache_folder):
    build, calls = build_counter()
    keys = {
        cache.cached("toy", {"k": 2}, build).key,
        cache.cached("toy", {"k": 3}, build).key,
        cache.cached("toy", {"k": 2}, build, data=np.zeros(3)).key,
        cache.cached("toy", {"k": 2}, build, data=np.ones(3)).key,
        cache.cached("other", {"k": 2}, build).key,
    }
    assert len(keys) == 5 and len(calls) == 5


def test_truncated_file_is_rebuilt_with_warning(cache_folder):
    build, calls = build_counter()
    entry = cache.cached("toy", {"k": 2}, build)
    data = entry.path.read_bytes()
    entry.path.write_bytes(data[: len(data) // 2])
    with pytest.warns(cache.CacheWarning, match="corrupt"):
        again = cache.cached("toy", {"k": 2}, build)
    assert not again.from_cache and len(calls) == 2
    assert cache.cached("toy", {"k": 2}, build).from_cache  # the rebuilt entry is good


def test_entry_written_for_another_config_is_rebuilt(cache_folder):
    build, calls = build_counter()
    small = cache.cached("toy", {"k": 2}, build)
    large_key_path = cache_folder / f"toy-{cache.entry_key('toy', {'k': 3}, None, build)[:20]}.pt"
    large_key_path.write_bytes(small.path.read_bytes())  # a file whose content is for k=2
    with pytest.warns(cache.CacheWarning, match="different config"):
        large = cache.cached("toy", {"k": 3}, build)
    assert not large.from_cache and len(calls) == 2


def test_file_that_is_not_a_cache_entry_is_rebuilt(cache_folder):
    build, _ = build_counter()
    path = cache_folder / f"toy-{cache.entry_key('toy', {'k': 2}, None, build)[:20]}.pt"
    cache_folder.mkdir(parents=True)
    torch.save([1, 2, 3], path)
    with pytest.warns(cache.CacheWarning, match="different config"):
        assert not cache.cached("toy", {"k": 2}, build).from_cache


def test_unwritable_folder_falls_back_to_temp(tmp_path, monkeypatch):
    # A folder below a regular file cannot be created by anyone, root included, unlike a
    # read-only folder, which root could still write to.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LABS_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(cache.CacheWarning, match="not writable"):
        folder = cache.cache_dir()
    assert os.access(folder, os.W_OK)
    build, _ = build_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cache.CacheWarning)
        assert cache.cached("toy", {"k": 2}, build).path.parent == folder


def test_unsafe_payload_is_refused_before_saving(cache_folder):
    with pytest.raises(TypeError, match=r"payload\['vectors'\] is a ndarray"):
        cache.cached("toy", {}, lambda: {"vectors": np.zeros(3)})
    with pytest.raises(TypeError, match="must return a dict"):
        cache.cached("toy", {"x": 1}, lambda: [1, 2])
    assert not list(cache_folder.glob("*.pt"))


def test_loading_never_runs_code(cache_folder):
    build, _ = build_counter()
    entry = cache.cached("toy", {"k": 2}, build)
    torch.save({"key": entry.key, "payload": {"x": Evil()}}, entry.path)
    with pytest.warns(cache.CacheWarning, match="corrupt"):
        assert not cache.cached("toy", {"k": 2}, build).from_cache


@pytest.mark.parametrize("name", ["", "a/b", "../up", "with space"])
def test_bad_names_are_refused(cache_folder, name):
    with pytest.raises(ValueError, match="entry name"):
        cache.cached(name, {}, dict)


def test_fingerprint_depends_on_content_only():
    assert cache.fingerprint(np.arange(3)) == cache.fingerprint(np.arange(3))
    assert cache.fingerprint(np.arange(3)) != cache.fingerprint(np.arange(3.0))
    assert cache.fingerprint({"a": 1, "b": [1, 2]}) == cache.fingerprint({"b": [1, 2], "a": 1})
    assert cache.fingerprint(torch.ones(2)) == cache.fingerprint(np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match="cannot fingerprint a object"):
        cache.fingerprint(object())


def test_clear_empties_the_cache(cache_folder):
    build, _ = build_counter()
    cache.cached("toy", {"k": 1}, build)
    cache.cached("toy", {"k": 2}, build)
    assert cache.clear() == 2 and not list(cache_folder.glob("*.pt"))


def test_train_or_load_trains_once_then_loads_the_weights_into_a_fresh_model(cache_folder):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Config:
        width: int = 3

    builds, made = [], []

    def build():
        builds.append(1)
        model = torch.nn.Linear(2, Config().width)
        return {"state": cache.state_of(model), "history": [1.0, 0.5]}

    def make():
        made.append(len(builds))  # how many trainings had run when the model was made
        return torch.nn.Linear(2, 3).train()

    first = cache.train_or_load("toy-model", Config(), build, seed=0, device="cpu", models={"state": make})
    again = cache.train_or_load("toy-model", Config(), build, seed=0, device="cpu", models={"state": make})
    assert (first.from_cache, again.from_cache, len(builds)) == (False, True, 1)
    assert made == [1, 1]  # a model function is called after training, never before
    model = again.models["state"]
    assert not model.training
    assert torch.equal(model.weight, first.models["state"].weight)
    other_seed = cache.train_or_load("toy-model", Config(), build, seed=1, device="cpu")
    assert not other_seed.from_cache and len(builds) == 2
    on_gpu = cache.train_or_load("toy-model", Config(), build, seed=0, device="cuda:0")
    assert not on_gpu.from_cache  # the device kind is part of the key
    uncached = cache.train_or_load("toy-model", Config(), build, seed=0, device="cpu", use_cache=False)
    assert not uncached.from_cache and len(builds) == 4


def test_timings_log_says_built_then_loaded(cache_folder, tmp_path, monkeypatch):
    log = tmp_path / "timings.jsonl"
    monkeypatch.setenv(cache.TIMINGS_VAR, str(log))
    for _ in range(2):
        cache.cached("timed", {"a": 1}, lambda: {"x": 1})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["name"], line["built"]) for line in lines] == [("timed", True),
                                                                 ("timed", False)]
    assert all(line["seconds"] >= 0 for line in lines)


def test_no_timings_log_without_the_variable(cache_folder, tmp_path, monkeypatch):
    monkeypatch.delenv(cache.TIMINGS_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    cache.cached("untimed", {"a": 1}, lambda: {"x": 1})
    assert list(tmp_path.iterdir()) == [cache_folder]


def test_an_entry_built_twice_at_once_stays_whole_for_every_reader(cache_folder):
    # `make test` re-executes notebooks on two pytest-xdist workers sharing one cache, so two
    # kernels may train the same model at the same moment and a third may load it meanwhile.
    # Each save goes to a temporary file renamed into place: a reader sees no entry or a whole one.
    import threading

    payload = {"weights": torch.arange(400_000, dtype=torch.float64)}  # a few MB: writes take time
    key = cache.entry_key("shared", {"k": 1})
    path = cache_folder / "shared.pt"
    cache_folder.mkdir()
    stop = threading.Event()
    seen = {"whole": 0, "broken": 0}

    def write():
        for _ in range(15):
            cache._save(path, key, "shared", {"k": 1}, payload)

    def read():
        while not stop.is_set():
            if path.exists():
                with warnings.catch_warnings(record=True):
                    loaded = cache._load(path, key)
                ok = loaded is not None and torch.equal(loaded["weights"], payload["weights"])
                seen["whole" if ok else "broken"] += 1

    writers = [threading.Thread(target=write) for _ in range(2)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    assert seen["broken"] == 0 and seen["whole"] > 0, seen
    assert [p.name for p in cache_folder.iterdir()] == ["shared.pt"]  # no temporary file left
