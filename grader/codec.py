"""A safe, pickle-free encoding for values crossing between the judge and a submission.

A value becomes a JSON-able tree plus a list of raw byte buffers (tensor and array data).
Decoding never runs code from the other side: tensors are rebuilt from bytes, so a tensor
subclass that "equals anything" arrives in the judge as a plain tensor. Objects the codec does
not know (models, loaders, figures, ...) stay where they were made and cross as a `Ref`.

Sizes are checked before memory is given to a value: a tensor or array is rebuilt only when the
bytes it declares (its shape times its item size) are those it brought, and, with `max_bytes`,
no more than that budget (`TooLarge`). Tensor and array data cross as raw buffers (views of the
value when encoding), never as Python numbers one element at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from grader.i18n import tr

MAX_DEPTH = 32
MAX_DIMS = 64

_TORCH_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.float16, torch.bfloat16, torch.float32, torch.float64,
        torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool,
        torch.complex64, torch.complex128,
    )
}
_TORCH_DTYPE_NAMES = {dtype: name for name, dtype in _TORCH_DTYPES.items()}
_ITEMSIZES = {name: 1 if dtype == torch.bool else torch.empty(0, dtype=dtype).element_size()
              for name, dtype in _TORCH_DTYPES.items()}
_NUMPY_DTYPES = {
    "float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool",
    "complex64", "complex128",
}


class CodecError(ValueError):
    """A value could not be encoded or decoded."""


class TooLarge(CodecError):
    """A tensor or array declared more bytes than the decoder's budget; nothing was allocated."""

    def __init__(self, size: int, budget: int):
        super().__init__(f"a value of {size} bytes is over the budget of {budget} bytes")
        self.size, self.budget = size, budget


@dataclass(frozen=True)
class Ref:
    """A handle on an object that lives in the submission's process."""

    id: int
    type_name: str

    def __repr__(self) -> str:
        return tr("<{type} in the submission>", type=self.type_name)


@dataclass(frozen=True, eq=False)
class TensorSnap:
    """What the judge sees of a tensor: its values (on the CPU) and its autograd state."""

    value: torch.Tensor
    device: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None
    grad: TensorSnap | None = None
    is_parameter: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    @property
    def dtype(self) -> torch.dtype:
        return self.value.dtype

    def __repr__(self) -> str:
        return f"TensorSnap({self.value!r}, device={self.device!r}, requires_grad={self.requires_grad})"


@dataclass
class Encoded:
    tree: Any
    buffers: list = field(default_factory=list)    # bytes, or views of the encoded values' data


def encode(value: Any, make_ref: Callable[[Any], Ref] | None = None) -> Encoded:
    """Encode `value`. Unknown objects become refs through `make_ref` (or raise without it)."""
    out = Encoded(None)
    out.tree = _encode(value, out.buffers, make_ref, 0)
    return out


def decode(encoded: Encoded, resolve_ref: Callable[[Ref], Any] | None = None, *, as_snapshots: bool,
           max_bytes: int | None = None) -> Any:
    """Decode a tree. The judge decodes tensors `as_snapshots`; the submission side as live tensors.
    With `max_bytes`, any one tensor or array declaring more data than that raises `TooLarge`."""
    return _decode(encoded.tree, _Buffers(encoded.buffers, max_bytes), resolve_ref, as_snapshots, 0)


def is_data(node: Any) -> bool:
    """Whether an encoded node is a tensor's or an array's: data, dtype and device, never a `Ref`
    or a path."""
    return type(node) is dict and len(node) == 1 and ("tensor" in node or "ndarray" in node)


def names_ref(tree: Any) -> bool:
    """Whether an encoded tree holds a `Ref`: the side that answered keeps a live object for it.
    Only containers can hold one: a tensor's or an array's node is not searched."""
    if type(tree) is not dict:
        return False
    if "ref" in tree:
        return True
    for kind, body in tree.items():
        if type(body) is not list:
            continue
        if kind in ("list", "tuple"):
            return any(names_ref(item) for item in body)
        if kind == "dict":
            return any(names_ref(pair[1]) for pair in body if type(pair) is list and len(pair) == 2)
    return False


