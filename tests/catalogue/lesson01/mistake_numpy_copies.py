"""Converts with np.array(t) and torch.tensor(a), which copy, so the memory is not shared.

Expect: np.array(t) and .copy() make copies
"""

LOSES = ("to_numpy", "from_numpy")


def to_numpy(t):
    return np.array(t)


def from_numpy(a):
    return torch.tensor(a)
