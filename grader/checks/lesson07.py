"""Lesson 7 — gradient descent with autograd: forward, mean squared error, the training loop, predict."""

import math

import numpy as np
import torch
from hypothesis import strategies as st

from grader import expect, strategies
from grader.checks import one_weight_model
from grader.codec import TensorSnap
from grader.expect import Wrong
from grader.gradcheck import gradcheck
from grader.i18n import N_, tr
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson07", "gradient_descent", N_("Gradient descent with autograd"),
                todos=("forward", "loss", "gradient_descent", "predict"))

# The course's data: y = 2 x.
X, Y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]
RTOL, ATOL = 1e-4, 1e-5          # float32 training: a different but correct op order may move the last bits


# --- forward --------------------------------------------------------------------------------

@lesson.check("forward", points=1, per_device=True)
def forward_matches_reference(t: Trial):
    """forward(x, w) equals x * w for tensors of several shapes and a scalar weight."""
    one_weight_model.forward_matches_reference(t, max_examples=10)


@lesson.check("forward", points=1)
def forward_gradients(t: Trial):
    """Gradients of forward with respect to x and w (float64 gradcheck)."""
    one_weight_model.forward_gradients(t, size=5)


# --- loss -----------------------------------------------------------------------------------

@lesson.check("loss", points=2, per_device=True)
def loss_is_mean_squared_error(t: Trial):
    """loss(y, y_pred) is the mean of the squared differences, a 0-d tensor."""
    def one(pair):
        y, y_pred = (v.to(t.device) for v in pair)
        expected, got = t.ref.call("loss", y, y_pred), t.sub.call("loss", y, y_pred)
        expect.close(got, expected, tr("{call} for tensors of shape {shape}", call="loss(y, y_pred)",
                                       shape=tuple(y.shape)),
                     hint=tr("average the squared differences: ((y_pred - y) ** 2).mean() "
                             "(a sum, or a mean without squaring, gives other numbers)"),
                     rtol=1e-5, atol=1e-5)
    strategies.for_all(strategies.same_shape_pair(), one, max_examples=12)


@lesson.check("loss", points=1)
def loss_gradients(t: Trial):
    """Gradients of loss with respect to y and y_pred (float64 gradcheck)."""
    y, y_pred = t.randn(5, dtype=torch.float64), t.randn(5, dtype=torch.float64)
    gradcheck(t.sub, "loss", [y, y_pred], what="loss(y, y_pred)")


# --- gradient_descent -----------------------------------------------------------------------

def _number(value, what: str) -> float:
    """A history value: a Python number or a one-element tensor."""
    if isinstance(value, TensorSnap):
        if value.value.numel() != 1:
            raise Wrong(tr("{what} should be one number", what=what), tr("a float or a 0-d tensor"),
                        expect.describe(value), tr("record w.item() and loss.item() (or detached 0-d tensors)"))
        return float(value.value.reshape(-1)[0])
    if isinstance(value, np.ndarray) and value.size == 1:
        return float(value.reshape(-1)[0])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise Wrong(tr("{what} should be a number", what=what), tr("a float or a 0-d tensor"), expect.describe(value),
                tr("record w.item() and loss.item()"))


def _run(handle, x, y, lr, epochs, **kw):
    out = handle.call("gradient_descent", x, y, lr, epochs, **kw)   # a crash is diagnosed by grader/diagnosis.py
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Wrong(tr("{call} should return a pair {names}", call="gradient_descent", names="(w, history)"),
                    tr("a tuple of 2"), expect.describe(out), tr("end with {code}", code="`return w, history`"))
    w, history = out
    if not isinstance(history, (list, tuple)):
        raise Wrong(tr("history should be a list of (w, loss) pairs"), tr("a {type}", type="list"),
                    expect.describe(history), tr("start with history = [] and append one (w, loss) pair per epoch"))
    pairs = []
    for i, entry in enumerate(history, start=1):
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            raise Wrong(tr("history entry {i} should be a pair (w, loss)", i=i), tr("a tuple of 2"),
                        expect.describe(entry), tr("append (w.item(), loss.item()) once per epoch"))
        pairs.append((_number(entry[0], tr("w in history entry {i}", i=i)),
                      _number(entry[1], tr("the loss in history entry {i}", i=i))))
    return w, pairs


