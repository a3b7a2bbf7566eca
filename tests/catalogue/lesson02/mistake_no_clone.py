"""Records weights.grad itself, not a copy, so later zero_() and backward calls change the record.

Expect: record weights.grad.clone(): the .grad tensor itself is zeroed later
"""

LOSES = ("grads_per_epoch",)


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for _ in range(epochs):
        (weights * 5).sum().backward()
        grads.append(weights.grad)
        with torch.no_grad():
            weights -= 0.001 * weights.grad
        if reset:
            weights.grad.zero_()
    return grads
