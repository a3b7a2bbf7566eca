"""Rebinds `weights = weights - 0.001 * weights.grad`, then zeroes a .grad the new tensor lacks.

Expect: weights.grad is None
"""

LOSES = ("grads_per_epoch",)


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for _ in range(epochs):
        out = (weights * 5).sum()
        out.backward()
        grads.append(weights.grad.clone())
        with torch.no_grad():
            weights = weights - 0.001 * weights.grad
        if reset:
            weights.grad.zero_()
    return grads
