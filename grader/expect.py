"""Expectations: compare what came back with what was expected, and say why not in plain words.

Every failure is a `Wrong`: what was expected, what came back, and a hint. Messages stay short,
specific and kind; the runner adds which TODO they belong to.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from grader.codec import Ref, TensorSnap
from grader.i18n import tr


class Wrong(AssertionError):
    def __init__(self, what: str, expected: str | None = None, got: str | None = None, hint: str | None = None):
        self.what, self.expected, self.got, self.hint = what, expected, got, hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [self.what.rstrip(".") + "."]
        if self.expected is not None:
            parts.append(tr("Expected {expected}, got {got}.", expected=self.expected, got=self.got))
        if self.hint:
            parts.append(tr("Hint: {hint}", hint=self.hint))
        return " ".join(parts)


def describe(value: Any) -> str:
    """A short description of a value, for messages."""
    if isinstance(value, TensorSnap):
        return tr("a {dtype} tensor of shape {shape} on {device}", dtype=str(value.dtype).removeprefix("torch."),
                  shape=tuple(value.shape), device=value.device)
    if isinstance(value, torch.Tensor):
        return tr("a {dtype} tensor of shape {shape}", dtype=str(value.dtype).removeprefix("torch."),
                  shape=tuple(value.shape))
    if isinstance(value, np.ndarray):
        return tr("a {dtype} NumPy array of shape {shape}", dtype=value.dtype, shape=value.shape)
    if isinstance(value, Ref):
        return tr("a {type}", type=value.type_name)
    if value is None:
        return "None"
    if isinstance(value, (int, float, bool)):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return tr("a {type} of length {length}", type=type(value).__name__, length=len(value))
    return tr("a {type}", type=type(value).__name__)


def short(value: Any, limit: int = 60) -> str:
    """The values themselves, abbreviated."""
    if isinstance(value, TensorSnap):
        value = value.value
    if isinstance(value, (torch.Tensor, np.ndarray)):
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
        text = np.array2string(array.astype(np.float64) if array.dtype.kind in "fiub" else array, precision=4,
                               threshold=6, edgeitems=2, separator=", ").replace("\n", "")
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_tensor(value: Any) -> torch.Tensor:
    if isinstance(value, TensorSnap):
        return value.value
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    return torch.as_tensor(value)


def is_tensor(got: Any, what: str, hint: str | None = None) -> TensorSnap:
    if not isinstance(got, TensorSnap):
        raise Wrong(tr("{what} should be a torch tensor", what=what), tr("a tensor"), describe(got), hint)
    return got


def is_array(got: Any, what: str, hint: str | None = None) -> np.ndarray:
    if not isinstance(got, np.ndarray):
        raise Wrong(tr("{what} should be a NumPy array", what=what), tr("an ndarray"), describe(got), hint)
    return got


def is_instance(got: Any, kinds, what: str, hint: str | None = None):
    if not isinstance(got, kinds):
        names = tr(" or ").join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
        raise Wrong(tr("{what} has the wrong type", what=what), tr("a {type}", type=names), describe(got), hint)
    return got


def equal(got: Any, expected: Any, what: str, hint: str | None = None) -> None:
    if got != expected:
        raise Wrong(tr("{what} is not right", what=what), repr(expected), repr(got), hint)


def true(condition: bool, what: str, hint: str | None = None) -> None:
    if not condition:
        raise Wrong(what, hint=hint)


def close(got: Any, expected: Any, what: str, hint: str | None = None, *, rtol: float = 1e-5,
          atol: float = 1e-6, check_dtype: bool = True, check_device: bool = True) -> None:
    """Numbers, arrays or tensors equal within tolerance; type, shape, dtype and device first."""
    if isinstance(expected, TensorSnap):
        is_tensor(got, what, hint)
        if check_device and got.device != expected.device:
            raise Wrong(tr("{what} is on the wrong device", what=what), expected.device, got.device,
                        hint or tr("keep results on the device of the inputs (use .to(device) on new tensors)"))
    elif isinstance(expected, np.ndarray):
        is_array(got, what, hint)
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise Wrong(tr("{what} should be a Python number", what=what), tr("a float"), describe(got),
                        hint or tr("use .item() to turn a one-element tensor into a Python number"))
        if math.isnan(got) and not math.isnan(expected):
            raise Wrong(tr("{what} is NaN", what=what), short(expected), "nan", hint)
        if not math.isclose(got, expected, rel_tol=rtol, abs_tol=atol):
            raise Wrong(tr("{what} is not right", what=what), short(expected), short(got), hint)
        return
    g, e = as_tensor(got), as_tensor(expected)
    if tuple(g.shape) != tuple(e.shape):
        raise Wrong(tr("{what} has the wrong shape", what=what), str(tuple(e.shape)), str(tuple(g.shape)), hint)
    if check_dtype and g.dtype != e.dtype:
        raise Wrong(tr("{what} has the wrong dtype", what=what), str(e.dtype).removeprefix("torch."),
                    str(g.dtype).removeprefix("torch."), hint)
    if g.is_floating_point() and torch.isnan(g).any() and not torch.isnan(e).any():
        raise Wrong(tr("{what} contains NaN", what=what), short(e), short(g),
                    hint or tr("look for a division by zero or a huge learning rate"))
    if g.dtype == torch.bool or not (g.is_floating_point() or e.is_floating_point()):
        ok = torch.equal(g, e)
    else:
        ok = torch.allclose(g.to(torch.float64), e.to(torch.float64), rtol=rtol, atol=atol, equal_nan=True)
    if not ok:
        raise Wrong(tr("{what} has the wrong values", what=what), short(e), short(g), hint)
