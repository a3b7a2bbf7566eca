"""Uses torch.add/torch.mean, torch.autograd.backward, clone().detach(), set_grad_enabled(False) as a context, requires_grad = False and grad = None."""


def chain(x):
    y = torch.add(x, 2)
    z = torch.add(torch.mul(y, 3), 3)
    return (y, torch.mean(z))


def vector_backward(x, v):
    y = 2 * x
    for _ in range(10):
        y = 2 * y
    torch.autograd.backward(y, v)
    return x.grad


def detached(a):
    return a.clone().detach()


def without_grad(f, a):
    with torch.set_grad_enabled(False):
        result = f(a)
    return result


def freeze_(a):
    a.requires_grad = False
    return a


def grads_per_epoch(weights, epochs, reset=True):
    recorded = []
    for _ in range(epochs):
        loss = torch.sum(weights * 5)
        loss.backward()
        recorded.append(weights.grad.detach().clone())
        with torch.no_grad():
            weights.sub_(0.001 * weights.grad)
        if reset:
            weights.grad = None
    return tuple(recorded)
