"""Saves dict(model.named_parameters()): the buffers (BatchNorm's running statistics) are lost.

Expect: the buffers
"""

LOSES = ("save_params",)


def save_params(model, path):
    torch.save({name: p.detach() for name, p in model.named_parameters()}, path)
