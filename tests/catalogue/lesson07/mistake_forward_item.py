"""Multiplies by w.item(): the value is right but no gradient reaches w.

Expect: used through .item(), .detach() or NumPy
"""

LOSES = ("forward",)


def forward(x, w):
    return x * (w.item() if isinstance(w, torch.Tensor) else w)
