"""Makes zeros with the default dtype, ignoring the dtype argument."""

LOSES = ("zeros_of",)


def zeros_of(rows, cols, dtype):
    return torch.zeros(rows, cols)
