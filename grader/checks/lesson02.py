"""Lesson 2 — autograd: graphs and grad_fn, backward on a vector, detach / no_grad / freezing,
and gradients accumulating over epochs."""

import torch

import grader.probes.lesson02  # noqa: F401  (registers the lesson 2 probes for in-process handles)
from grader import expect, strategies
from grader.gradcheck import gradcheck
from grader.i18n import N_, tr, tr_marked
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson02", "autograd_basics", N_("Autograd"),
                todos=("chain", "vector_backward", "detached", "without_grad", "freeze_", "grads_per_epoch"),
                warm_up=("vector_backward",))


def _pair(got, what: str):
    expect.is_instance(got, (tuple, list), what, hint=tr("return both results: {code}", code="return y, z.mean()"))
    expect.equal(len(got), 2, tr("the number of items returned by {what}", what=what))
    return got


def _leaf(handle, values: torch.Tensor):
    """A leaf that requires grad on the submission side, as a Ref (an ordinary tensor, not a view)."""
    return handle.probe("l02_fresh_leaf", values, True, keep=True)


# --- chain -----------------------------------------------------------------------------------

@lesson.check("chain", points=1, per_device=True)
def chain_values(t: Trial):
    """y = x + 2 and the mean of z = y * 3 + 3, for x of several shapes."""
    def one(x):
        x = x.to(t.device).requires_grad_(True)
        what = tr("{call} for x of shape {shape}", call="chain(x)", shape=tuple(x.shape))
        expected, got = t.ref.call("chain", x), _pair(t.sub.call("chain", x), what)
        expect.close(got[0], expected[0], tr("{name} from {what}", name="y", what=what), hint="y = x + 2")
        expect.is_tensor(got[1], tr("{name} from {what}", name="z.mean()", what=what),
                         hint=tr("return the tensor z.mean(); .item() would cut it off from the graph"))
        expect.close(got[1], expected[1], tr("{name} from {what}", name="z.mean()", what=what),
                     hint=tr("z = y * 3 + 3, then its mean over all elements (not the sum)"), rtol=1e-5, atol=1e-5)
    strategies.for_all(strategies.tensors(), one, max_examples=10)


@lesson.check("chain", points=1, per_device=True)
def chain_records_the_graph(t: Trial):
    """Both results carry a grad_fn when x requires grad."""
    x = t.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y, mean = _pair(t.sub.call("chain", x), "chain(x)")
    for name, value in (("y", y), ("z.mean()", mean)):
        value = expect.is_tensor(value, tr("{name} from {what}", name=name, what="chain(x)"),
                                 hint=tr("keep the results as tensors"))
        expect.true(value.grad_fn is not None and value.requires_grad,
                    tr("{name} from chain(x) has no grad_fn, so no gradient can flow back to x", name=name),
                    hint=tr("compute it from x with tensor operations; .detach(), .item(), .numpy() or "
                            "torch.no_grad() break the graph"))


@lesson.check("chain", points=1)
def chain_gradients(t: Trial):
    """Gradients of y and of z.mean() (float64 gradcheck)."""
    x = t.randn(2, 3, dtype=torch.float64)
    _pair(t.sub.call("chain", x), "chain(x)")
    gradcheck(t.sub, "chain", [x], what=tr("{name} from {what}", name="y", what="chain(x)"), output_index=0)
    gradcheck(t.sub, "chain", [x], what=tr("{name} from {what}", name="z.mean()", what="chain(x)"), output_index=1)


# --- vector_backward -------------------------------------------------------------------------

@lesson.check("vector_backward", points=2, per_device=True)
def vector_backward_values(t: Trial):
    """The gradient returned for x and v of several shapes and values."""
    def one(pair):
        x, v = (p.to(t.device) for p in pair)
        x.requires_grad_(True)
        what = tr("{call} for shape {shape}", call="vector_backward(x, v)", shape=tuple(x.shape))
        expected, got = t.ref.call("vector_backward", x, v), t.sub.call("vector_backward", x, v)
        expect.close(got, expected, what,
                     hint=tr("y = x * 2 and then ten more doublings make y = 2**11 * x; y.backward(v) "
                             "(not y.sum().backward()) gives v * 2**11"), rtol=1e-5, atol=1e-3)
    strategies.for_all(strategies.same_shape_pair(), one, max_examples=8)


@lesson.check("vector_backward", points=1, per_device=True)
def vector_backward_fills_x_grad(t: Trial):
    """After the call, the caller's x.grad holds the gradient (backward was really run)."""
    x, v = t.tensor([1.0, -2.0, 3.0]), t.tensor([0.1, 1.0, 0.0001])
    x_ref = _leaf(t.ref, x)
    t.ref.call("vector_backward", x_ref, v)
    expected = t.ref.fetch(x_ref).grad
    x_sub = _leaf(t.sub, x)
    t.sub.call("vector_backward", x_sub, v)
    grad = t.sub.fetch(x_sub).grad
    expect.true(grad is not None, tr("after vector_backward(x, v), x.grad is None"),
                hint=tr("call y.backward(v) on the y built from x; backward fills x.grad"))
    expect.close(grad, expected, tr("{name} after {call}", name="x.grad", call="vector_backward(x, v)"),
                 hint=tr("y.backward(v), once"))


