"""Never zeroes the gradient, whatever reset says.

Expect: zero it after the update when reset is True
"""

LOSES = ("grads_per_epoch",)


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for _ in range(epochs):
        (weights * 5).sum().backward()
        grads.append(weights.grad.clone())
        with torch.no_grad():
            weights -= 0.001 * weights.grad
    return grads
