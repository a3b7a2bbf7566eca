"""Writes `weights = weights - 0.001 * grad`: a new tensor each epoch, the caller's weights never change.

Expect: `weights = weights - ...` only rebinds a local name
"""

LOSES = ("grads_per_epoch",)


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for _ in range(epochs):
        (weights * 5).sum().backward()
        grads.append(weights.grad.clone())
        with torch.no_grad():
            weights = (weights - 0.001 * weights.grad).requires_grad_()
    return grads
