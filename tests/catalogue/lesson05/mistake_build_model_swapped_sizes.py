"""Swaps the arguments: nn.Linear(num_classes, input_size).

Expect: a weight of shape (num_classes, input_size)
"""

LOSES = ("build_model",)


def build_model(input_size, num_classes):
    return nn.Linear(num_classes, input_size)
