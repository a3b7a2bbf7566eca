"""Swaps the sizes: nn.Linear(output_size, input_size).

Expect: nn.Linear(input_size, output_size): inputs first
"""

LOSES = ("build_model",)


def build_model(input_size, output_size):
    return nn.Linear(output_size, input_size)
