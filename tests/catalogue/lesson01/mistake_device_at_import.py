"""Decides the device once, at import, so get_device() ignores whether CUDA is available when called.

Expect: ask torch.cuda.is_available() inside get_device, each time it is called
"""

LOSES = ("get_device",)

_DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def get_device():
    return _DEVICE
