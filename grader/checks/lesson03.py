"""Lesson 3 — backpropagation: forward, squared error, one hand-written training step.

As in the course, the training step is graded on one sample: 0-d tensors x, y and w, whose
squared error is already a single number, so `loss.backward()` needs no reduction.
"""

import math

import torch

from grader import expect, strategies
from grader.checks import one_weight_model
from grader.expect import Wrong
from grader.gradcheck import gradcheck
from grader.i18n import N_, tr
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson03", "backprop", N_("Backpropagation"),
                todos=("forward", "squared_error", "backprop_step"))

# The course's own numbers: x = 1, y = 3, w = 0.1, learning rate 0.001.
COURSE_EXAMPLE = (1.0, 3.0, 0.1, 0.001)


@lesson.check("forward", points=1, per_device=True)
def forward_matches_reference(t: Trial):
    """forward(x, w) equals x * w for the course's 0-d tensors and for tensors of several shapes."""
    x, w = t.tensor(COURSE_EXAMPLE[0]), t.tensor(COURSE_EXAMPLE[2], requires_grad=True)
    expect.close(t.sub.call("forward", x, w), t.ref.call("forward", x, w),
                 tr("forward(x, w) for x of shape {shape} and w = {w:.3g}", shape=(), w=COURSE_EXAMPLE[2]),
                 hint=tr("the prediction is the input times the weight: x * w"))
    one_weight_model.forward_matches_reference(t)


@lesson.check("forward", points=1)
def forward_gradients(t: Trial):
    """Gradients of forward with respect to x and w (float64 gradcheck)."""
    one_weight_model.forward_gradients(t, size=4)


@lesson.check("squared_error", points=1, per_device=True)
def squared_error_matches_reference(t: Trial):
    """squared_error(y_pred, y) equals (y_pred - y) ** 2 element-wise, for 0-d tensors as in the course too."""
    def one(pair):
        y_pred, y = (v.to(t.device) for v in pair)
        expected, got = t.ref.call("squared_error", y_pred, y), t.sub.call("squared_error", y_pred, y)
        expect.close(got, expected, tr("squared_error for tensors of shape {shape}", shape=tuple(y.shape)),
                     hint=tr("square the difference element by element: (y_pred - y) ** 2; do not sum or average here"))
    one((torch.tensor(COURSE_EXAMPLE[0] * COURSE_EXAMPLE[2]), torch.tensor(COURSE_EXAMPLE[1])))
    strategies.for_all(strategies.same_shape_pair(), one)


@lesson.check("squared_error", points=1)
def squared_error_gradients(t: Trial):
    """Gradients of squared_error (float64 gradcheck)."""
    y_pred, y = t.randn(3, dtype=torch.float64), t.randn(3, dtype=torch.float64)
    gradcheck(t.sub, "squared_error", [y_pred, y], what="squared_error(y_pred, y)")


# --- backprop_step: graded on one sample, as the course writes it: 0-d tensors x, y and w ------

def _examples(t: Trial, count: int) -> list[tuple[float, float, float, float]]:
    """(x, y, w0, learning_rate): the course's, then `count` drawn from the trial's generator, with
    a learning rate small enough for the steps to converge and different from the course's 0.001."""
    drawn = []
    for _ in range(count):
        x = float(t.rng.choice([-1, 1]) * t.rng.uniform(0.5, 2.0))
        y, w0 = float(t.rng.uniform(-3.0, 3.0)), float(t.rng.uniform(-1.0, 1.0))
        lr = float(t.rng.uniform(0.01, 0.1)) / (x * x)
        drawn.append((round(x, 3), round(y, 3), round(w0, 3), round(lr, 4)))
    return [COURSE_EXAMPLE, *drawn]


def _steps(t: Trial, handle, example, steps: int):
    """`steps` calls of backprop_step on 0-d tensors from w0; returns (losses, w as the judge sees it)."""
    x, y, w0, lr = example
    w = handle.new(t.tensor(w0, requires_grad=True))
    losses = [handle.call("backprop_step", t.tensor(x), t.tensor(y), w, lr)
              for _ in range(steps)]
    return losses, handle.fetch(w)


def _label(example) -> str:
    x, y, w0, lr = example
    return tr("x = {x:g}, y = {y:g}, w = {w:g}, learning_rate = {lr:g}", x=x, y=y, w=w0, lr=lr)


