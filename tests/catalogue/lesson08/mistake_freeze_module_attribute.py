"""Writes `model.requires_grad = False`: a plain attribute, so no parameter is frozen.

Expect: `model.requires_grad = False` only sets an unused attribute
"""

LOSES = ("freeze_and_replace_head",)


def freeze_and_replace_head(model, num_classes):
    model.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
