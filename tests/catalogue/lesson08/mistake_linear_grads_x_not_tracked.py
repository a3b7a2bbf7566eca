"""Forgets requires_grad=True on x, so x.grad stays None.

Expect: create x with requires_grad=True
"""

LOSES = ("linear_grads",)


def linear_grads(x, w, b):
    x = torch.tensor(x)
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    y = w * x + b
    y.backward()
    return x.grad, w.grad, b.grad
