"""Freezes a in place but forgets to return it."""

LOSES = ("freeze_",)


def freeze_(a):
    a.requires_grad_(False)
