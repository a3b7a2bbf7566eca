"""Switches off requires_grad on a itself instead of returning a detached tensor.

Expect: a itself no longer requires grad
"""

LOSES = ("detached",)


def detached(a):
    a.requires_grad_(False)
    return a
