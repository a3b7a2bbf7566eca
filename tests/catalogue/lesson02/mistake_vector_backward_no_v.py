"""Calls `y.backward()` without the vector v, although y has several elements.

Expect: y.backward(v) (not y.sum().backward())
"""

LOSES = ("vector_backward",)


def vector_backward(x, v):
    y = x * 2
    for _ in range(10):
        y = y * 2
    y.backward()
    return x.grad
