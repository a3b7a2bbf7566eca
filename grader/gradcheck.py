"""gradcheck across the process boundary: autograd's Jacobian against central differences.

The submission side computes outputs and autograd Jacobians (facts); the judge builds the
numerical Jacobian from outputs at perturbed float64 inputs and decides, with the same
tolerances as `torch.autograd.gradcheck`. A submission that patches `gradcheck` in its own
process therefore changes nothing.
"""

from __future__ import annotations

import torch

from grader.expect import Wrong, as_tensor, short
from grader.handle import Handle
from grader.i18n import N_, tr, tr_marked

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3

# why the `jacobian` probe found no gradients (the probe reports the code, the judge words it)
REASONS = {"not_tensor": N_("returned {type}, not a tensor"), "no_grad": N_("the output does not require grad")}


def _output(value, output_index):
    value = value[output_index] if output_index is not None else value
    return as_tensor(value).to(torch.float64).reshape(-1)


def gradcheck(handle: Handle, name: str, inputs: list[torch.Tensor], *, what: str,
              output_index: int | None = None, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL) -> None:
    inputs = [x.detach().to(torch.float64) for x in inputs]
    facts = handle.probe("jacobian", name, inputs, output_index)
    if facts["jacobians"] is None:
        reason = facts.get("reason")
        reason = tr_marked(REASONS[reason], type=facts.get("type")) if reason in REASONS else str(reason)
        raise Wrong(tr("{what}: gradients cannot flow back to the inputs ({reason})", what=what, reason=reason),
                    hint=tr("build the result from the inputs with torch operations, without .item(), "
                            ".numpy() or .detach()"))
    perturbed = []
    for k, x in enumerate(inputs):
        for j in range(x.numel()):
            for sign in (1.0, -1.0):
                moved = x.clone().reshape(-1)
                moved[j] += sign * eps
                perturbed.append([moved.reshape(x.shape) if i == k else other for i, other in enumerate(inputs)])
    outputs = handle.probe("call_many", name, perturbed)
    index = 0
    for k, (x, analytic) in enumerate(zip(inputs, facts["jacobians"])):
        analytic = as_tensor(analytic)
        for j in range(x.numel()):
            numeric = (_output(outputs[index], output_index) - _output(outputs[index + 1], output_index)) / (2 * eps)
            index += 2
            if not torch.allclose(analytic[:, j], numeric, atol=atol, rtol=rtol):
                cut = not analytic[:, j].any() and numeric.abs().max() > atol   # autograd saw no path at all
                raise Wrong(
                    tr("{what}: the gradient with respect to argument {k} (element {j}) does not match "
                       "central differences", what=what, k=k, j=j),
                    expected=short(numeric), got=short(analytic[:, j]),
                    hint=tr("no gradient reaches argument {k}: it was used through .item(), .detach() or "
                            "NumPy, which cut the graph; use the tensor itself in torch operations", k=k) if cut
                    else tr("the backward pass must follow the same formula as the forward pass"))
