"""Detaches but never copies to the CPU: fine for CPU tensors, a TypeError for GPU tensors."""

LOSES = ("to_numpy_any_device",)


def to_numpy_any_device(t):
    return t.detach().numpy()
