"""Returns t.size without calling it, and the dtype as a string.

Expect: call it, with the parentheses
"""

LOSES = ("size_and_dtype",)


def size_and_dtype(t):
    return t.size, str(t.dtype)
