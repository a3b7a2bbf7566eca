"""Saves the whole model object (pickled) instead of its state_dict."""

LOSES = ("save_model",)


def save_model(model, path):
    torch.save(model, path)
