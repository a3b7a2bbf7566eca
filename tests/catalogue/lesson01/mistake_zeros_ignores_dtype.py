"""Makes zeros with the default dtype, ignoring the dtype argument.

Expect: pass the dtype on: torch.zeros(rows, cols, dtype=dtype)
"""

LOSES = ("zeros_of",)


def zeros_of(rows, cols, dtype):
    return torch.zeros(rows, cols)
