"""Checks shared by the lessons whose model is y_pred = x * w (lessons 3 and 7)."""

import torch

from grader import expect, strategies
from grader.expect import Wrong
from grader.gradcheck import gradcheck
from grader.handle import Handle, StudentException
from grader.i18n import N_, tr, tr_marked
from grader.lesson import Trial

# Errors a hand-written training step raises, and what each one means (lessons 3 and 7).
AUTOGRAD_ERRORS = {
    "leaf Variable that requires grad is being used in an in-place operation":
        N_("do the update inside `with torch.no_grad():`, so autograd does not record it"),
    "does not require grad and does not have a grad_fn":
        N_("w must stay the same leaf tensor that requires grad: update it in place (w -= ...) inside "
           "torch.no_grad() rather than rebinding it (w = w - ...), and build the loss from w with torch "
           "operations (no .item() in forward or loss)"),
    "'NoneType' object has no attribute":
        N_("w.grad is None: backward() fills the grad of the tensor it was called through; make sure the loss "
           "was computed from this very w"),
    "grad can be implicitly created only for scalar outputs":
        N_("backward() without an argument needs a loss that is one number (a 0-d tensor); the loss here has "
           "several elements"),
}


def call_naming_autograd_errors(handle: Handle, name: str, *args, **kwargs):
    """handle.call(name, ...), turning the usual autograd errors of a training step into a named mistake."""
    try:
        return handle.call(name, *args, **kwargs)
    except StudentException as exc:
        for needle, hint in AUTOGRAD_ERRORS.items():
            if needle in exc.message:
                raise Wrong(exc.message[:1].upper() + exc.message[1:], hint=tr_marked(hint)) from None
        raise


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
