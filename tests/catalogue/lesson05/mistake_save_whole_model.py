"""Saves the whole model object (pickled) instead of its state_dict.

Expect: not the model object
"""

LOSES = ("save_model",)


def save_model(model, path):
    torch.save(model, path)
