"""Lessons and their checks: what is graded, for how many points, on which TODO."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from grader.handle import Handle


@dataclass(frozen=True)
class Check:
    lesson: str
    todo: str
    name: str
    points: float
    fn: Callable[[Trial], None] = field(repr=False)
    per_device: bool = False
    doc: str = ""

    @property
    def id(self) -> str:
        return f"{self.lesson}.{self.name}"


@dataclass
class Lesson:
    """One lesson: its module, its TODOs in order, and the checks that grade them."""

    id: str                       # "lesson03"
    module: str                   # "backprop" -> exercises/lesson03/backprop.py
    title: str
    todos: tuple[str, ...]
    checks: list[Check] = field(default_factory=list)
    needs_mnist: bool = False
    # what its submissions use that is slow on first use, warmed in the judge's zygote before each
    # fork (grader/judge/zygote.py WARM_UPS): "training", "plotting", "torchvision", "resnet"
    warm_up: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.module}.py"

    def check(self, todo: str, points: float, *, per_device: bool = False):
        """Register a check for `todo` worth `points`; `per_device` runs it on CPU and CUDA."""
        if todo not in self.todos:
            raise ValueError(f"{self.id}: check for unknown TODO {todo!r} (known: {', '.join(self.todos)})")
        if points <= 0:
            raise ValueError(f"{self.id}: a check must be worth points, got {points!r}")

        def register(fn: Callable[[Trial], None]) -> Callable[[Trial], None]:
            if any(c.name == fn.__name__ for c in self.checks):
                raise ValueError(f"{self.id}: two checks named {fn.__name__!r}")
            doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else fn.__name__.replace("_", " ")
            self.checks.append(Check(self.id, todo, fn.__name__, float(points), fn, per_device, doc))
            return fn

        return register

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)


@dataclass
class Trial:
    """What a check gets: the submission, the reference, a device, a seed and data."""

    sub: Handle
    ref: Handle
    device: str
    seed: int
    data_root: Path | None = None               # MNIST as the judge reads it (test labels included)
    submission_data_root: Path | None = None    # MNIST as the submission may read it (no test labels)
    rng: np.random.Generator = field(init=False)
    measured: float | None = field(init=False, default=None)   # set by a check that measures (test accuracy)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)
        if self.submission_data_root is None:
            self.submission_data_root = self.data_root

    def tensor(self, data, dtype=torch.float32, requires_grad: bool = False) -> torch.Tensor:
        out = torch.as_tensor(data, dtype=dtype).to(self.device)
        return out.requires_grad_(requires_grad) if requires_grad else out

    def randn(self, *shape, dtype=torch.float32) -> torch.Tensor:
        return torch.from_numpy(self.rng.standard_normal(shape)).to(dtype).to(self.device)
