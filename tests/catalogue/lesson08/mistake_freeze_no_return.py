"""Does the work but forgets `return model`.

Expect: end with `return model`
"""

LOSES = ("freeze_and_replace_head",)


def freeze_and_replace_head(model, num_classes):
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
