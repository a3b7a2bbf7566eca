"""Creates the float32 tensor but forgets requires_grad=True."""

LOSES = ("trainable",)


def trainable(data):
    return torch.tensor(data, dtype=torch.float32)
