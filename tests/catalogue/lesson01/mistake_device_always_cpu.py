"""Always answers "cpu".

Expect: ask torch.cuda.is_available() inside get_device, each time it is called
"""

LOSES = ("get_device",)


def get_device():
    return "cpu"
