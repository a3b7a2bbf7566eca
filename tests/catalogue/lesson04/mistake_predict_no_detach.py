"""Calls .numpy() on an output that requires grad, which PyTorch refuses.

Expect: detach the output before .numpy()
"""

LOSES = ("predict",)


def predict(model, x):
    return model(torch.from_numpy(x)).numpy()
