"""Builds the DataLoader without passing shuffle, so it never shuffles.

Expect: the loader does not shuffle
"""

LOSES = ("make_loader",)


def make_loader(dataset, batch_size, shuffle):
    return DataLoader(dataset, batch_size=batch_size)
