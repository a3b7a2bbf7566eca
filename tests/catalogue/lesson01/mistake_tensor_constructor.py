"""Uses the torch.Tensor constructor: every result is float32, and integer data cannot require grad when converted late.

Expect: torch.Tensor (capital T) is the tensor class
"""

LOSES = ("from_data", "trainable")


def from_data(data):
    return torch.Tensor(data)


def trainable(data):
    return torch.tensor(data, requires_grad=True).float()
