"""Probes for lesson 1: memory sharing, views, and the CUDA paths on any machine.

They run on the submission side and report facts (did the other side change? what came
back? what was raised?); the checks in `grader.checks.lesson01` decide what the facts mean.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.probes import probe

CUDA = torch.device("cuda", 0)
CUDA_TO_NUMPY = ("can't convert cuda:0 device type tensor to numpy. "
                 "Use Tensor.cpu() to copy the tensor to host memory first.")


def _raised(exc: BaseException) -> dict:
    return {"raised": type(exc).__name__, "message": str(exc)[:300]}


def _array_or_type(value) -> dict:
    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "value": np.asarray(value)}
    return {"type": type(value).__name__, "value": None}


@probe
def l01_reshape_view_facts(session, x: torch.Tensor, cols: int) -> dict:
    """Call reshape(x, cols), add 1 to the result in place, and report whether x changed."""
    before = x.detach().clone()
    out = session.lookup("reshape")(x, cols)
    if not isinstance(out, torch.Tensor):
        return {"is_tensor": False, "type": type(out).__name__}
    facts = {"is_tensor": True, "shape": list(out.shape)}
    try:
        with torch.no_grad():
            out.add_(1)
    except Exception as exc:  # e.g. an expanded tensor cannot be written to
        facts.update(_raised(exc))
        facts["x_follows_result"] = False
        return facts
    facts["x_follows_result"] = bool(torch.equal(x.detach(), before + 1))
    return facts


@probe
def l01_to_numpy_sharing(session, t: torch.Tensor) -> dict:
    """Call to_numpy(t); change the tensor, then the array, and report what the other side saw."""
    before = t.detach().clone()
    out = session.lookup("to_numpy")(t)
    facts = _array_or_type(out)
    if facts["type"] != "ndarray":
        return facts
    expected = (before + 1).numpy()
    with torch.no_grad():
        t.add_(1)
    facts["array_follows_tensor"] = bool(out.shape == expected.shape and np.array_equal(out, expected))
    try:
        out += 1
        facts["tensor_follows_array"] = bool(torch.equal(t, before + 2))
    except Exception as exc:  # a read-only array
        facts.update(_raised(exc))
        facts["tensor_follows_array"] = False
    return facts


@probe
def l01_from_numpy_sharing(session, a: np.ndarray) -> dict:
    """Call from_numpy(a); change the array, then the tensor, and report what the other side saw."""
    before = a.copy()
    out = session.lookup("from_numpy")(a)
    if not isinstance(out, torch.Tensor):
        return {"is_tensor": False, "type": type(out).__name__}
    facts = {"is_tensor": True}
    a += 1
    follows = out.shape == a.shape and np.array_equal(out.detach().cpu().numpy(), before + 1)
    facts["tensor_follows_array"] = bool(follows)
    try:
        with torch.no_grad():
            out.add_(1)
        facts["array_follows_tensor"] = bool(np.array_equal(a, before + 2))
    except Exception as exc:
        facts.update(_raised(exc))
        facts["array_follows_tensor"] = False
    return facts


@probe
def l01_device_if_cuda_available(session, available: bool):
    """get_device() while torch reports that a CUDA GPU is (or is not) available.

    `torch.cuda.is_available` (and its relatives in `torch.cuda` and `torch.accelerator`, and any
    name the student's module bound to it) answer `available` during the call and are restored
    afterwards. Returns whatever get_device returned.
    """
    fn = session.lookup("get_device")
    module = session.module()
    original = torch.cuda.is_available
    fake_is_available = lambda: available  # noqa: E731
    patches = [(torch.cuda, "is_available", fake_is_available),
               (torch.cuda, "device_count", lambda: 1 if available else 0)]
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None:
        patches += [(accelerator, "is_available", fake_is_available),
                    (accelerator, "device_count", lambda: 1 if available else 0),
                    (accelerator, "current_accelerator",
                     lambda check_available=False: torch.device("cuda") if available else None)]
    patches += [(module, name, fake_is_available) for name, value in list(vars(module).items())
                if value is original]
    saved = []
    try:
        for owner, name, value in patches:
            if hasattr(owner, name):
                saved.append((owner, name, getattr(owner, name)))
                setattr(owner, name, value)
        return fn()
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


def _plain(x: torch.Tensor) -> torch.Tensor:
    with torch._C.DisableTorchFunctionSubclass():
        return x.as_subclass(torch.Tensor)


class SimulatedCudaTensor(torch.Tensor):
    """A CPU tensor that behaves, for the purpose of `.numpy()`, like a tensor on a CUDA GPU.

    Its device reads cuda:0; every operation on it gives another simulated CUDA tensor;
    `.cpu()` and `.to("cpu")` give an ordinary CPU tensor (a copy, still in the graph);
    `.numpy()` and `np.asarray` raise the TypeError torch raises for a GPU tensor, unless
    `force=True`, which (as in torch) detaches and copies to the CPU first.
    """

    @property
    def device(self):
        return CUDA

    @property
    def is_cuda(self):
        return True

    @property
    def is_cpu(self):
        return False

    def get_device(self):
        return 0

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.Tensor.numpy:
            force = kwargs.get("force", args[1] if len(args) > 1 else False)
            if force:
                with torch._C.DisableTorchFunctionSubclass():
                    return _plain(args[0]).detach().clone().numpy()
            raise TypeError(CUDA_TO_NUMPY)
        if func is torch.Tensor.__array__:
            raise TypeError(CUDA_TO_NUMPY)
        if func is torch.Tensor.cpu:
            with torch._C.DisableTorchFunctionSubclass():
                return _plain(args[0]).clone()
        if func is torch.Tensor.to:
            device = torch._C._nn._parse_to(*args[1:], **kwargs)[0]
            if device is not None and device.type == "cpu":
                with torch._C.DisableTorchFunctionSubclass():
                    return _plain(args[0]).clone().to(*args[1:], **kwargs)
        return super().__torch_function__(func, types, args, kwargs)


@probe
def l01_numpy_from_simulated_cuda(session, values: torch.Tensor, requires_grad: bool) -> dict:
    """to_numpy_any_device on a simulated CUDA tensor holding `values`: the array, or what was raised."""
    fn = session.lookup("to_numpy_any_device")
    t = torch.Tensor._make_subclass(SimulatedCudaTensor, values.detach().clone(), requires_grad)
    try:
        out = fn(t)
    except NotImplementedError:
        raise
    except Exception as exc:
        return {**_raised(exc), "type": None, "value": None}
    return {"raised": None, **_array_or_type(out)}