def _compare_history(got, expected, label: str):
    expect.equal(len(got), len(expected), tr("the number of history entries {label}", label=label),
                 hint=tr("append exactly one (w, loss) pair per epoch"))
    got_w, got_loss = [g[0] for g in got], [g[1] for g in got]
    ref_w, ref_loss = [e[0] for e in expected], [e[1] for e in expected]
    for i, (g, e) in enumerate(zip(got_loss, ref_loss), start=1):
        if not math.isclose(g, e, rel_tol=RTOL, abs_tol=ATOL):
            hint = (tr("the loss of an epoch is loss(y, forward(x, w)) with w before that epoch's update; "
                       "make sure forward and loss pass their own checks first")
                    if i == 1 else
                    tr("epoch 1 is right but epoch {epoch} is not, so the update between epochs is off: is it "
                       "w -= learning_rate * w.grad inside torch.no_grad(), and is w.grad zeroed (or set to None) "
                       "after it? gradients add up across backward() calls", epoch=i))
            raise Wrong(tr("the loss recorded for epoch {epoch} {label} is not right", epoch=i, label=label),
                        f"{e:.6g}", f"{g:.6g}", hint)
    for i, (g, e) in enumerate(zip(got_w, ref_w), start=1):
        if not math.isclose(g, e, rel_tol=RTOL, abs_tol=ATOL):
            if len(set(got_w)) == 1 and len(set(ref_w)) > 1:
                hint = tr("every entry holds the same w: appending the tensor w itself records the same object, "
                          "which keeps changing; append w.item() (or w.detach().clone())")
            elif i > 1 and math.isclose(g, ref_w[i - 2], rel_tol=RTOL, abs_tol=ATOL) or (
                    i == 1 and len(got_w) > 1 and math.isclose(got_w[1], ref_w[0], rel_tol=RTOL, abs_tol=ATOL)):
                hint = tr("record w after the update of the epoch, not before it")
            else:
                hint = tr("the update is w -= learning_rate * w.grad, inside torch.no_grad()")
            raise Wrong(tr("w recorded for epoch {epoch} {label} is not right", epoch=i, label=label), f"{e:.6g}",
                        f"{g:.6g}", hint)


@lesson.check("gradient_descent", points=1, per_device=True)
def gradient_descent_returns_trainable_w(t: Trial):
    """The returned w is a float32 scalar tensor, still a leaf that requires grad."""
    x, y = t.tensor(X), t.tensor(Y)
    w, _ = _run(t.sub, x, y, 0.01, 3)
    expect.is_tensor(w, tr("the w returned by gradient_descent"),
                     hint=tr("create w with {code}",
                             code="torch.tensor(w_init, dtype=torch.float32, requires_grad=True)"))
    expect.equal(tuple(w.shape), (), tr("the shape of {name}", name="w"),
                 hint=tr("w is a single number: a 0-d tensor"))
    expect.equal(w.dtype, torch.float32, tr("the dtype of {name}", name="w"),
                 hint=tr("create w with {code}", code="dtype=torch.float32"))
    expect.true(w.requires_grad and w.is_leaf,
                tr("the returned w should be a leaf tensor that requires grad "
                   "(requires_grad={requires_grad}, leaf={leaf})", requires_grad=w.requires_grad, leaf=w.is_leaf),
                hint=tr("update w in place inside `with torch.no_grad():` (w -= ...); `w = w - ...` makes a new "
                        "tensor"))


@lesson.check("gradient_descent", points=2, per_device=True)
def gradient_descent_history_matches_reference(t: Trial):
    """Each epoch records w after its update and the loss of that epoch, as the reference does."""
    x, y = t.tensor(X), t.tensor(Y)
    (_, expected), (_, got) = _run(t.ref, x, y, 0.01, 20), _run(t.sub, x, y, 0.01, 20)
    _compare_history(got, expected, tr("(x = [1, 2, 3, 4], y = 2x, learning_rate = {lr}, {epochs} epochs)",
                                       lr=0.01, epochs=20))

    def one(example):
        values, slope, lr, epochs = example
        x = t.tensor(values)
        y = slope * x + 0.1 * torch.cos(x)
        (_, expected), (_, got) = _run(t.ref, x, y, lr, epochs), _run(t.sub, x, y, lr, epochs)
        _compare_history(got, expected, tr("(x of length {length}, learning_rate = {lr:.3g}, {epochs} epochs)",
                                           length=len(values), lr=lr, epochs=epochs))
    strategies.for_all(st.tuples(st.lists(strategies.floats(-2, 2), min_size=1, max_size=6),
                                 strategies.floats(-3, 3), st.sampled_from([0.01, 0.05, 0.1]),
                                 st.integers(1, 8)), one, max_examples=6)


