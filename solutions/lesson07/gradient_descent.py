"""Lesson 7 — Gradient descent with autograd.

Fit the one-weight model y_pred = x * w to data by gradient descent, letting autograd compute
the gradient: predict, measure the mean squared error, call `backward()` to fill `w.grad`,
step `w` against the gradient without recording the step, and clear the gradient for the
next epoch.
"""

import torch


def forward(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Prediction of the model: the input times the weight, element-wise."""
    # BEGIN TODO forward: multiply the input by the weight
    return x * w
    # END TODO


def loss(y: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Mean squared error between targets `y` and predictions `y_pred`, as a 0-d tensor."""
    # BEGIN TODO loss: the average of the squared differences
    return ((y_pred - y) ** 2).mean()
    # END TODO


def gradient_descent(x: torch.Tensor, y: torch.Tensor, learning_rate: float, epochs: int,
                     w_init: float = 0.0):
    """Train `w` for `epochs` epochs and return `(w, history)`.

    `w` starts as a float32 scalar tensor holding `w_init` that requires grad. Each epoch:
    predict with `forward`, compute the `loss`, call `backward()`, update `w` in place
    inside `torch.no_grad()` (the step itself must not become part of the graph), then zero
    (or clear) `w.grad`, because gradients accumulate across `backward()` calls. After each
    epoch append `(w after the update, the loss of this epoch)` to `history`, as Python
    floats (`.item()`) or as detached 0-d tensors.

    Returns the trained `w` (still a leaf tensor that requires grad) and the history list.
    """
    # BEGIN TODO gradient_descent: predict, loss, backward, update under no_grad, zero the grad, record
    w = torch.tensor(w_init, dtype=torch.float32, device=x.device, requires_grad=True)
    history = []
    for _ in range(epochs):
        l = loss(y, forward(x, w))
        l.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
        w.grad.zero_()
        history.append((w.item(), l.item()))
    return w, history
    # END TODO


def predict(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Predictions of the trained model for `x`, computed with gradient tracking off."""
    # BEGIN TODO predict: call forward inside torch.no_grad()
    with torch.no_grad():
        return forward(x, w)
    # END TODO
