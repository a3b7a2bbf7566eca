"""Updates the weights in place without `torch.no_grad()`.

Expect: do the update inside `with torch.no_grad():`
"""

LOSES = ("grads_per_epoch",)


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for _ in range(epochs):
        out = (weights * 5).sum()
        out.backward()
        grads.append(weights.grad.clone())
        weights -= 0.001 * weights.grad
        if reset:
            weights.grad.zero_()
    return grads
