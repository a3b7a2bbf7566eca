"""Returns the output tensor instead of a NumPy array.

Expect: should be a NumPy array
"""

LOSES = ("predict",)


def predict(model, x):
    with torch.no_grad():
        return model(torch.from_numpy(x))
