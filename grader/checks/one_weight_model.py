"""Checks shared by the lessons whose model is y_pred = x * w (lessons 3 and 7)."""

import torch

from grader import expect, strategies
from grader.gradcheck import gradcheck
from grader.i18n import tr
from grader.lesson import Trial


def forward_matches_reference(t: Trial, max_examples: int | None = None) -> None:
    """forward(x, w) equals the reference's x * w for tensors of several shapes and a scalar weight."""
    def one(example):
        x, w = example
        x, w = x.to(t.device), torch.tensor(w, device=t.device)
        expected, got = t.ref.call("forward", x, w), t.sub.call("forward", x, w)
        expect.close(got, expected, tr("forward(x, w) for x of shape {shape} and w = {w:.3g}", shape=tuple(x.shape),
                                       w=w.item()),
                     hint=tr("the prediction is the input times the weight: x * w"))
    strategies.for_all(strategies.tensors().flatmap(
        lambda x: strategies.floats().map(lambda w: (x, w))), one, max_examples=max_examples)


def forward_gradients(t: Trial, size: int) -> None:
    """Gradients of forward with respect to x and w (float64 gradcheck)."""
    x, w = t.randn(size, dtype=torch.float64), t.randn(dtype=torch.float64)
    gradcheck(t.sub, "forward", [x, w], what="forward(x, w)")