class _Buffers:
    """The message's buffers, handed out only to a value whose declared size matches one."""

    def __init__(self, buffers: list, max_bytes: int | None):
        self.buffers, self.max_bytes = buffers, max_bytes

    def __getitem__(self, index):
        if type(index) is not int or not 0 <= index < len(self.buffers):
            raise CodecError("malformed value: no such buffer")
        return self.buffers[index]

    def sized(self, index, shape, itemsize: int) -> tuple[list[int], Any]:
        """The buffer for a value of `shape`, refused before any allocation when the sizes lie."""
        if not isinstance(shape, list) or len(shape) > MAX_DIMS or any(
                type(n) is not int or n < 0 for n in shape):
            raise CodecError("malformed value: bad shape")
        declared = math.prod(shape) * itemsize
        if self.max_bytes is not None and declared > self.max_bytes:
            raise TooLarge(declared, self.max_bytes)
        buffer = self[index]
        if memoryview(buffer).nbytes != declared:
            raise CodecError("tensor data does not match its shape")
        return shape, buffer


def _encode(value, buffers, make_ref, depth):
    if depth > MAX_DEPTH:
        raise CodecError(tr("value nested too deeply"))
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is bytes:
        buffers.append(value)
        return {"bytes": len(buffers) - 1}
    if isinstance(value, int) and type(value) in (int, bool):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, Ref):
        return {"ref": value.id}
    if isinstance(value, TensorSnap):
        return _encode_tensor_snapshot(value, buffers)
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value, buffers, make_ref, depth)
    if isinstance(value, np.ndarray) and type(value) is np.ndarray and value.dtype.name in _NUMPY_DTYPES:
        array = np.ascontiguousarray(value)
        buffers.append(_view(array))
        return {"ndarray": {"dtype": array.dtype.name, "shape": list(array.shape), "buf": len(buffers) - 1}}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return _encode(value.item(), buffers, make_ref, depth + 1)
    if isinstance(value, torch.dtype):
        return {"torch_dtype": str(value).removeprefix("torch.")}
    if isinstance(value, torch.device):
        return {"torch_device": str(value)}
    if type(value) is torch.Size:
        return {"size": [int(n) for n in value]}
    if type(value) in (list, tuple):
        key = "list" if type(value) is list else "tuple"
        return {key: [_encode(item, buffers, make_ref, depth + 1) for item in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"dict": [[k, _encode(v, buffers, make_ref, depth + 1)] for k, v in value.items()]}
    if make_ref is None:
        raise CodecError(f"cannot send a {type(value).__name__}")
    ref = make_ref(value)
    return {"ref": ref.id, "type": ref.type_name}


def _encode_tensor(tensor, buffers, make_ref, depth):
    plain = torch.Tensor._make_subclass(torch.Tensor, tensor.detach()) if type(tensor) not in (
        torch.Tensor, torch.nn.Parameter) else tensor.detach()
    if plain.layout != torch.strided:
        plain = plain.to_dense()
    cpu = plain.cpu().contiguous()
    dtype = _TORCH_DTYPE_NAMES.get(cpu.dtype)
    if dtype is None:
        raise CodecError(tr("unsupported tensor dtype {dtype}", dtype=str(cpu.dtype).removeprefix("torch.")))
    flat = cpu.reshape(-1)
    raw = flat.view(torch.uint8) if cpu.dtype != torch.bool else flat.to(torch.uint8)
    buffers.append(_view(raw.numpy()) if cpu.numel() else b"")
    grad = tensor.grad if tensor.is_leaf else None
    return {"tensor": {
        "dtype": dtype,
        "shape": list(cpu.shape),
        "buf": len(buffers) - 1,
        "device": str(tensor.device),
        "requires_grad": bool(tensor.requires_grad),
        "is_leaf": bool(tensor.is_leaf),
        "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
        "grad": _encode_tensor(grad, buffers, make_ref, depth + 1) if isinstance(grad, torch.Tensor) else None,
        "parameter": isinstance(tensor, torch.nn.Parameter),
    }}


def _view(array: np.ndarray) -> memoryview:
    """The array's bytes without a copy (a large reply is never held twice by its sender)."""
    return memoryview(array.reshape(-1).view(np.uint8)) if array.size else memoryview(b"")


def _encode_tensor_snapshot(snap: TensorSnap, buffers):
    node = _encode_tensor(snap.value, buffers, None, 0)["tensor"]
    node.update(device=snap.device, requires_grad=snap.requires_grad, parameter=snap.is_parameter)
    if snap.grad is not None:
        node["grad"] = _encode_tensor_snapshot(snap.grad, buffers)
    return {"tensor": node}


def _decode(tree, buffers, resolve_ref, as_snapshots, depth):
    if depth > MAX_DEPTH:
        raise CodecError(tr("value nested too deeply"))
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if not isinstance(tree, dict) or len(tree) not in (1, 2):
        raise CodecError("malformed value")
    if "ref" in tree:
        ref = Ref(int(tree["ref"]), str(tree.get("type", "object")))
        return resolve_ref(ref) if resolve_ref else ref
    (kind, body), = tree.items()
    if kind == "float":
        return float(body)
    if kind == "bytes":
        return bytes(buffers[body])
    if kind == "list":
        return [_decode(item, buffers, resolve_ref, as_snapshots, depth + 1) for item in body]
    if kind == "tuple":
        return tuple(_decode(item, buffers, resolve_ref, as_snapshots, depth + 1) for item in body)
    if kind == "dict":
        return {str(k): _decode(v, buffers, resolve_ref, as_snapshots, depth + 1) for k, v in body}
    if kind == "size":
        return torch.Size(int(n) for n in body)
    if kind == "torch_dtype":
        return _TORCH_DTYPES[body]
    if kind == "torch_device":
        return torch.device(body)
    if kind == "ndarray":
        if body["dtype"] not in _NUMPY_DTYPES:
            raise CodecError(tr("unsupported array dtype"))
        dtype = np.dtype(body["dtype"])
        shape, buffer = buffers.sized(body["buf"], body["shape"], dtype.itemsize)
        return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()
    if kind == "tensor":
        return _decode_tensor(body, buffers, as_snapshots)
    raise CodecError(f"unknown value kind {kind!r}")


def _tensor_from_bytes(node, buffers: _Buffers) -> torch.Tensor:
    if node.get("dtype") not in _TORCH_DTYPES:
        raise CodecError(tr("unsupported tensor dtype {dtype}", dtype=str(node.get("dtype"))[:40]))
    dtype = _TORCH_DTYPES[node["dtype"]]
    itemsize = _ITEMSIZES[node["dtype"]]
    shape, buffer = buffers.sized(node["buf"], node["shape"], itemsize)
    raw = bytearray(buffer)     # the tensor's own copy (never a view of the sender's memory)
    if dtype == torch.bool:
        flat = torch.frombuffer(raw, dtype=torch.uint8).to(torch.bool) if raw else torch.empty(0, dtype=dtype)
    else:
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
    return flat.reshape(shape)


def _decode_tensor(node, buffers, as_snapshots):
    value = _tensor_from_bytes(node, buffers)
    grad_node = node.get("grad")
    if as_snapshots:
        return TensorSnap(
            value=value,
            device=str(node["device"]),
            requires_grad=bool(node["requires_grad"]),
            is_leaf=bool(node["is_leaf"]),
            grad_fn=node["grad_fn"],
            grad=_decode_tensor(grad_node["tensor"], buffers, True) if grad_node else None,
            is_parameter=bool(node.get("parameter")),
        )
    tensor = value.to(node["device"], copy=True)  # its own storage, not a view of the message
    if node.get("parameter"):
        tensor = torch.nn.Parameter(tensor, requires_grad=bool(node["requires_grad"]))
    elif node["requires_grad"]:
        tensor.requires_grad_(True)
    if grad_node:
        tensor.grad = _decode_tensor(grad_node["tensor"], buffers, False)
    return tensor
