"""Probes for lesson 2: call without_grad with named functions; object identity.

A Python function cannot cross to the submission's process, so `without_grad` is called here
with one of a few functions chosen by name. The probes report what came back and whether
gradient tracking was still on afterwards (and switch it back on, so that a student's
`torch.set_grad_enabled(False)` cannot disturb later checks); the judge decides.
"""

from __future__ import annotations

import torch

from grader.probes import probe


def _functions(a: torch.Tensor) -> dict:
    weight = torch.linspace(0.5, 1.5, a.numel(), dtype=a.dtype, device=a.device).reshape(a.shape)
    weight.requires_grad_(True)
    return {
        "double": lambda x: x * 2,
        "sin": torch.sin,
        "times_trainable_weight": lambda x: x * weight,          # a parameter of f requires grad
        "grad_mode": lambda x: x * 0 + float(torch.is_grad_enabled()),  # 1 where tracking is on
    }


@probe
def l02_without_grad_facts(session, function: str, a: torch.Tensor) -> dict:
    """without_grad(f, a) for the named f: the result, and whether tracking was on afterwards."""
    fn = session.lookup("without_grad")
    f = _functions(a)[function]
    before = torch.is_grad_enabled()
    try:
        out = fn(f, a)
        after = torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(before)
    return {"out": out, "grad_enabled_after": after}


@probe
def l02_same_object(session, a, b) -> bool:
    """Whether two refs name one and the same object."""
    return a is b


@probe
def l02_fresh_leaf(session, values: torch.Tensor, requires_grad: bool) -> torch.Tensor:
    """A new leaf tensor with these values, owning its memory (a tensor decoded from a request is
    a view of the received buffer, and PyTorch refuses some in-place calls on views, e.g. detach_)."""
    return values.detach().clone().requires_grad_(requires_grad)
