"""Lesson 3 — Backpropagation.

One training step for the model y_pred = x * w, by hand: a forward pass, a squared error,
`loss.backward()` to fill `w.grad`, then a gradient-descent update of `w`.
"""

import torch


def forward(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Prediction of the one-weight linear model: x times w (element-wise)."""
    # BEGIN TODO forward: multiply the input by the weight
    return x * w
    # END TODO


def squared_error(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared error (y_pred - y) ** 2, element-wise."""
    # BEGIN TODO squared_error: the difference, squared
    return (y_pred - y) ** 2
    # END TODO


def backprop_step(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, learning_rate: float) -> float:
    """One training step on one sample, as in the course: loss, backward, update `w`, zero `w.grad`.

    `x`, `y` and `w` are 0-d tensors (`x = torch.tensor(1.0)`, `w = torch.tensor(0.1,
    requires_grad=True)`), so the loss `(x * w - y) ** 2` is a single number and `loss.backward()`
    needs no reduction. Update `w` in place (`w -= learning_rate * w.grad`) under
    `torch.no_grad()`, then zero `w.grad`. Returns the loss (before the update) as a Python float.
    `w` must stay a leaf tensor that requires grad, so that the next step can use it again.
    """
    # BEGIN TODO backprop_step: forward, loss, backward, then update w without tracking and zero its grad
    y_pred = forward(x, w)
    loss = squared_error(y_pred, y)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.item()
    # END TODO