@lesson.check("gradient_descent", points=1, per_device=True)
def gradient_descent_final_w_and_w_init(t: Trial):
    """The final w matches the reference, from the default start and from w_init = 1.5."""
    x, y = t.tensor(X), t.tensor([3.0, 5.5, 9.5, 12.0])
    for kwargs, label in (({}, tr("with the default w_init")), ({"w_init": 1.5}, tr("with w_init = {w}", w=1.5))):
        (ref_w, _), (w, history) = _run(t.ref, x, y, 0.02, 5, **kwargs), _run(t.sub, x, y, 0.02, 5, **kwargs)
        expect.is_tensor(w, tr("the w returned by gradient_descent"))
        expect.close(w, ref_w, tr("w after {epochs} epochs {label}", epochs=5, label=label), check_device=False,
                     rtol=RTOL, atol=ATOL, hint=tr("start from w_init (default 0.0) and return the trained w itself"))
        expect.true(bool(history) and math.isclose(history[-1][0], float(w.value), rel_tol=RTOL, abs_tol=ATOL),
                    tr("the last w in the history ({last:.6g}) should be the returned w ({w:.6g}) {label}",
                       last=history[-1][0] if history else float("nan"), w=float(w.value), label=label),
                    hint=tr("record w after the update of each epoch"))


@lesson.check("gradient_descent", points=1, per_device=True)
def gradient_descent_clears_grad(t: Trial):
    """After training, w.grad is zero (or None): it was cleared after each update."""
    x, y = t.tensor(X), t.tensor(Y)
    w, _ = _run(t.sub, x, y, 0.01, 3)
    expect.is_tensor(w, tr("the w returned by gradient_descent"))
    if w.grad is not None:
        expect.close(w.grad.value, torch.zeros_like(w.grad.value), tr("w.grad after training"),
                     hint=tr("gradients accumulate across backward() calls: call w.grad.zero_() (or set "
                             "w.grad = None) after each update"))


# --- predict --------------------------------------------------------------------------------

@lesson.check("predict", points=1, per_device=True)
def predict_matches_reference(t: Trial):
    """predict(w, x) gives x * w for several inputs."""
    def one(example):
        x, w = example
        x, w = x.to(t.device), torch.tensor(w, device=t.device)
        expected, got = t.ref.call("predict", w, x), t.sub.call("predict", w, x)
        expect.close(got, expected, tr("{call} for x of shape {shape}", call="predict(w, x)", shape=tuple(x.shape)),
                     hint=tr("predict is forward(x, w) (note the argument order: predict(w, x))"))
    strategies.for_all(strategies.tensors().flatmap(
        lambda x: strategies.floats().map(lambda w: (x, w))), one, max_examples=8)


@lesson.check("predict", points=2, per_device=True)
def predict_builds_no_graph(t: Trial):
    """With a w that requires grad, the prediction is not tracked by autograd."""
    w = t.tensor(1.75, requires_grad=True)
    x = t.tensor([5.0, -1.0, 0.5])
    expected, got = t.ref.call("predict", w, x), t.sub.call("predict", w, x)
    expect.is_tensor(got, "predict(w, x)",
                     hint=tr("return the tensor forward(x, w) gives, computed under torch.no_grad()"))
    expect.true(not got.requires_grad and got.grad_fn is None,
                tr("the prediction is tracked by autograd (requires_grad={requires_grad}, grad_fn={grad_fn})",
                   requires_grad=got.requires_grad, grad_fn=got.grad_fn),
                hint=tr("call forward inside `with torch.no_grad():` so no graph is built"))
    expect.close(got, expected, tr("predict(w, x) with w = {w} that requires grad", w=1.75))
