"""Probes for the MNIST lessons (5 and 6). They gather facts on the submission side, never verdicts.

Only the training split and the test IMAGES are ever loaded here: the test labels stay with the
judge, which scores the predictions of `predict_test_classes` itself.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler

from grader.data import load_mnist, load_mnist_images, tensor_loader
from grader.probes import predict_classes, probe


@probe
def mnist_train_loader(session, root: str, start: int, stop: int, batch_size: int, shuffle: bool,
                       seed: int = 0):
    """A fast in-memory loader over training images [start, stop) (the order depends only on `seed`)."""
    images, labels = load_mnist(root, "train", start, stop)  # fresh tensors: nobody else holds them
    return tensor_loader(images, labels, batch_size, shuffle, seed)


@probe
def predict_test_classes(session, model: nn.Module, root: str) -> torch.Tensor:
    """Class predictions of `model` for the 10,000 test images, read here rather than sent: the
    images only (the labels stay with the judge), from the zygote's preloaded copy in the judge."""
    return predict_classes(session, model, load_mnist_images(root, "test"))


@probe
def new_model(session, kind: str, sizes: list[int], device: str = "cpu", seed: int = 0) -> nn.Module:
    """A model built by the grader, not the student: 'linear' (in, out) or 'mlp' (in, hidden, out).

    PyTorch's default initialisation, drawn from a private generator seeded with `seed`.
    """
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)   # the CPU generator fork_rng(devices=[]) restores
        if kind == "linear":
            model = nn.Linear(*sizes)
        elif kind == "mlp":
            model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]))
        else:
            raise ValueError(f"unknown model kind {kind!r}")
    return model.to(device)


@probe
def call_watching_grad_mode(session, name: str, model: nn.Module, *args, **kwargs) -> dict:
    """Call `name(model, *args, **kwargs)`, recording whether grad mode was on at each forward of `model`.

    The model's forward is wrapped on the instance, so both `model(x)` and `model.forward(x)` are
    seen. Also reports whether grad mode was still on afterwards.
    """
    seen: list[bool] = []
    original = model.forward

    def watched(*inputs, **options):
        seen.append(bool(torch.is_grad_enabled()))
        return original(*inputs, **options)

    model.forward = watched
    try:
        result = session.lookup(name)(model, *args, **kwargs)
    finally:
        del model.forward  # back to the class's forward
        enabled_after = bool(torch.is_grad_enabled())
        torch.set_grad_enabled(True)
    return {"result": result, "grad_modes": seen, "grad_enabled_after": enabled_after}


def _transform_names(transform) -> list[str]:
    if transform is None:
        return []
    inner = getattr(transform, "transforms", None)
    if isinstance(inner, (list, tuple)):
        return [name for t in inner for name in _transform_names(t)]
    return [type(transform).__name__]


def _shape_and_dtype(value):
    return (list(value.shape), str(value.dtype)) if isinstance(value, torch.Tensor) else type(value).__name__


@probe
def loader_facts(session, loader) -> dict:
    """What a loader is made of, and what its first batch and its data set's first item look like."""
    facts: dict = {"type": type(loader).__name__, "is_loader": isinstance(loader, DataLoader)}
    if not facts["is_loader"]:
        return facts
    dataset = loader.dataset
    facts.update(
        dataset_type=type(dataset).__name__,
        dataset_train=getattr(dataset, "train", None),
        dataset_len=len(dataset),
        transforms=_transform_names(getattr(dataset, "transform", None)),
        sampler=type(loader.sampler).__name__,
        random_sampler=isinstance(loader.sampler, RandomSampler),
        sequential_sampler=isinstance(loader.sampler, SequentialSampler),
        batch_size=loader.batch_size,
        drop_last=bool(loader.drop_last),
    )
    image, label = dataset[0][:2]
    facts["first_item"] = {"image": image if isinstance(image, torch.Tensor) else type(image).__name__,
                           "label_type": type(label).__name__}
    images, labels = next(iter(loader))[:2]
    facts["first_batch"] = {
        "images": _shape_and_dtype(images),
        "labels": _shape_and_dtype(labels),
    }
    return facts


@probe
def call_with_cuda_forced(session, name: str, available: bool):
    """`name()` while torch.cuda reports `available` (is_available and device_count), restored afterwards."""
    cuda = torch.cuda
    saved = cuda.is_available, cuda.device_count
    cuda.is_available = lambda: available
    cuda.device_count = lambda: 1 if available else 0
    try:
        return session.lookup(name)()
    finally:
        cuda.is_available, cuda.device_count = saved


@probe
def forward_and_grads(session, model: nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> dict:
    """model(x), and the parameter gradients of sum(model(x) * upstream) by backward()."""
    model.zero_grad(set_to_none=True)
    out = model(x)
    facts = {"output": out.detach() if isinstance(out, torch.Tensor) else out,
             "requires_grad": bool(getattr(out, "requires_grad", False)),
             "grads": None}
    if isinstance(out, torch.Tensor) and out.requires_grad and out.shape == upstream.shape:
        (out * upstream).sum().backward()
        facts["grads"] = {name: (p.grad.detach().clone() if p.grad is not None else None)
                          for name, p in model.named_parameters()}
        model.zero_grad(set_to_none=True)
    return facts
