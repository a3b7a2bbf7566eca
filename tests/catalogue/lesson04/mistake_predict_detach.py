"""Tutorial shortcut model(x).detach().numpy(): right numbers, but a graph is built and thrown away.

Expect: instead of detaching afterwards
"""

LOSES = ("predict",)


def predict(model, x):
    return model(torch.from_numpy(x)).detach().numpy()
