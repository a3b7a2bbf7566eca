"""Saves the whole pickled model with torch.save(model, path) instead of its state_dict.

Expect: not the whole model
"""

LOSES = ("save_model",)


def save_model(model, path):
    torch.save(model, path)
