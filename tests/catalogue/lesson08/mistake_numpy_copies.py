"""Uses torch.tensor(a) and np.array(tensor): both copy, so nothing shares memory."""

LOSES = ("numpy_roundtrip",)


def numpy_roundtrip(a):
    tensor = torch.tensor(a)
    return tensor, np.array(tensor)