def _name_the_update(example, got: float) -> None:
    """Compare w after one step with w0 - lr * dL/dw, and name the usual wrong updates."""
    x, y, w0, lr = example
    grad = 2.0 * x * (x * w0 - y)           # d/dw of (x * w - y) ** 2
    expected = w0 - lr * grad
    if math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-6):
        return
    label = _label(example)
    what = tr("w after one backprop_step ({label})", label=label)

    def wrong(hint: str):
        raise Wrong(tr("{what} is not right", what=what), f"{expected:.6g}", f"{got:.6g}", hint)

    if math.isclose(got, w0, rel_tol=1e-6, abs_tol=1e-7):
        wrong(tr("w did not change: update the tensor you were given in place (w -= ...); `w = w - ...` only "
                 "rebinds a local name"))
    if math.isclose(got, w0 + lr * grad, rel_tol=1e-4, abs_tol=1e-6):
        wrong(tr("w moved up the gradient (gradient ascent): subtract, w -= learning_rate * w.grad"))
    if math.isclose(got, w0 - grad, rel_tol=1e-4, abs_tol=1e-6):
        wrong(tr("w moved by the whole gradient: multiply it by learning_rate, w -= learning_rate * w.grad"))
    if grad != 0 and not math.isclose((w0 - got) / grad, lr, rel_tol=1e-3):
        wrong(tr("w moved by {used:.4g} times the gradient instead of learning_rate = {lr:g} times: use the "
                 "learning_rate argument, not a number of your own", used=(w0 - got) / grad, lr=lr))
    wrong(tr("the update is w -= learning_rate * w.grad, with w.grad = dL/dw from loss.backward()"))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_returns_loss(t: Trial):
    """backprop_step returns the loss before the update, (x * w - y) ** 2, as a Python float."""
    for example in _examples(t, 2):
        x, y, w0, _ = example
        (losses, _) = _steps(t, t.sub, example, 1)
        expect.close(losses[0], (x * w0 - y) ** 2, tr("the loss returned by backprop_step ({label})",
                                                       label=_label(example)), rtol=1e-5, atol=1e-6,
                     hint=tr("compute loss = squared_error(forward(x, w), y) before the update and return "
                             "loss.item()"))


@lesson.check("backprop_step", points=2, per_device=True)
def backprop_step_updates_w_in_place(t: Trial):
    """The caller's w becomes w - learning_rate * dL/dw after one step."""
    for example in _examples(t, 3):
        _, w = _steps(t, t.sub, example, 1)
        expect.is_tensor(w, "w")
        _name_the_update(example, float(w.value))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_keeps_w_trainable(t: Trial):
    """After the step w is still a leaf that requires grad."""
    _, w = _steps(t, t.sub, COURSE_EXAMPLE, 1)
    expect.true(w.requires_grad and w.is_leaf,
                tr("after backprop_step w should still be a leaf tensor that requires grad "
                   "(requires_grad={requires_grad}, leaf={leaf})", requires_grad=w.requires_grad, leaf=w.is_leaf),
                hint=tr("do the update inside `with torch.no_grad():` so it is not recorded in the graph"))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_zeroes_grad(t: Trial):
    """w.grad is zeroed (or cleared) after the update."""
    _, w = _steps(t, t.sub, COURSE_EXAMPLE, 1)
    if w.grad is not None:
        expect.close(w.grad.value, torch.zeros_like(w.grad.value), tr("w.grad after the step"),
                     hint=tr("gradients accumulate across backward() calls: call w.grad.zero_() after the update"))


@lesson.check("backprop_step", points=1, per_device=True)
def backprop_step_trains_over_many_steps(t: Trial):
    """Ten steps in a row on the same w give the reference's losses and final w."""
    for example in _examples(t, 1)[1:]:
        _, w = _steps(t, t.sub, example, 1)
        _name_the_update(example, float(w.value))   # a wrong single step, named, before its drift over ten
        (ref_losses, ref_w), (losses, w) = _steps(t, t.ref, example, 10), _steps(t, t.sub, example, 10)
        expect.is_instance(losses[0], float, tr("the loss returned by backprop_step"), hint="return loss.item()")
        for i, (got, expected) in enumerate(zip(losses, ref_losses), start=1):
            expect.close(got, expected, tr("the loss at step {step} of {steps} ({label})", step=i, steps=10,
                                           label=_label(example)), rtol=1e-4, atol=1e-6,
                         # the hint follows what was seen: step 1 wrong is the loss itself; later, the update
                         hint=tr("the loss of a step is the sum of the squared errors for the w it was "
                                 "given, computed before the update") if i == 1 else
                         tr("step 1 is right but step {step} is not: the update between steps is off; it is "
                            "w -= learning_rate * w.grad inside torch.no_grad(), then w.grad.zero_(), since "
                            "gradients add up across backward() calls", step=i))
        expect.close(w, ref_w, tr("w after {steps} steps", steps=10), rtol=1e-4, atol=1e-6)
