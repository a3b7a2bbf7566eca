"""Switches off requires_grad on the model's parameters to get .numpy() to work: the model can no longer train.

Expect: leave the parameters alone
"""

LOSES = ("predict",)
SAYS = ("no longer require grad",)


def predict(model, x):
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model(torch.from_numpy(x)).numpy()
