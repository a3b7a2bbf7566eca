"""Saves the whole pickled model with torch.save(model, path) instead of its state_dict."""

LOSES = ("save_model",)


def save_model(model, path):
    torch.save(model, path)
