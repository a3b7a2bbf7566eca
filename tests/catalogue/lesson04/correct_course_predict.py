"""The course's line: model(torch.from_numpy(x)).detach().numpy(), a graph built and cut off."""


def predict(model, x):
    return model(torch.from_numpy(x)).detach().numpy()
