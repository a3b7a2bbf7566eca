"""Uses the absolute error instead of the squared error.

Expect: square the difference element by element
"""

LOSES = ("squared_error",)


def squared_error(y_pred, y):
    return (y_pred - y).abs()
