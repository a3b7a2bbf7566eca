"""Builds a fresh ResNet-18 instead of fine-tuning the given one, losing its weights.

Expect: do not build a new ResNet
"""

LOSES = ("freeze_and_replace_head",)


def freeze_and_replace_head(model, num_classes):
    import torchvision
    model = torchvision.models.resnet18(weights=None)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
