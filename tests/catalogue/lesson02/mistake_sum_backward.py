"""Calls y.sum().backward() and ignores v, so every gradient entry is 2048.

Expect: (not y.sum().backward())
"""

LOSES = ("vector_backward",)


def vector_backward(x, v):
    y = x * 2
    for _ in range(10):
        y = y * 2
    y.sum().backward()
    return x.grad
