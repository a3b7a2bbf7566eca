"""save_params saves the whole model object instead of its state_dict.

Expect: not just tensors
"""

LOSES = ("save_params",)


def save_params(model, path):
    torch.save(model, path)
