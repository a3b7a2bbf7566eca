"""Probes: small fact-gathering functions that run on the submission side.

A check that needs to look at something which cannot cross the process boundary (a model, a
loader, a figure, whether two objects share memory) asks for a named probe. Probes return
plain facts; the judge decides what the facts mean. Lesson-specific probes live in
`grader.probes.lessonNN` and register themselves here.
"""

from __future__ import annotations

import importlib
import pkgutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

_PROBES: dict[str, Callable[..., Any]] = {}


def probe(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register `fn(session, *args, **kwargs)` under its name (unique across all lessons)."""
    known = _PROBES.get(fn.__name__)
    if known is not None and (known.__module__, known.__qualname__) != (fn.__module__, fn.__qualname__):
        raise ValueError(f"probe {fn.__name__!r} is defined twice: {known.__module__} and {fn.__module__}")
    _PROBES[fn.__name__] = fn
    return fn


def run(name: str, session, *args, **kwargs) -> Any:
    if name not in _PROBES:  # lesson probes register when their module is imported
        load_all()
    if name not in _PROBES:
        raise KeyError(f"no probe named {name!r}")
    return _PROBES[name](session, *args, **kwargs)


def load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


@probe
def state_dict(session, model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@probe
def load_state_dict(session, model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    model.load_state_dict(state)


@probe
def module_tree(session, model: torch.nn.Module) -> dict:
    """Type, direct children, parameters (shape and requires_grad) and mode of a module."""
    if not isinstance(model, torch.nn.Module):
        return {"type": type(model).__name__, "is_module": False}
    return {
        "is_module": True,
        "type": type(model).__name__,
        "children": {name: type(child).__name__ for name, child in model.named_children()},
        "parameters": {
            name: {"shape": list(p.shape), "requires_grad": bool(p.requires_grad), "device": str(p.device)}
            for name, p in model.named_parameters()
        },
        "training": bool(model.training),
    }


@probe
def call_many(session, name: str, arg_lists: list) -> list:
    """`name(*args)` for each argument list; used for central differences in gradcheck."""
    fn = session.lookup(name)
    return [fn(*args) for args in arg_lists]


@probe
def jacobian(session, name: str, inputs: list[torch.Tensor], output_index: int | None = None) -> dict:
    """Analytic Jacobian of `name(*inputs)` w.r.t. each input, by autograd, in float64."""
    inputs = [x.detach().to(torch.float64).requires_grad_(True) for x in inputs]
    out = session.lookup(name)(*inputs)
    if output_index is not None:
        out = out[output_index]
    if not isinstance(out, torch.Tensor):
        return {"output": out, "jacobians": None, "reason": "not_tensor", "type": type(out).__name__}
    flat = out.reshape(-1)
    rows = [[] for _ in inputs]
    for i in range(flat.numel()):
        if not flat.requires_grad:
            return {"output": out.detach(), "jacobians": None, "reason": "no_grad"}
        grads = torch.autograd.grad(flat[i], inputs, retain_graph=True, allow_unused=True)
        for k, (g, x) in enumerate(zip(grads, inputs)):
            rows[k].append(torch.zeros_like(x).reshape(-1) if g is None else g.reshape(-1))
    jac = [torch.stack(r) if r else torch.zeros(0, x.numel(), dtype=torch.float64) for r, x in zip(rows, inputs)]
    return {"output": out.detach(), "jacobians": jac, "reason": None}


@probe
def predict_classes(session, model: torch.nn.Module, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Class predictions of `model` for flattened images, in batches, with tracking off."""
    device = next(iter(model.parameters())).device if any(True for _ in model.parameters()) else "cpu"
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size].reshape(-1, 28 * 28).to(device)
            out.append(model(batch).argmax(dim=1).cpu())
    return torch.cat(out)


@probe
def scratch_path(session, name: str) -> str:
    """A writable path on the submission side, for files a TODO saves."""
    if not hasattr(session, "scratch"):
        session.scratch = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
    return str(session.scratch / Path(name).name)


@probe
def read_bytes(session, path: str, max_bytes: int = 64 * 2**20) -> bytes | None:
    """The bytes of a file the submission wrote (the judge parses them itself)."""
    file = Path(path)
    if not file.is_file() or file.stat().st_size > max_bytes:
        return None
    return file.read_bytes()
