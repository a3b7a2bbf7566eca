"""Freezes a in place but forgets to return it.

Expect: end with `return a`
"""

LOSES = ("freeze_",)


def freeze_(a):
    a.requires_grad_(False)
