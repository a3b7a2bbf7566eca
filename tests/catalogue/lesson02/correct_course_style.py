"""The course's lines: z = y * 3 then z = z + 3 then z.mean(), y.backward(v), a.detach(), a.requires_grad_(False), weights.grad.zero_()."""


def chain(x):
    y = x + 2
    z = y * 3
    z = z + 3
    return y, z.mean()


def vector_backward(x, v):
    y = x * 2
    for _ in range(10):
        y = y * 2
    y.backward(v)
    return x.grad


def detached(a):
    b = a.detach()
    return b


def freeze_(a):
    a.requires_grad_(False)
    return a


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for epoch in range(epochs):
        model_output = (weights * 5).sum()
        model_output.backward()

        grads.append(weights.grad.clone())
        with torch.no_grad():
            weights -= 0.001 * weights.grad

        if reset:
            weights.grad.zero_()
    return grads
