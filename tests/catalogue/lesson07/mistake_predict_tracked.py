"""Predicts with forward(x, w) directly, so autograd builds a graph for every prediction.

Expect: the prediction is tracked by autograd
"""

LOSES = ("predict",)


def predict(w, x):
    return forward(x, w)
