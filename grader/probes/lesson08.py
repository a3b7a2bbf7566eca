"""Probes for lesson 8 (toolbox): build datasets, loaders, transforms and models on the
submission side from plain arguments, and report facts about them.

Names start with `l08_` so they cannot clash with other lessons' probes. torchvision is
imported inside the probe that needs it, so loading the probes stays cheap.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler, TensorDataset

from grader.probes import probe


@probe
def l08_linear(session, weight: torch.Tensor, bias: torch.Tensor) -> nn.Linear:
    """An nn.Linear holding these weights, on their device."""
    layer = nn.Linear(weight.shape[1], weight.shape[0]).to(weight.device)
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    return layer


@probe
def l08_tensor_dataset(session, inputs: torch.Tensor, labels: torch.Tensor):
    return TensorDataset(inputs, labels)


@probe
def l08_tensor_loader(session, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int, shuffle: bool):
    return DataLoader(TensorDataset(inputs, labels), batch_size=batch_size, shuffle=shuffle)


_TRANSFORMS = {
    "double": lambda image: image * 2,
    "negate": lambda image: -image,
    "flip": lambda image: torch.flip(image, dims=(-1,)),
}


@probe
def l08_named_transform(session, name: str):
    """A transform (a plain callable on one image), chosen by name."""
    return _TRANSFORMS[name]


@probe
def l08_loader_facts(session, loader, dataset=None) -> dict:
    """What kind of loader this is: type, batch size, sampler, and whether it reads `dataset`."""

    facts = {"type": type(loader).__name__, "is_loader": isinstance(loader, DataLoader)}
    if not facts["is_loader"]:
        return facts
    facts.update(
        batch_size=loader.batch_size,
        sampler=type(loader.sampler).__name__,
        random_sampler=isinstance(loader.sampler, RandomSampler),
        sequential_sampler=isinstance(loader.sampler, SequentialSampler),
        drop_last=bool(loader.drop_last),
        same_dataset=loader.dataset is dataset if dataset is not None else None,
    )
    return facts


@probe
def l08_epoch(session, loader, epochs: int = 1) -> list:
    """Every batch of `epochs` passes over an iterable (a loader), as they come."""
    out = []
    for _ in range(epochs):
        out.append([batch for batch in loader])
    return out


@probe
def l08_array_mutation(session, source: np.ndarray, outputs) -> dict:
    """Add 1 to `source` in place; report which of `outputs` (tensors/arrays) changed with it."""
    def snapshot(value):
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy().copy()
        if isinstance(value, np.ndarray):
            return value.copy()
        return None

    items = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    source += 1
    after = [snapshot(v) for v in items]
    changed = [None if a is None else bool(a.shape == source.shape and np.array_equal(a, source))
               for a in after]
    return {"types": [type(v).__name__ for v in items], "follows_source": changed,
            "is_source": [v is source for v in items]}


_PRISTINE: list[nn.Module] = []     # this process's pristine ResNet-18
_SPARES: list[nn.Module] = []       # copies of it made ahead (in the zygote, before the fork)
PRISTINE_SEED = 180_818


def pristine_resnet18() -> nn.Module:
    """A ResNet-18 with fixed "pretrained" weights, built once per process.

    Building one costs ~0.1 s (11M parameters initialised) and a lesson 8 job asks for three.
    The weights are the default initialisation nudged by noise, so a student's fresh
    `resnet18()` never equals them; the global random state is left untouched."""
    if not _PRISTINE:
        import torchvision  # slow to import: only these probes need it (see the module docstring)
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(PRISTINE_SEED)   # the CPU generator fork_rng(devices=[]) restores
            model = torchvision.models.resnet18(weights=None)
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(torch.randn_like(p), alpha=0.01)
        _PRISTINE.append(model)
    return _PRISTINE[0]


def make_spare_resnet18s(count: int) -> None:
    """Copy the pristine ResNet-18 ahead of need: the zygote does, so that a forked child's
    first copies cost nothing (shared pages, never written by the freezing a TODO does)."""
    import copy
    _SPARES.extend(copy.deepcopy(pristine_resnet18()) for _ in range(count - len(_SPARES)))


@probe
def l08_resnet18(session, device: str = "cpu") -> nn.Module:
    """A fresh copy of the pristine ResNet-18 (never downloads anything)."""
    import copy
    model = _SPARES.pop() if _SPARES else copy.deepcopy(pristine_resnet18())
    return model.to(device)


@probe
def l08_resnet18_changes(session, model: nn.Module) -> dict:
    """The pristine ResNet-18's parameter names, and those whose values in `model` differ from it
    (compared exactly, in place: no copy of the 11M values)."""
    pristine = dict(pristine_resnet18().named_parameters())
    changed = []
    for name, p in model.named_parameters():
        if name in pristine:
            before = pristine[name].detach()
            if p.shape != before.shape or not _equal(p.detach().to(before.device), before):
                changed.append(name)
    return {"parameters": list(pristine), "changed": changed}


def _equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    """torch.equal; on the CPU through NumPy, which compares a ResNet-18's 11M values twice as fast."""
    if a.device.type == "cpu" and a.dtype == b.dtype and a.dtype in (torch.float32, torch.float64):
        return bool(np.array_equal(a.numpy(), b.numpy()))
    return torch.equal(a, b)


def forward_without_onednn(model: nn.Module, x: torch.Tensor):
    """model(x) with oneDNN's convolutions off: they copy every weight into their own layout on each
    call (a ResNet-18's 11M: a fresh child's first pass cost ~35 ms, ~23 ms without). Same shapes."""
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        return model(x)
    finally:
        torch.backends.mkldnn.enabled = before


@probe
def l08_forward_facts(session, model: nn.Module, shape: list[int]) -> dict:
    """Shape of model(x) for a random x of `shape`, and whether the output requires grad."""
    device = next(model.parameters()).device
    x = torch.randn(*shape, device=device)
    out = forward_without_onednn(model, x)
    if not isinstance(out, torch.Tensor):
        return {"shape": None, "type": type(out).__name__, "requires_grad": None}
    return {"shape": list(out.shape), "type": "Tensor", "requires_grad": bool(out.requires_grad)}


@probe
def l08_small_net(session) -> nn.Module:
    """A small Sequential with a BatchNorm, whose running statistics are already moved, so that
    its state_dict holds buffers as well as parameters. Seed the handle first for fixed values."""
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    with torch.no_grad():
        net(torch.randn(16, 4) * 3 + 1)
    return net


@probe
def l08_save_whole(session, model: nn.Module, path: str) -> None:
    torch.save(model, path)


@probe
def l08_save_state(session, model: nn.Module, path: str) -> None:
    torch.save(model.state_dict(), path)


@probe
def l08_unpickle(session, path: str):
    """torch.load a file on the submission side, allowing pickled objects (never judge-side)."""
    return torch.load(path, weights_only=False)


@probe
def l08_loader(session, dataset, batch_size: int, shuffle: bool):
    """A plain DataLoader over a dataset that lives on the submission side."""
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)


@probe
def l08_len(session, obj) -> int:
    """len(obj); what it raises reaches the student as their code's error."""
    return len(obj)
