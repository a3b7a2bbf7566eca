"""Uses the legacy constructor torch.Tensor(a), which always makes float32 (and copies).

Expect: keeps the values and the dtype of a
"""

LOSES = ("numpy_roundtrip",)


def numpy_roundtrip(a):
    tensor = torch.Tensor(a)
    return tensor, tensor.numpy()
