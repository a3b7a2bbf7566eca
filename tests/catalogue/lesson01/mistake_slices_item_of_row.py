"""Calls .item() on row 1 (`x[1].item()`) instead of on the element x[1, 1].

Expect: .item() (or float()) was called on a tensor with more than one element
"""

LOSES = ("slices",)


def slices(x):
    return x[:, 0], x[1, :], x[1].item()
