"""Writes the gradient by hand (v * 2**11) without running backward, so x.grad stays empty."""

LOSES = ("vector_backward",)


def vector_backward(x, v):
    return v * 2 ** 11
