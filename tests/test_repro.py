import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from labs import repro


def draw():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_setup_makes_every_generator_repeat():
    repro.setup(seed=123)
    first = draw()
    repro.setup(seed=123)
    assert draw() == first
    repro.setup(seed=124)
    assert draw() != first


def test_setup_fixes_threads_and_determinism(monkeypatch):
    monkeypatch.setenv("LABS_THREADS", "1")
    state = repro.setup(seed=0)
    assert state.threads == 1 and torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    monkeypatch.setenv("LABS_THREADS", "2")
    assert repro.setup(seed=0).threads == 2


@pytest.mark.parametrize("value", ["zero", "0", "-3"])
def test_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv("LABS_THREADS", value)
    with pytest.raises(ValueError, match="LABS_THREADS must be a positive integer"):
        repro.thread_count()


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="non-negative int"):
        repro.set_seed(seed)


def test_device_is_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert repro.pick_device() == expected == repro.setup(0).device
    assert repro.pick_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        repro.pick_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on CPU-only machines")
def test_cuda_requested_without_gpu_explains():
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        repro.pick_device("cuda")


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"LABS_PROGRESS": "0"}, False), ({"LABS_PROGRESS": "1", "CI": "1"}, True),
     ({"CI": "true"}, False), ({}, True)],
)
def test_progress_bars_follow_environment(monkeypatch, env, expected):
    for name in ("LABS_PROGRESS", "CI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert repro.progress_enabled() is expected
    assert list(repro.progress(range(3))) == [0, 1, 2]


def test_one_thread_limits_torch_and_blas_then_restores(monkeypatch):
    from threadpoolctl import threadpool_info

    monkeypatch.setenv("LABS_THREADS", "2")
    repro.setup(seed=0)
    with repro.one_thread():
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == 2


def test_model_device():
    assert repro.model_device(torch.nn.Linear(2, 2)).type == "cpu"
    assert repro.model_device(torch.nn.ReLU()).type == "cpu"


def test_setup_does_not_load_the_compiler():
    """The setup cell runs in every notebook: it must not pay for torch.compile's import."""
    code = ("import sys; from labs import repro; repro.setup(0); "
            "print('torch._inductor.config' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"




@pytest.mark.parametrize("optimiser, settings", [
    (torch.optim.Adam, {}),
    (torch.optim.Adam, {"weight_decay": 1e-4}),  # the CNN's
    (torch.optim.Adam, {"betas": (0.0, 0.99)}),  # the GAN's
    (torch.optim.AdamW, {"weight_decay": 0.05}),  # the ViT's
])
def test_foreach_adam_gives_the_default_loops_bits(optimiser, settings):
    # labs trains with foreach=True for speed; the stored outputs were first made with the
    # default per-tensor loop, and this says the two agree bit for bit on this machine.
    def train(foreach):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ELU(), torch.nn.Linear(32, 4))
        step = optimiser(model.parameters(), lr=1e-2, foreach=foreach, **settings)
        data = torch.randn(64, 16, generator=torch.Generator().manual_seed(1))
        with repro.one_thread():
            for batch in data.split(8) * 20:
                loss = model(batch).pow(2).mean()
                step.zero_grad()
                loss.backward()
                step.step()
        return [p.detach().clone() for p in model.parameters()]

    assert all(torch.equal(a, b) for a, b in zip(train(False), train(True)))


def _train_small(make_optimiser, *, schedule=False, freeze_at=None, steps=20):
    """Weights after ``steps`` passes over 8 mini-batches of a small ELU net (BatchNorm inside)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.BatchNorm1d(32),
                                torch.nn.ELU(), torch.nn.Linear(32, 4))
    optimiser = make_optimiser(model.parameters())
    one_cycle = (torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-2, total_steps=8 * steps)
                 if schedule else None)
    data = torch.randn(64, 16, generator=torch.Generator().manual_seed(1))
    with repro.one_thread():
        for i, batch in enumerate(data.split(8) * steps):
            loss = model(batch).pow(2).mean()
            optimiser.zero_grad()
            loss.backward()
            if freeze_at is not None and i >= freeze_at:
                model[0].bias.grad = None  # a tensor without a gradient: torch's own step
            optimiser.step()
            if one_cycle:
                one_cycle.step()
    _train_small.last_optimiser = optimiser
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("settings", [
    {},
    {"weight_decay": 1e-4},  # the CNN's
    {"betas": (0.0, 0.99)},  # the GAN's
    {"weight_decay": 0.05, "decoupled_weight_decay": True},  # AdamW, the ViT's
])
@pytest.mark.parametrize("foreach", [True, None])
def test_lean_adam_gives_torchs_bits(settings, foreach):
    def torch_adam(params):
        return torch.optim.Adam(params, lr=1e-2, foreach=foreach, **settings)

    def lean(params):
        return repro.adam(params, lr=1e-2, foreach=foreach, **settings)

    assert all(torch.equal(a, b) for a, b in zip(_train_small(torch_adam), _train_small(lean)))
    assert _train_small.last_optimiser._lean  # the lean step ran, not torch's


def test_lean_adam_follows_a_one_cycle_schedule_and_adamw():
    # OneCycleLR changes the learning rate and Adam's beta1 every step (the autoencoders').
    def torch_adam(params):
        return torch.optim.Adam(params, lr=1e-2, foreach=True)

    def lean(params):
        return repro.adam(params, lr=1e-2, foreach=True)

    assert all(torch.equal(a, b) for a, b in zip(_train_small(torch_adam, schedule=True),
                                                 _train_small(lean, schedule=True)))
    adamw = _train_small(lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.05, foreach=True))
    lean_w = _train_small(lambda p: repro.adam(p, lr=1e-2, weight_decay=0.05, foreach=True,
                                               decoupled_weight_decay=True))
    assert all(torch.equal(a, b) for a, b in zip(adamw, lean_w))


def test_lean_adam_hands_over_to_torch_when_a_gradient_is_missing():
    def torch_adam(params):
        return torch.optim.Adam(params, lr=1e-2, foreach=True)

    def lean(params):
        return repro.adam(params, lr=1e-2, foreach=True)

    expected = _train_small(torch_adam, freeze_at=30)
    assert all(torch.equal(a, b) for a, b in zip(expected, _train_small(lean, freeze_at=30)))
    assert _train_small.last_optimiser._lean is False


def test_lean_adam_on_one_tensor_and_with_several_groups():
    # The GAN inversion's search: one tensor of codes, torch's default (per-tensor) Adam.
    def search(make):
        z = torch.randn(10, 8, generator=torch.Generator().manual_seed(3)).requires_grad_(True)
        optimiser = make([z])
        for _ in range(50):
            (z.grad,) = torch.autograd.grad((z.sin() - 0.5).pow(2).mean(), [z])
            optimiser.step()
        return z.detach()

    assert torch.equal(search(lambda p: torch.optim.Adam(p, lr=0.05)),
                       search(lambda p: repro.adam(p, lr=0.05)))

    def make_groups(params, cls):
        return cls([{"params": params[:2]}, {"params": params[2:], "lr": 1e-3}], lr=1e-2)

    expected = _train_small(lambda p: make_groups(list(p), torch.optim.Adam))
    lean = _train_small(lambda p: make_groups(list(p), repro.adam))
    assert all(torch.equal(a, b) for a, b in zip(expected, lean))
    assert _train_small.last_optimiser._lean is False
