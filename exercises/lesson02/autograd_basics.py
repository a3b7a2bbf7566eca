# Lesson lesson02: fill in each TODO, then run `pytest exercises/lesson02`.
"""Lesson 2 — Autograd.

When a tensor has `requires_grad=True`, PyTorch records every operation done with it in a
graph: each result carries a `grad_fn`, the function that knows how to send gradients back.
`backward()` walks that graph from an output to the leaves and adds the gradients into their
`.grad`. This lesson builds small graphs, runs backward on a vector output, switches tracking
off (detach, no_grad, requires_grad_(False)) and watches gradients accumulate over epochs.
"""

from collections.abc import Callable

import torch


def chain(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A two-step computation on `x` (a tensor that requires grad).

    y = x + 2, then z = y * 3 + 3 (element-wise). Returns `(y, z.mean())`: y itself and the
    mean of z as a one-element tensor. Both results were computed from x, so both carry a
    `grad_fn` and gradients can flow from either back to x.
    """
    # TODO chain: y = x + 2, z = y * 3 + 3, return y and z.mean() (a tensor, not .item())
    raise NotImplementedError("TODO chain")


def vector_backward(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Backward from a vector output, and the gradient it leaves in `x.grad`.

    y = x * 2, then y is doubled 10 more times (y = y * 2 in a loop). y is not a single number,
    so `y.backward()` needs a vector `v` of y's shape: `y.backward(v)` computes the
    vector-Jacobian product v^T J, which lands in `x.grad`. Returns `x.grad`.
    """
    # TODO vector_backward: build y from x, loop ten doublings, y.backward(v), return x.grad
    raise NotImplementedError("TODO vector_backward")


def detached(a: torch.Tensor) -> torch.Tensor:
    """A tensor with a's values that does not require grad, leaving `a` itself as it is.

    `a.detach()` gives such a tensor (it shares a's memory but is cut off from the graph).
    """
    # TODO detached: Tensor.detach()
    raise NotImplementedError("TODO detached")


def without_grad(f: Callable[[torch.Tensor], torch.Tensor], a: torch.Tensor) -> torch.Tensor:
    """f(a), computed with gradient tracking switched off.

    Inside `with torch.no_grad():` no operation is recorded, whatever requires grad, so the
    result has no `grad_fn` and does not require grad. Tracking is back on after the block.
    """
    # TODO without_grad: call f inside a torch.no_grad() block
    raise NotImplementedError("TODO without_grad")


def freeze_(a: torch.Tensor) -> torch.Tensor:
    """Turn off `requires_grad` on the leaf tensor `a` itself, in place, and return `a`.

    The trailing underscore is PyTorch's convention for "changes its argument in place",
    like `a.requires_grad_(False)`. The caller's tensor must change, not a copy.
    """
    # TODO freeze_: a.requires_grad_(False), then return a
    raise NotImplementedError("TODO freeze_")


def grads_per_epoch(weights: torch.Tensor, epochs: int, reset: bool = True) -> list[torch.Tensor]:
    """A toy training loop that shows gradients accumulating, returning a list of gradients.

    Each epoch: compute `(weights * 5).sum()`, call backward, record a copy of `weights.grad`
    (`.clone()`: the tensor in `.grad` is reused and changes later), then update the weights
    in place, `weights -= 0.001 * weights.grad`, without tracking (under `torch.no_grad()`).
    If `reset`, zero the gradient afterwards (`weights.grad.zero_()` or `weights.grad = None`);
    if not, backward adds each epoch's gradient onto the previous ones.
    """
    # TODO grads_per_epoch: forward, backward, record weights.grad.clone(), update under no_grad, zero if reset
    raise NotImplementedError("TODO grads_per_epoch")
