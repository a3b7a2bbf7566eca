"""Returns the squared differences without `.mean()`, so backward() gets one value per example.

Expect: backward() was called on a tensor with more than one element
"""

LOSES = ("loss", "gradient_descent")


def loss(y, y_pred):
    return (y_pred - y) ** 2
