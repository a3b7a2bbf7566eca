"""Lesson 1 — Tensors.

A tensor is PyTorch's n-dimensional array: like a NumPy array, but it can live on a GPU and
it can remember how it was computed, so that gradients can flow back through it (lesson 2).
This lesson builds tensors, reads their shape and dtype, does arithmetic, slices and reshapes
them, and moves data between PyTorch and NumPy and between the CPU and a GPU.
"""

import numpy as np
import torch


def make_tensors() -> dict[str, torch.Tensor]:
    """Four float32 tensors, by name.

    - "scalar": `torch.empty(1)`, one element whose value is whatever was in memory;
    - "vector": zeros, shape (3,);
    - "matrix": ones, shape (2, 3);
    - "cube": random values drawn uniformly from [0, 1), shape (2, 2, 3).

    float32 is PyTorch's default dtype, so the factory functions need no `dtype` here.
    """
    # BEGIN TODO make_tensors: torch.empty, torch.zeros, torch.ones and torch.rand, one per key
    return {
        "scalar": torch.empty(1),
        "vector": torch.zeros(3),
        "matrix": torch.ones(2, 3),
        "cube": torch.rand(2, 2, 3),
    }
    # END TODO


def size_and_dtype(t: torch.Tensor) -> tuple[torch.Size, torch.dtype]:
    """The pair `(t.size(), t.dtype)`: the shape as a `torch.Size` and the element type."""
    # BEGIN TODO size_and_dtype: return the size and the dtype of t
    return t.size(), t.dtype
    # END TODO


def zeros_of(rows: int, cols: int, dtype: torch.dtype) -> torch.Tensor:
    """A (rows, cols) tensor of zeros with the given dtype, e.g. `torch.float16` or `torch.int64`."""
    # BEGIN TODO zeros_of: torch.zeros with a dtype argument
    return torch.zeros(rows, cols, dtype=dtype)
    # END TODO


def from_data(data) -> torch.Tensor:
    """A tensor holding Python data: a number, a list, or nested lists.

    The dtype follows the data, as `torch.tensor` does it: Python ints give int64, floats give
    float32 (PyTorch's default float type), bools give bool.
    """
    # BEGIN TODO from_data: torch.tensor copies the data and infers the dtype
    return torch.tensor(data)
    # END TODO


def trainable(data) -> torch.Tensor:
    """A float32 tensor built from `data` that records operations for autograd.

    It must be a leaf tensor with `requires_grad=True`, so that after a backward pass its
    `.grad` is filled in. Only floating point tensors can require gradients, so integer data
    must become float32 first.
    """
    # BEGIN TODO trainable: torch.tensor with dtype=torch.float32 and requires_grad=True
    return torch.tensor(data, dtype=torch.float32, requires_grad=True)
    # END TODO


def elementwise(x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Element-wise arithmetic of two tensors of the same shape, as a dict.

    Keys "add", "sub", "mul" and "div" hold x + y, x - y, x * y and x / y, computed element by
    element (the same as `torch.add`, `torch.sub`, `torch.mul` and `torch.div`). `*` is not
    matrix multiplication (that is `@`), and `/` is true division, not `//`. x and y must not
    be changed.
    """
    # BEGIN TODO elementwise: one entry per operator: +, -, *, /
    return {"add": x + y, "sub": x - y, "mul": x * y, "div": x / y}
    # END TODO


def slices(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """From a 2-D tensor (at least 2 x 2): its first column, its second row, and the element
    at row 1, column 1 as a Python float.

    Indexing works as in NumPy: `x[:, 0]` is column 0 and `x[1, :]` is row 1. A one-element
    tensor becomes a Python number with `.item()`.
    """
    # BEGIN TODO slices: x[:, 0], x[1, :] and x[1, 1].item()
    return x[:, 0], x[1, :], x[1, 1].item()
    # END TODO


def reshape(x: torch.Tensor, cols: int) -> torch.Tensor:
    """The same elements arranged with `cols` columns; the number of rows is inferred (-1).

    The result must be a view of `x`: it shares x's memory, so writing to one changes the
    other. `x.view` (or `x.reshape` on a contiguous tensor) gives a view; `cols` divides
    `x.numel()`.
    """
    # BEGIN TODO reshape: x.view with -1 for the rows
    return x.view(-1, cols)
    # END TODO


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """A NumPy array for a CPU tensor that shares its memory: change one, the other changes."""
    # BEGIN TODO to_numpy: Tensor.numpy() shares memory with the tensor
    return t.numpy()
    # END TODO


def from_numpy(a: np.ndarray) -> torch.Tensor:
    """A tensor that shares memory with the NumPy array `a` (and keeps its dtype)."""
    # BEGIN TODO from_numpy: torch.from_numpy shares memory with the array
    return torch.from_numpy(a)
    # END TODO


def get_device() -> torch.device:
    """`torch.device("cuda")` when a CUDA GPU is available, otherwise `torch.device("cpu")`.

    Ask `torch.cuda.is_available()` each time the function is called. The strings "cuda" and
    "cpu" are accepted too, since `tensor.to(...)` takes either.
    """
    # BEGIN TODO get_device: torch.cuda.is_available() decides between "cuda" and "cpu"
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    # END TODO


def to_numpy_any_device(t: torch.Tensor) -> np.ndarray:
    """A NumPy array with the values and dtype of any tensor, wherever it lives.

    `.numpy()` refuses a tensor that requires grad (detach it from the graph first) and a
    tensor on a GPU (copy it to the CPU first with `.cpu()`).
    """
    # BEGIN TODO to_numpy_any_device: detach, move to the CPU, then convert
    return t.detach().cpu().numpy()
    # END TODO
