"""Returns the gradients in the order (w.grad, x.grad, b.grad) instead of (x.grad, w.grad, b.grad).

Expect: return them in the order (x.grad, w.grad, b.grad)
"""

LOSES = ("linear_grads",)


def linear_grads(x, w, b):
    x = torch.tensor(x, requires_grad=True)
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    y = w * x + b
    y.backward()
    return w.grad, x.grad, b.grad
