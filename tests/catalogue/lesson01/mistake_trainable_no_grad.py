"""Creates the float32 tensor but forgets requires_grad=True.

Expect: pass requires_grad=True when you create the tensor
"""

LOSES = ("trainable",)


def trainable(data):
    return torch.tensor(data, dtype=torch.float32)
