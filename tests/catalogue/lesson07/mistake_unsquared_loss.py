"""Averages the raw differences (forgets to square), so errors of opposite sign cancel.

Expect: a mean without squaring
"""

LOSES = ("loss",)


def loss(y, y_pred):
    return (y_pred - y).mean()
