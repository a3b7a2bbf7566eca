"""Moves to the CPU with .to("cpu") and detaches afterwards; asks torch.accelerator (with check_available=True)."""


def to_numpy(t):
    return t.detach().numpy()


def to_numpy_any_device(t):
    if t.device.type != "cpu":
        t = t.to("cpu")
    return t.detach().numpy()


def get_device():
    accelerator = torch.accelerator.current_accelerator(check_available=True)
    if accelerator is not None and accelerator.type == "cuda":
        return accelerator
    return torch.device("cpu")
