"""Infers the columns instead of the rows: x.view(cols, -1).

Expect: -1 lets PyTorch work out the number of rows
"""

LOSES = ("reshape",)


def reshape(x, cols):
    return x.view(cols, -1)
