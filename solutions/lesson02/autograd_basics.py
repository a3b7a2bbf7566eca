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
    # BEGIN TODO chain: y = x + 2, z = y * 3 + 3, return y and z.mean() (a tensor, not .item())
    y = x + 2
    z = y * 3 + 3
    return y, z.mean()
    # END TODO


def vector_backward(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Backward from a vector output, and the gradient it leaves in `x.grad`.

    y = x * 2, then y is doubled 10 more times (y = y * 2 in a loop). y is not a single number,
    so `y.backward()` needs a vector `v` of y's shape: `y.backward(v)` computes the
    vector-Jacobian product v^T J, which lands in `x.grad`. Returns `x.grad`.
    """
    # BEGIN TODO vector_backward: build y from x, loop ten doublings, y.backward(v), return x.grad
    y = x * 2
    for _ in range(10):
        y = y * 2
    y.backward(v)
    return x.grad
    # END TODO


def detached(a: torch.Tensor) -> torch.Tensor:
    """A tensor with a's values that does not require grad, leaving `a` itself as it is.

    `a.detach()` gives such a tensor (it shares a's memory but is cut off from the graph).
    """
    # BEGIN TODO detached: Tensor.detach()
    return a.detach()
    # END TODO


def without_grad(f: Callable[[torch.Tensor], torch.Tensor], a: torch.Tensor) -> torch.Tensor:
    """f(a), computed with gradient tracking switched off.

    Inside `with torch.no_grad():` no operation is recorded, whatever requires grad, so the
    result has no `grad_fn` and does not require grad. Tracking is back on after the block.
    """
    # BEGIN TODO without_grad: call f inside a torch.no_grad() block
    with torch.no_grad():
        return f(a)
    # END TODO


def freeze_(a: torch.Tensor) -> torch.Tensor:
    """Turn off `requires_grad` on the leaf tensor `a` itself, in place, and return `a`.

    The trailing underscore is PyTorch's convention for "changes its argument in place",
    like `a.requires_grad_(False)`. The caller's tensor must change, not a copy.
    """
    # BEGIN TODO freeze_: a.requires_grad_(False), then return a
    a.requires_grad_(False)
    return a
    # END TODO


def grads_per_epoch(weights: torch.Tensor, epochs: int, reset: bool = True) -> list[torch.Tensor]:
    """A toy training loop that shows gradients accumulating, returning a list of gradients.

    Each epoch: compute `(weights * 5).sum()`, call backward, record a copy of `weights.grad`
    (`.clone()`: the tensor in `.grad` is reused and changes later), then update the weights
    in place, `weights -= 0.001 * weights.grad`, without tracking (under `torch.no_grad()`).
    If `reset`, zero the gradient afterwards (`weights.grad.zero_()` or `weights.grad = None`);
    if not, backward adds each epoch's gradient onto the previous ones.
    """
    # BEGIN TODO grads_per_epoch: forward, backward, record weights.grad.clone(), update under no_grad, zero if reset
    grads = []
    for _ in range(epochs):
        out = (weights * 5).sum()
        out.backward()
        grads.append(weights.grad.clone())
        with torch.no_grad():
            weights -= 0.001 * weights.grad
        if reset:
            weights.grad.zero_()
    return grads
    # END TODO
