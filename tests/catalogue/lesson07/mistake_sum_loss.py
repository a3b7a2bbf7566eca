"""Sums the squared errors instead of averaging them.

Expect: a sum, or a mean without squaring, gives other numbers
"""

LOSES = ("loss",)


def loss(y, y_pred):
    return ((y_pred - y) ** 2).sum()
