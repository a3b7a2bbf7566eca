"""Lesson 3 — backpropagation: forward, squared error, one hand-written training step."""

import torch

from grader import expect, strategies
from grader.gradcheck import gradcheck
from grader.i18n import N_, tr
from grader.checks import one_weight_model
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson03", "backprop", N_("Backpropagation"),
                todos=("forward", "squared_error", "backprop_step"))


@lesson.check("forward", points=1, per_device=True)
def forward_matches_reference(t: Trial):
    """forward(x, w) equals x * w for tensors of several shapes and a scalar weight."""
    one_weight_model.forward_matches_reference(t)


@lesson.check("forward", points=1)
def forward_gradients(t: Trial):
    """Gradients of forward with respect to x and w (float64 gradcheck)."""
    one_weight_model.forward_gradients(t, size=4)


@lesson.check("squared_error", points=1, per_device=True)
def squared_error_matches_reference(t: Trial):
    """squared_error(y_pred, y) equals (y_pred - y) ** 2 element-wise."""
    def one(pair):
        y_pred, y = (v.to(t.device) for v in pair)
        expected, got = t.ref.call("squared_error", y_pred, y), t.sub.call("squared_error", y_pred, y)
        expect.close(got, expected, tr("squared_error for tensors of shape {shape}", shape=tuple(y.shape)),
                     hint=tr("square the difference element by element: (y_pred - y) ** 2; do not sum or average here"))
    strategies.for_all(strategies.same_shape_pair(), one)


@lesson.check("squared_error", points=1)
def squared_error_gradients(t: Trial):
    """Gradients of squared_error (float64 gradcheck)."""
    y_pred, y = t.randn(3, dtype=torch.float64), t.randn(3, dtype=torch.float64)
    gradcheck(t.sub, "squared_error", [y_pred, y], what="squared_error(y_pred, y)")


def _step_both(t: Trial, x, y, w0: float, lr: float, steps: int):
    """Run `steps` backprop steps in the reference and the submission from the same w."""
    outcomes = []
    for handle in (t.ref, t.sub):
        w = handle.new(t.tensor(w0, requires_grad=True))
        losses = [handle.call("backprop_step", x, y, w, lr) for _ in range(steps)]
        outcomes.append((losses, handle.fetch(w)))
    return outcomes


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_returns_loss(t: Trial):
    """backprop_step returns the loss before the update, as a Python float."""
    x, y = t.tensor([1.0, 2.0, 3.0]), t.tensor([2.0, 4.0, 6.0])
    (ref_losses, _), (losses, _) = _step_both(t, x, y, 1.0, 0.01, 1)
    expect.close(losses[0], ref_losses[0], tr("the loss returned by backprop_step"),
                 hint=tr("sum the squared errors, then return loss.item()"))


@lesson.check("backprop_step", points=2, per_device=True)
def backprop_step_updates_w_in_place(t: Trial):
    """w is updated in place by w -= learning_rate * w.grad."""
    x, y = t.tensor([1.0, 2.0, 3.0, 4.0]), t.tensor([2.0, 4.0, 6.0, 8.0])
    (_, ref_w), (_, w) = _step_both(t, x, y, 1.0, 0.01, 1)
    expect.true(not torch.equal(w.value, torch.tensor(1.0)) or torch.equal(ref_w.value, torch.tensor(1.0)),
                tr("w did not change after backprop_step"),
                hint=tr("update the tensor you were given in place (w -= ...); `w = w - ...` only rebinds a local name"))
    expect.close(w, ref_w, tr("w after one step"), hint=tr("the update is w -= learning_rate * w.grad"))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_keeps_w_trainable(t: Trial):
    """After the step w is still a leaf that requires grad."""
    x, y = t.tensor([1.0, 2.0]), t.tensor([2.0, 4.0])
    (_, _), (_, w) = _step_both(t, x, y, 1.0, 0.01, 1)
    expect.true(w.requires_grad and w.is_leaf,
                tr("after backprop_step w should still be a leaf tensor that requires grad "
                   "(requires_grad={requires_grad}, leaf={leaf})", requires_grad=w.requires_grad, leaf=w.is_leaf),
                hint=tr("do the update inside `with torch.no_grad():` so it is not recorded in the graph"))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_zeroes_grad(t: Trial):
    """w.grad is zeroed (or cleared) after the update."""
    x, y = t.tensor([1.0, 2.0]), t.tensor([3.0, 1.0])
    (_, _), (_, w) = _step_both(t, x, y, 1.0, 0.01, 1)
    if w.grad is not None:
        expect.close(w.grad.value, torch.zeros_like(w.grad.value), tr("w.grad after the step"),
                     hint=tr("gradients accumulate across backward() calls: call w.grad.zero_() after the update"))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_trains_over_many_steps(t: Trial):
    """Ten steps in a row give the reference's losses and final w."""
    x, y = t.tensor([1.0, 2.0, 3.0, 4.0]), t.tensor([2.0, 4.0, 6.0, 8.0])
    (ref_losses, ref_w), (losses, w) = _step_both(t, x, y, 1.0, 0.01, 10)
    expect.is_instance(losses[0], float, tr("the loss returned by backprop_step"), hint="return loss.item()")
    for i, (got, expected) in enumerate(zip(losses, ref_losses), start=1):
        # the hint follows what was seen: step 1 wrong is the loss itself; later steps, the update
        expect.close(got, expected, tr("the loss at step {step} of {steps}", step=i, steps=10),
                     hint=tr("the loss of a step is the sum of the squared errors for the w it was "
                             "given, computed before the update") if i == 1 else
                     tr("step 1 is right but step {step} is not: the update between steps is off; it is "
                        "w -= learning_rate * w.grad inside torch.no_grad(), then w.grad.zero_(), since "
                        "gradients add up across backward() calls", step=i))
    expect.close(w, ref_w, tr("w after {steps} steps", steps=10))
