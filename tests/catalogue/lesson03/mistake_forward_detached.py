"""Computes the prediction through NumPy, so no gradient can flow back.

Expect: a detour through NumPy that also cuts the autograd graph
"""

LOSES = ("forward",)


def forward(x, w):
    return torch.from_numpy(x.detach().cpu().numpy() * w.item()).to(x.device)
