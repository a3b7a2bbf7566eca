"""Why the student's code crashed: the PyTorch errors students hit, each with its cause and fix.

When a student's function raises inside a check, the exception's type and message (and the
student's own line, the call site) are matched against `CAUSES`, in order; the first match names
the likely cause in the student's terms and how to fix it. The runner adds it to the check's
message once per TODO (grader/runner.py); a check that knows a more specific reason for a crash
turns it into its own `Wrong` first, and then this table is not consulted.

Matching sees only text (type name, message, line), so it works the same for the in-process
handle and for the judge's isolated process, where the exception itself never crosses over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.i18n import N_, tr_marked

GRAD_OWNER = re.compile(r"([A-Za-z_][\w.]*?)\.grad\b")


@dataclass(frozen=True)
class Cause:
    """One row of the table: which crashes it explains, and what to tell the student."""

    key: str
    short: str                      # N_-marked English: the cause in a few words; may use {name}
    types: tuple[str, ...]          # exception type names
    message: str                    # regular expression searched in the exception's message
    cause: str                      # N_-marked English; may use {name}
    fix: str                        # N_-marked English; may use {name}
    line: str | None = None         # when set, the student's line (the call site) must match it too

    def matches(self, error_type: str, message: str, line: str) -> bool:
        return (error_type in self.types and re.search(self.message, message) is not None
                and (self.line is None or re.search(self.line, line) is not None))


@dataclass(frozen=True)
class Diagnosis:
    key: str
    short: str          # in the active language, filled in
    cause: str
    fix: str


CAUSES: tuple[Cause, ...] = (
    Cause("backward_twice", N_("backward() twice through one graph"),
          ("RuntimeError",), r"backward through the graph a second time",
          N_("backward() ran a second time through the same graph, and PyTorch frees a graph after its first "
             "backward()"),
          N_("compute the loss again from the inputs before each backward() (do not reuse a loss or an output "
             "computed earlier, e.g. before the loop), and call backward() once per loss")),
    Cause("backward_non_scalar", N_("backward() on a loss of more than one element"),
          ("RuntimeError",), r"grad can be implicitly created only for scalar outputs",
          N_("backward() was called on a tensor with more than one element: the loss is still one value per "
             "example"),
          N_("reduce the loss to a single number before backward(): add .sum() (or .mean(), whichever the "
             "docstring asks for), e.g. loss = squared_error(y_pred, y).sum()")),
    Cause("inplace_leaf", N_("an in-place update of a weight outside torch.no_grad()"),
          ("RuntimeError",), r"leaf Variable that requires grad is being used in an in-place",
          N_("a tensor that requires grad (a weight) was changed in place (w -= ..., w.sub_(...)) while autograd "
             "was recording"),
          N_("do the update inside `with torch.no_grad():`, e.g. `with torch.no_grad(): w -= learning_rate * "
             "w.grad`")),
    Cause("grad_none", N_("{name}.grad is None"),
          ("AttributeError", "TypeError"), r"NoneType",
          N_("{name}.grad is None: backward() fills .grad only on a leaf tensor created with requires_grad=True, "
             "and after `{name} = {name} - ...` the name {name} points to a new tensor, which has none"),
          N_("update the tensor you were given in place inside torch.no_grad(), `{name} -= learning_rate * "
             "{name}.grad`, so it stays the leaf that keeps its .grad"),
          line=r"\.grad\b"),
    Cause("loss_not_tracked", N_("a loss cut off from the weights"),
          ("RuntimeError",), r"does not require grad and does not have a grad_fn",
          N_("backward() was called on a result that no tensor requiring grad flows into: the loss was cut off "
             "from the weights (.item(), .detach(), .numpy() or a rebound weight on the way)"),
          N_("build the loss from the weights with torch operations only, and keep each weight the leaf tensor "
             "that requires grad (update it in place under torch.no_grad())")),
    Cause("numpy_requires_grad", N_(".numpy() on a tensor that requires grad"),
          ("RuntimeError",), r"numpy\(\) on Tensor that requires grad",
          N_(".numpy() was called on a tensor that is part of an autograd graph"),
          N_("call .detach() first: tensor.detach().numpy() (or compute it inside `with torch.no_grad():`)")),
    Cause("numpy_on_cuda", N_(".numpy() on a GPU tensor"),
          ("TypeError",), r"can't convert cuda.*to numpy",
          N_(".numpy() was called on a tensor on the GPU; NumPy only reads memory on the CPU"),
          N_("copy it to the CPU first: tensor.detach().cpu().numpy()")),
    Cause("matmul_shapes", N_("sizes that do not fit a matrix product"),
          ("RuntimeError",), r"shapes cannot be multiplied|size mismatch, m1",
          N_("a matrix product (or a Linear layer) got inputs whose sizes do not fit: the last size of the "
             "input must equal the layer's in_features"),
          N_("print the shapes just before that line; reshape the input (e.g. x.reshape(len(x), -1)) or build "
             "the layer with the sizes the docstring gives")),
    Cause("loss_batch_mismatch", N_("predictions and targets of different sizes"),
          ("ValueError",), r"Expected input batch_size|Target size .* must be the same as "
          r"input size|target must have size",
          N_("the loss got predictions and targets with different batch sizes or shapes"),
          N_("pass the model's output for the same batch as the labels, one row per example (do not flatten "
             "or transpose one of them)")),
    Cause("elementwise_shapes", N_("tensors of different shapes combined"),
          ("RuntimeError",), r"The size of tensor a \(\d+\) must match the size of tensor b",
          N_("two tensors of different shapes were combined element by element (or in a loss)"),
          N_("check the shapes of both sides (print them): a prediction of shape (N, 1) against targets of "
             "shape (N,) needs .reshape(-1) or .unsqueeze(1) on one of them")),
    Cause("item_many_elements", N_(".item() on a tensor of several elements"), ("RuntimeError", "ValueError"),
          r"elements cannot be converted to Scalar|only one element tensors can be converted",
          N_(".item() (or float()) was called on a tensor with more than one element"),
          N_("reduce it to one number first (.sum() or .mean()), or keep the whole tensor (.tolist() for a list "
             "of numbers)")),
    Cause("labels_not_long", N_("labels that are not torch.long"),
          ("RuntimeError",), r"expected target dtype to be Long|expected scalar type Long",
          N_("the loss expects class labels as integers (torch.long) but got {got} labels"),
          N_("pass the labels as class indices of dtype torch.long: labels.long(), or "
             "torch.tensor(labels, dtype=torch.long)")),
    Cause("double_vs_float", N_("float64 data with float32 weights"),
          ("RuntimeError",), r"Double and Float|Float and Double|double != float|"
          r"float != double|expected scalar type (Float|Double) but found (Double|Float)|dtype Double but expected",
          N_("float64 (Double) data met float32 (Float) weights: torch.from_numpy keeps NumPy's float64"),
          N_("make the data float32 before it reaches the model: torch.from_numpy(a).float(), or "
             "torch.tensor(a, dtype=torch.float32)")),
    Cause("integer_input", N_("an integer tensor where floats are needed"),
          ("RuntimeError",), r"got (Long|Int) and Float|not implemented for '(Long|Int)'|"
          r"Only Tensors of floating point",
          N_("an integer tensor was used where floating-point numbers are needed (a layer's input, or a tensor "
             "that requires grad)"),
          N_("create it as floats: torch.tensor([1.0, 2.0]) or .float()")),
    Cause("tensor_class_called", N_("torch.Tensor(...) used for torch.tensor(...)"),
          ("TypeError",), r"new\(\): data must be a sequence|new\(\): argument 'size'",
          N_("torch.Tensor (capital T) is the tensor class: it takes sizes or a sequence, not a single number, "
             "and always makes float32"),
          N_("use torch.tensor(data) (lower-case t): it copies the data and keeps its dtype")),
    Cause("device_mismatch", N_("tensors on different devices"),
          ("RuntimeError",), r"Expected all tensors to be on the same device|"
          r"Input type \(torch\.cuda\.|should be the same or input should be",
          N_("tensors on different devices (CPU and GPU) met in one operation"),
          N_("move the model and every tensor it uses to the same device: model.to(device), x.to(device), "
             "and create new tensors with device=x.device")),
    Cause("numpy_given_to_torch", N_("a NumPy array where a tensor is needed"),
          ("TypeError",), r"must be Tensor, not numpy\.ndarray",
          N_("a NumPy array was passed where PyTorch needs a tensor"),
          N_("turn it into a tensor first: torch.from_numpy(a).float()")),
    Cause("reshape_invalid", N_("a reshape to sizes that do not multiply out"),
          ("RuntimeError",), r"shape '\[[-\d, ]*\]' is invalid for input of size",
          N_("a reshape asked for sizes whose product is not the number of elements, e.g. a fixed batch size "
             "while the last batch is smaller"),
          N_("let PyTorch work out one size with -1, e.g. images.reshape(-1, 28 * 28)")),
    Cause("not_an_iterator", N_("next() on something that is not an iterator"),
          ("TypeError",), r"object is not an iterator",
          N_("next() was called on an iterable (a DataLoader, a list) rather than on an iterator over it"),
          N_("start an iteration first: next(iter(loader))")),
    Cause("state_dict_path", N_("load_state_dict given a path"),
          ("TypeError", "AttributeError"), r"Expected state_dict to be dict-like|'str' object has no attribute "
          r"'(items|keys|copy)'",
          N_("load_state_dict was given the file's path, not the state_dict read from it"),
          N_("read the file first: model.load_state_dict(torch.load(path))"),
          line=r"load_state_dict"),
    Cause("from_numpy_not_array", N_("torch.from_numpy given something that is not an array"),
          ("TypeError",), r"expected np\.ndarray \(got",
          N_("torch.from_numpy was given a NumPy scalar or another non-array (NumPy turns a 0-d result into a "
             "scalar), on a detour through NumPy that also cuts the autograd graph"),
          N_("compute with torch operations on the tensors themselves (e.g. x * w); to make a tensor from a "
             "number, torch.as_tensor(value)")),
    Cause("view_not_contiguous", N_(".view() on a tensor that needs .reshape()"),
          ("RuntimeError",), r"view size is not compatible with input tensor",
          N_(".view() cannot reshape this tensor without copying it (it was transposed or sliced)"),
          N_("use .reshape(...) instead of .view(...)")),
    Cause("tensor_truth_value", N_("a tensor of several values used as a truth value"),
          ("RuntimeError",), r"Boolean value of Tensor with more than one value is ambiguous",
          N_("a tensor of several values was used in `if`, `and`/`or` or `while`"),
          N_("compare one number (.item()), or use torch.all(...) / torch.any(...) explicitly")),
)

_LONG_GOT = re.compile(r"but got (\w+)")


def diagnose(error_type: str, message: str, line: str | None = None) -> Diagnosis | None:
    """The first row of `CAUSES` that explains this crash, in the active language; None when none does."""
    line = line or ""
    for cause in CAUSES:
        if cause.matches(error_type, message, line):
            values = _values(cause.key, message, line)
            return Diagnosis(cause.key, tr_marked(cause.short, **values), tr_marked(cause.cause, **values),
                             tr_marked(cause.fix, **values))
    return None


def _values(key: str, message: str, line: str) -> dict[str, str]:
    if key == "grad_none":
        owner = GRAD_OWNER.search(line)
        return {"name": owner.group(1) if owner else "w"}
    if key == "labels_not_long":
        got = _LONG_GOT.search(message)
        return {"got": got.group(1) if got else "float"}
    return {}
