"""Calls `next(loader)` on the DataLoader itself, which is iterable but not an iterator.

Expect: start an iteration first: next(iter(loader))
"""

LOSES = ("first_batch",)


def first_batch(loader):
    inputs, labels = next(loader)
    return inputs, labels
