"""Uses torch.tensor(a) and np.array(tensor): both copy, so nothing shares memory.

Expect: it is a copy of a, not a view
"""

LOSES = ("numpy_roundtrip",)


def numpy_roundtrip(a):
    tensor = torch.tensor(a)
    return tensor, np.array(tensor)
