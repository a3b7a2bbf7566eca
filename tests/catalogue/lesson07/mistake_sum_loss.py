"""Sums the squared errors instead of averaging them."""

LOSES = ("loss",)


def loss(y, y_pred):
    return ((y_pred - y) ** 2).sum()
