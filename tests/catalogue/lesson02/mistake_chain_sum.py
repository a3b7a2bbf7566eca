"""Sums z instead of taking its mean.

Expect: its mean over all elements (not the sum)
"""

LOSES = ("chain",)


def chain(x):
    y = x + 2
    z = y * 3 + 3
    return y, z.sum()
