"""Infers the columns instead of the rows: x.view(cols, -1)."""

LOSES = ("reshape",)


def reshape(x, cols):
    return x.view(cols, -1)
