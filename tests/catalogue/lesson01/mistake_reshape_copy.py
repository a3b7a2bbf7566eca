"""Reshapes a clone: the right shape, but a copy, not a view of x.

Expect: it should be a view of x
"""

LOSES = ("reshape",)


def reshape(x, cols):
    return x.clone().view(-1, cols)
