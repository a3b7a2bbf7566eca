"""Detaches x before computing, so nothing is recorded and no gradient reaches x.

Expect: has no grad_fn, so no gradient can flow back to x
"""

LOSES = ("chain",)


def chain(x):
    y = x.detach() + 2
    z = y * 3 + 3
    return y, z.mean()
