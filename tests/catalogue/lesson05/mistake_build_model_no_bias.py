"""Builds the linear layer without its bias.

Expect: and a bias of (num_classes,)
"""

LOSES = ("build_model",)


def build_model(input_size, num_classes):
    return nn.Linear(input_size, num_classes, bias=False)
