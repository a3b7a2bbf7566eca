"""Replaces the head first and freezes afterwards, so the new head is frozen too.

Expect: freeze first, then replace model.fc
"""

LOSES = ("freeze_and_replace_head",)


def freeze_and_replace_head(model, num_classes):
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    for param in model.parameters():
        param.requires_grad = False
    return model
