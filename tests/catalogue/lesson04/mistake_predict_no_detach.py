"""Calls .numpy() on an output that requires grad, which PyTorch refuses."""

LOSES = ("predict",)


def predict(model, x):
    return model(torch.from_numpy(x)).numpy()
