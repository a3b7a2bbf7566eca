"""Sums z instead of taking its mean."""

LOSES = ("chain",)


def chain(x):
    y = x + 2
    z = y * 3 + 3
    return y, z.sum()