# --- detached, without_grad, freeze_ ---------------------------------------------------------


@lesson.check("detached", points=1, per_device=True)
def detached_values_without_grad(t: Trial):
    """detached(a) has a's values and does not require grad."""
    def one(a):
        a = a.to(t.device).requires_grad_(True)
        what = tr("{call} for a of shape {shape}", call="detached(a)", shape=tuple(a.shape))
        got = expect.is_tensor(t.sub.call("detached", a), what, hint="return a.detach()")
        expect.equal(got.device, str(a.device), tr("the device of {what}", what=what),
                     hint=tr("a.detach() stays on a's device"))
        expect.close(got.value, a.detach().cpu(), what, hint=tr("the values must stay those of a"))
        expect.true(not got.requires_grad and got.grad_fn is None, tr("{what} still requires grad", what=what),
                    hint=tr("a.detach() returns a tensor cut off from the graph"))
    strategies.for_all(strategies.tensors(), one, max_examples=6)


@lesson.check("detached", points=1, per_device=True)
def detached_leaves_a_alone(t: Trial):
    """a still requires grad after detached(a)."""
    a = t.tensor([[1.0, 2.0], [3.0, 4.0]])
    a_sub = _leaf(t.sub, a)
    t.sub.call("detached", a_sub)
    after = t.sub.fetch(a_sub)
    expect.true(after.requires_grad, tr("after detached(a), a itself no longer requires grad"),
                hint=tr("do not change a (a.requires_grad_(False) or a.detach_() act in place); "
                        "return a new tensor with a.detach()"))
    expect.close(after.value, a.detach().cpu(), tr("{name} after {call}", name="a", call="detached(a)"))


def _without_grad(handle, function: str, a: torch.Tensor) -> dict:
    return handle.probe("l02_without_grad_facts", function, a)


@lesson.check("without_grad", points=1, per_device=True)
def without_grad_values(t: Trial):
    """without_grad(f, a) gives f(a) for several functions f."""
    a = t.randn(2, 3).requires_grad_(True)
    for function, shown in (("double", "lambda a: a * 2"), ("sin", "torch.sin"),
                            ("times_trainable_weight", "lambda a: a * w")):
        expected = _without_grad(t.ref, function, a)["out"]
        got = _without_grad(t.sub, function, a)["out"]
        expect.close(got, expected, tr("{call} with f = {f}", call="without_grad(f, a)", f=shown),
                     hint="return f(a)")


@lesson.check("without_grad", points=1, per_device=True)
def without_grad_builds_no_graph(t: Trial):
    """The result neither requires grad nor has a grad_fn, even when f uses a trainable weight."""
    a = t.randn(3).requires_grad_(True)
    for function, shown in (("double", "lambda a: a * 2"), ("times_trainable_weight",
                                                            N_("lambda a: a * w, where w requires grad"))):
        what = tr("{call} with f = {f}", call="without_grad(f, a)", f=tr_marked(shown))
        got = expect.is_tensor(_without_grad(t.sub, function, a)["out"], what)
        expect.true(not got.requires_grad and got.grad_fn is None,
                    tr("{what} requires grad (grad_fn {grad_fn})", what=what, grad_fn=got.grad_fn),
                    hint=tr("call f inside `with torch.no_grad():`; detaching only the input a does not "
                            "stop f from recording its own weights"))


@lesson.check("without_grad", points=1)
def without_grad_turns_tracking_off(t: Trial):
    """Tracking is off while f runs, and on again afterwards."""
    a = t.randn(3).requires_grad_(True)
    facts = _without_grad(t.sub, "grad_mode", a)
    got = expect.is_tensor(facts["out"], "without_grad(f, a)")
    expect.true(bool((got.value == 0).all()),
                tr("f ran with gradient tracking on (torch.is_grad_enabled() was True inside f)"),
                hint=tr("detaching the result afterwards is too late: run f itself inside `with torch.no_grad():`"))
    expect.true(facts["grad_enabled_after"],
                tr("gradient tracking was still off after without_grad returned"),
                hint=tr("use the context manager `with torch.no_grad():`, which switches tracking back on "
                        "at the end of the block; torch.set_grad_enabled(False) alone stays off"))


