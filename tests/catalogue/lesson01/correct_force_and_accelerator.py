"""Uses Tensor.numpy(force=True), a name imported from torch.cuda, .reshape(-1, cols) and rand with a size tuple."""

from torch.cuda import is_available as cuda_is_available


def make_tensors():
    return {"scalar": torch.empty(1), "vector": torch.zeros(3), "matrix": torch.ones(2, 3),
            "cube": torch.rand((2, 2, 3), dtype=torch.float32)}


def reshape(x, cols):
    return x.reshape(-1, cols)


def get_device():
    if cuda_is_available():
        return torch.device("cuda:0")
    return torch.device("cpu")


def to_numpy_any_device(t):
    return t.numpy(force=True)
