"""save_params saves the whole model object instead of its state_dict."""

LOSES = ("save_params",)


def save_params(model, path):
    torch.save(model, path)