@lesson.check("freeze_", points=1, per_device=True)
def freeze_acts_in_place(t: Trial):
    """After freeze_(a), the caller's tensor a no longer requires grad and keeps its values."""
    a = t.tensor([0.5, -1.0, 2.0])
    a_sub = _leaf(t.sub, a)
    t.sub.call("freeze_", a_sub)
    after = t.sub.fetch(a_sub)
    expect.true(not after.requires_grad, tr("after freeze_(a), a still requires grad"),
                hint=tr("change a itself: a.requires_grad_(False); a.detach() would make a new tensor"))
    expect.close(after.value, a.detach().cpu(), tr("the values of a after freeze_(a)"))


@lesson.check("freeze_", points=1, per_device=True)
def freeze_returns_a(t: Trial):
    """freeze_(a) returns the very tensor a, like PyTorch's in-place methods."""
    a_sub = _leaf(t.sub, t.tensor([[1.0, 2.0]]))
    out = t.sub.call("freeze_", a_sub, keep=True)
    expect.true(t.sub.probe("l02_same_object", a_sub, out),
                tr("freeze_(a) returned {what}, not a itself",
                   what=out.type_name if out.type_name != "Tensor" else tr("a different tensor")),
                hint=tr("end with {code}", code="`return a`"))


# --- grads_per_epoch -------------------------------------------------------------------------

def _run_epochs(handle, weights: torch.Tensor, epochs: int, reset: bool):
    w = _leaf(handle, weights.detach())
    grads = handle.call("grads_per_epoch", w, epochs, reset)
    return grads, handle.fetch(w)


def _grads(got, epochs: int, what: str) -> list:
    expect.is_instance(got, (list, tuple), what, hint=tr("collect one gradient per epoch in a list and return it"))
    expect.equal(len(got), epochs, tr("the number of gradients returned by {what}", what=what),
                 hint=tr("one per epoch"))
    return got


def _compare_grads(t: Trial, reset: bool, hint: str):
    for shape, epochs in (((4,), 3), ((2, 3), 4), ((1,), 5)):
        weights = t.randn(*shape).requires_grad_(True)
        what = tr("{call} for weights of shape {shape}", call=f"grads_per_epoch(weights, {epochs}, reset={reset})",
                  shape=shape)
        expected, ref_w = _run_epochs(t.ref, weights, epochs, reset)
        got, w = _run_epochs(t.sub, weights, epochs, reset)
        got = _grads(got, epochs, what)
        for epoch, (g, e) in enumerate(zip(got, expected), start=1):
            expect.close(g, e, tr("the gradient recorded at epoch {epoch} of {what}", epoch=epoch, what=what),
                         hint=hint)
        yield w, ref_w, weights


@lesson.check("grads_per_epoch", points=1, per_device=True)
def grads_per_epoch_with_reset(t: Trial):
    """With reset=True every epoch records the same fresh gradient, and .grad ends zeroed (or None)."""
    for w, _, weights in _compare_grads(t, True, hint=tr("record weights.grad.clone(): the .grad tensor itself is "
                                                         "zeroed later; zero it after the update when reset is True")):
        if w.grad is not None:
            unchanged = torch.equal(w.value, weights.detach().cpu())    # the hint follows what was seen
            expect.close(w.grad.value, torch.zeros_like(w.grad.value),
                         tr("weights.grad after the last epoch with reset=True"),
                         hint=tr("the caller's weights never changed, so neither did their .grad: "
                                 "`weights = weights - ...` only rebinds a local name; update in place "
                                 "(weights -= ...) under torch.no_grad(), then zero weights.grad") if unchanged
                         else tr("weights.grad.zero_() (or weights.grad = None) after the update"))


@lesson.check("grads_per_epoch", points=1, per_device=True)
def grads_per_epoch_accumulates(t: Trial):
    """With reset=False each backward adds onto the previous gradient."""
    list(_compare_grads(t, False, hint=tr("without the reset, backward adds to weights.grad: 5, 10, 15, ...; "
                                          "record a copy (weights.grad.clone()) each epoch")))


@lesson.check("grads_per_epoch", points=1, per_device=True)
def grads_per_epoch_updates_weights_in_place(t: Trial):
    """The caller's weights are updated in place and stay a leaf that requires grad."""
    for reset in (True, False):
        weights = t.randn(3).requires_grad_(True)
        _, ref_w = _run_epochs(t.ref, weights, 3, reset)
        got, w = _run_epochs(t.sub, weights, 3, reset)
        what = tr("the weights after {call}", call=f"grads_per_epoch(weights, 3, reset={reset})")
        expect.true(w.requires_grad and w.is_leaf,
                    tr("{what} are no longer a leaf tensor that requires grad", what=what),
                    hint=tr("update in place under `with torch.no_grad():` (weights -= ...)"))
        expect.true(not torch.equal(w.value, weights.detach().cpu()), tr("{what} did not change", what=what),
                    hint=tr("update the tensor you were given in place: weights -= 0.001 * weights.grad; "
                            "`weights = weights - ...` only rebinds a local name"))
        expect.close(w.value, ref_w.value, what,
                     hint=tr("the update is weights -= 0.001 * weights.grad, every epoch"))
