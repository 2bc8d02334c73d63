"""Hidden-layer activations of any torch model, captured with forward hooks.

Used in: chapter 3 (a classifier's hidden layer as latent vectors); chapters 5.2 and 6 use it
through ``labs.vision`` and ``labs.taxonomy`` (a CNN's feature maps layer by layer).

The outputs of an intermediate layer are embedding vectors of the input; when the layer is
narrower than the input they are latent vectors, the abstract features the model extracted.
"""

from __future__ import annotations

import torch
from torch import nn


def layer_names(model: nn.Module) -> list[str]:
    """Names of the model's sub-modules, as :func:`capture_activations` accepts them."""
    return [name for name, _ in model.named_modules() if name]


@torch.no_grad()
def capture_activations(
    model: nn.Module,
    inputs: torch.Tensor,
    layers: list[str],
    *,
    batch_size: int = 512,
    flatten: bool = False,
) -> dict[str, torch.Tensor]:
    """Run ``inputs`` through ``model`` in eval mode and return the outputs of ``layers``.

    Args:
        model: any ``nn.Module``; it is put in eval mode for the pass and restored afterwards.
        inputs: a batch of inputs, first dimension = examples, on any device.
        layers: sub-module names, as listed by :func:`layer_names` (e.g. ``"encoder.2"``).
        batch_size: examples per forward pass, to bound memory.
        flatten: if true, each activation is flattened to ``(n_examples, n_features)``.

    Returns:
        A dict from layer name to a CPU tensor of shape ``(n_examples, ...)``.
    """
    if not layers:
        raise ValueError("layers is empty: name at least one layer (see labs.activations.layer_names)")
    modules = dict(model.named_modules())
    unknown = [name for name in layers if name not in modules or not name]
    if unknown:
        raise ValueError(f"model has no layer named {unknown}; its layers are {layer_names(model)}")
    if inputs.ndim == 0 or len(inputs) == 0:
        raise ValueError("inputs is empty: pass a batch with at least one example")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")

    captured: dict[str, list[torch.Tensor]] = {name: [] for name in layers}

    def keep(name):
        def hook(_module, _inputs, output):
            captured[name].append(output.detach().cpu())

        return hook

    handles = [modules[name].register_forward_hook(keep(name)) for name in layers]
    was_training = model.training
    device = next(model.parameters(), torch.empty(0)).device
    try:
        model.eval()
        for start in range(0, len(inputs), batch_size):
            model(inputs[start : start + batch_size].to(device))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    result = {name: torch.cat(parts) for name, parts in captured.items()}
    if flatten:
        result = {name: value.flatten(start_dim=1) for name, value in result.items()}
    return result
