"""Loops over the whole loader and returns the last batch instead of the first.

Expect: return next(iter(loader))
"""

LOSES = ("first_batch",)


def first_batch(loader):
    for inputs, labels in loader:
        pass
    return inputs, labels
