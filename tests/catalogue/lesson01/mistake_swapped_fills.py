"""Swaps zeros and ones, and makes the scalar 0-dimensional with torch.tensor(0.0).

Expect: Expected (1,), got ()
"""

LOSES = ("make_tensors",)


def make_tensors():
    return {"scalar": torch.tensor(0.0), "vector": torch.ones(3), "matrix": torch.zeros(2, 3),
            "cube": torch.rand(2, 2, 3)}
