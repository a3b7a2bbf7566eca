"""Computes the prediction through NumPy, so no gradient can flow back.

Expect: gradients cannot flow back to the inputs
"""

LOSES = ("forward",)


def forward(x, w):
    return torch.from_numpy(x.detach().cpu().numpy() * w.item()).to(x.device)
