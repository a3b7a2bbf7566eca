"""Writes `if torch.cuda.is_available` without calling it: a function is always true, so always cuda.

Expect: Expected 'cpu', got 'cuda'
"""

LOSES = ("get_device",)


def get_device():
    return torch.device("cuda" if torch.cuda.is_available else "cpu")
