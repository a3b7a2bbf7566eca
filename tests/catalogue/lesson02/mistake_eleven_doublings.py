"""Loops eleven times after the first doubling (an off-by-one): the gradient is twice too big.

Expect: y = x * 2 and then ten more doublings
"""

LOSES = ("vector_backward",)


def vector_backward(x, v):
    y = x * 2
    for _ in range(11):
        y = y * 2
    y.backward(v)
    return x.grad
