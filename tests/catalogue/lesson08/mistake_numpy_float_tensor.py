"""Uses the legacy constructor torch.Tensor(a), which always makes float32 (and copies)."""

LOSES = ("numpy_roundtrip",)


def numpy_roundtrip(a):
    tensor = torch.Tensor(a)
    return tensor, tensor.numpy()
