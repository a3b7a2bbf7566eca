"""Writes the gradient by hand (v * 2**11) without running backward, so x.grad stays empty.

Expect: call y.backward(v) on the y built from x
"""

LOSES = ("vector_backward",)


def vector_backward(x, v):
    return v * 2 ** 11
