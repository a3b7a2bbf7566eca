"""Detaches only the input: f's own trainable weights are still recorded."""

LOSES = ("without_grad",)


def without_grad(f, a):
    return f(a.detach())
