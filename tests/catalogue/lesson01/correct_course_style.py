"""The course's lines: named tensors, x.size(), torch.add/sub/mul/div, x.view(-1, n), a.numpy(), torch.from_numpy, torch.device('cuda' if ... else 'cpu')."""


def make_tensors():
    scalar = torch.empty(1)
    vector = torch.zeros(3)
    matrix2D = torch.ones(2, 3)
    matrix3D = torch.rand(2, 2, 3)
    return {"scalar": scalar, "vector": vector, "matrix": matrix2D, "cube": matrix3D}


def size_and_dtype(t):
    return t.size(), t.dtype


def from_data(data):
    x = torch.tensor(data)
    return x


def elementwise(x, y):
    return {"add": torch.add(x, y), "sub": torch.sub(x, y), "mul": torch.mul(x, y), "div": torch.div(x, y)}


def reshape(x, cols):
    y = x.view(-1, cols)
    return y


def to_numpy(t):
    b = t.numpy()
    return b


def from_numpy(a):
    b = torch.from_numpy(a)
    return b


def get_device():
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return device
