"""Fills "cube" with torch.randn (normal distribution) instead of torch.rand (uniform on [0, 1)).

Expect: torch.randn is the normal distribution
"""

LOSES = ("make_tensors",)


def make_tensors():
    return {"scalar": torch.empty(1), "vector": torch.zeros(3), "matrix": torch.ones(2, 3),
            "cube": torch.randn(2, 2, 3)}
