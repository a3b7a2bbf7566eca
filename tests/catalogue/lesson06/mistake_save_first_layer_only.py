"""Saves only the first layer's parameters instead of the whole state_dict.

Expect: save the whole model's state_dict
"""

LOSES = ("save_model",)


def save_model(model, path):
    first = next(iter(model.children()))
    torch.save(first.state_dict(), path)
