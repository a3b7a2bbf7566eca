"""Uses torch.inference_mode(), detach_() for freezing, an update through .data, and copies made with torch.clone."""


def without_grad(f, a):
    with torch.inference_mode():
        return f(a)


def freeze_(a):
    return a.detach_()


def grads_per_epoch(weights, epochs, reset=True):
    grads = []
    for epoch in range(epochs):
        (weights * 5).sum().backward()
        grads.append(torch.clone(weights.grad))
        weights.data -= 0.001 * weights.grad
        if reset:
            weights.grad.zero_()
    return grads
