"""Uses other calls that are just as right: .uniform_(), torch.full, t.shape, as_tensor, torch.add, reshape, np.asarray, strings for devices."""


def make_tensors():
    return {
        "scalar": torch.empty(1),
        "vector": torch.zeros((3,)),
        "matrix": torch.full((2, 3), 1.0),
        "cube": torch.empty(2, 2, 3).uniform_(0, 1),
    }


def size_and_dtype(t):
    return (t.shape, t.dtype)


def zeros_of(rows, cols, dtype):
    return torch.zeros((rows, cols), dtype=dtype)


def from_data(data):
    return torch.as_tensor(data)


def trainable(data):
    return torch.tensor(data).float().requires_grad_()


def elementwise(x, y):
    return dict(add=torch.add(x, y), sub=torch.sub(x, y), mul=torch.mul(x, y), div=torch.div(x, y))


def slices(x):
    return [x[:, 0], x[1], float(x[1][1])]


def reshape(x, cols):
    return torch.reshape(x, (x.numel() // cols, cols))


def to_numpy(t):
    return np.asarray(t)


def from_numpy(a):
    return torch.as_tensor(a)


def get_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


def to_numpy_any_device(t):
    return t.cpu().detach().numpy()
