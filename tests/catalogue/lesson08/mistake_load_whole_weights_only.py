"""Loads a whole model with plain torch.load(path), which refuses pickled models since PyTorch 2.6.

Expect: torch.load(path, weights_only=False)
"""

LOSES = ("load_whole",)


def load_whole(path):
    return torch.load(path)
