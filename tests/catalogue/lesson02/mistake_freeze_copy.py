"""Returns a.detach(): a new tensor, while the caller's a still requires grad.

Expect: a.detach() would make a new tensor
"""

LOSES = ("freeze_",)


def freeze_(a):
    return a.detach()
