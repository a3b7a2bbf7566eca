"""Lesson 1 — tensors: creation, shape and dtype, arithmetic, slicing, views, NumPy and devices."""

import numpy as np
import torch
from hypothesis import strategies as st

import grader.probes.lesson01  # noqa: F401  (registers the lesson 1 probes for in-process handles)
from grader import expect, strategies
from grader.gradcheck import gradcheck
from grader.i18n import N_, tr, tr_marked
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson01", "tensors", N_("Tensors"),
                todos=("make_tensors", "size_and_dtype", "zeros_of", "from_data", "trainable",
                       "elementwise", "slices", "reshape", "to_numpy", "from_numpy", "get_device",
                       "to_numpy_any_device"))

SHAPES = {"scalar": (1,), "vector": (3,), "matrix": (2, 3), "cube": (2, 2, 3)}
DTYPES = (torch.float16, torch.float32, torch.float64, torch.int32, torch.int64, torch.uint8, torch.bool)


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _made(t: Trial, got) -> dict:
    expect.is_instance(got, dict, "make_tensors()", hint=tr("return a dict: {code}",
                                                            code='{"scalar": ..., "vector": ..., ...}'))
    missing = [key for key in SHAPES if key not in got]
    expect.true(not missing, tr("the dict from make_tensors() has no key {keys}", keys=", ".join(map(repr, missing))),
                hint=tr("use exactly the keys scalar, vector, matrix and cube"))
    return got


# --- make_tensors ----------------------------------------------------------------------------

@lesson.check("make_tensors", points=1)
def make_tensors_shapes_and_dtypes(t: Trial):
    """Each of the four tensors has the right shape and is float32."""
    got = _made(t, t.sub.call("make_tensors"))
    for key, shape in SHAPES.items():
        value = expect.is_tensor(got[key], f'make_tensors()["{key}"]')
        expect.equal(tuple(value.shape), shape, tr("the shape of {name}", name=f'make_tensors()["{key}"]'),
                     hint=tr("pass the sizes to the factory function, e.g. torch.zeros(3) or torch.ones(2, 3)"))
        expect.equal(value.dtype, torch.float32, tr("the dtype of {name}", name=f'make_tensors()["{key}"]'),
                     hint=tr("the factory functions make float32 by default; do not pass another dtype"))


@lesson.check("make_tensors", points=1)
def make_tensors_zeros_and_ones(t: Trial):
    """"vector" holds zeros and "matrix" holds ones."""
    got = _made(t, t.sub.call("make_tensors"))
    expect.close(got["vector"].value, torch.zeros(3), 'make_tensors()["vector"]',
                 hint=tr("torch.zeros(3) gives three zeros"))
    expect.close(got["matrix"].value, torch.ones(2, 3), 'make_tensors()["matrix"]',
                 hint=tr("torch.ones(2, 3) gives a 2 x 3 matrix of ones"))


@lesson.check("make_tensors", points=1)
def make_tensors_cube_is_uniform(t: Trial):
    """"cube" is random, uniform on [0, 1): new values on every call, spread over the interval."""
    t.sub.seed(t.seed)
    calls = t.sub.probe("call_many", "make_tensors", [[] for _ in range(40)])
    cubes = []
    for got in calls:
        cube = expect.is_tensor(_made(t, got)["cube"], 'make_tensors()["cube"]').value
        expect.equal(tuple(cube.shape), SHAPES["cube"], tr("the shape of {name}", name='make_tensors()["cube"]'))
        cubes.append(cube.to(torch.float64))
    values = torch.stack(cubes)
    hint = tr("torch.rand draws uniformly from [0, 1); torch.randn is the normal distribution")
    expect.true(bool((values >= 0).all() and (values < 1).all()),
                tr('make_tensors()["cube"] has values outside [0, 1): from {low:.3g} to {high:.3g}',
                   low=values.min().item(), high=values.max().item()), hint=hint)
    expect.true(all(c.unique().numel() > 1 for c in cubes),
                tr('make_tensors()["cube"] holds one value repeated; it should be random'), hint=hint)
    expect.true(not torch.equal(cubes[0], cubes[1]),
                tr('two calls of make_tensors() gave the same "cube"; each call should draw new random values'),
                hint=tr("create the random tensor inside the function, not once at import"))
    mean, below_half = values.mean().item(), (values < 0.5).double().mean().item()
    expect.true(0.4 < mean < 0.6 and 0.38 < below_half < 0.62 and values.min() < 0.05 and values.max() > 0.95,
                tr('make_tensors()["cube"] does not look uniform on [0, 1) over 40 calls (mean {mean:.3f}, '
                   '{below_half:.0%} below 0.5, range {low:.3f} to {high:.3f})', mean=mean, below_half=below_half,
                   low=values.min().item(), high=values.max().item()),
                hint=hint)


# --- size_and_dtype, zeros_of, from_data, trainable ------------------------------------------

@lesson.check("size_and_dtype", points=1, per_device=True)
def size_and_dtype_matches_reference(t: Trial):
    """size_and_dtype(t) is (t.size(), t.dtype) for tensors of many shapes and dtypes."""
    def one(example):
        shape, dtype = example
        x = torch.zeros(shape, dtype=dtype, device=t.device)
        expected, got = t.ref.call("size_and_dtype", x), t.sub.call("size_and_dtype", x)
        what = tr("{call} for a {dtype} tensor of shape {shape}", call="size_and_dtype(t)", dtype=_name(dtype),
                  shape=tuple(shape))
        expect.is_instance(got, (tuple, list), what, hint=tr("return a pair: {code}", code="return t.size(), t.dtype"))
        expect.equal(len(got), 2, tr("the number of items returned by {what}", what=what))
        size, kind = got
        expect.true(isinstance(size, (tuple, list)) and tuple(size) == tuple(expected[0]),
                    tr("{what}: the size should be {expected}, got {got}", what=what, expected=tuple(expected[0]),
                       got=expect.short(size)),
                    hint=tr("t.size() (or t.shape) gives the size; call it, with the parentheses"))
        expect.equal(kind, expected[1], tr("the dtype from {what}", what=what), hint=tr("t.dtype is the element type"))
    strategies.for_all(st.tuples(strategies.shapes(min_dims=0), st.sampled_from(DTYPES)), one, max_examples=12)


@lesson.check("zeros_of", points=1)
def zeros_of_matches_reference(t: Trial):
    """zeros_of(rows, cols, dtype) is a zero matrix of that shape and dtype."""
    def one(example):
        rows, cols, dtype = example
        expected, got = t.ref.call("zeros_of", rows, cols, dtype), t.sub.call("zeros_of", rows, cols, dtype)
        expect.close(got, expected, f"zeros_of({rows}, {cols}, {dtype})",
                     hint=tr("pass the dtype on: {code}", code="torch.zeros(rows, cols, dtype=dtype)"))
    strategies.for_all(st.tuples(st.integers(1, 5), st.integers(1, 5), st.sampled_from(DTYPES)), one,
                       max_examples=12)


def _nested(dtype) -> st.SearchStrategy:
    """Python data: a number or (nested) lists of numbers of one kind."""
    if dtype is bool:
        return strategies.shapes(min_dims=0, max_dims=3, max_side=4).flatmap(
            lambda s: strategies.arrays(s, np.float32, 0, 1).map(lambda a: (a > 0.5).tolist()))
    low, high = (-50, 50)
    return strategies.shapes(min_dims=0, max_dims=3, max_side=4).flatmap(
        lambda s: strategies.arrays(s, np.float32, low, high).map(
            lambda a: (np.round(a).astype(np.int64) if dtype is int else a).tolist()))


@lesson.check("from_data", points=1)
def from_data_matches_reference(t: Trial):
    """from_data(data) holds the data, with torch.tensor's dtype (int64, float32 or bool)."""
    def one(example):
        expected, got = t.ref.call("from_data", example), t.sub.call("from_data", example)
        kind = type(expected.value.reshape(-1)[0].item()).__name__ if expected.value.numel() else "?"
        expect.close(got, expected, tr("{call} ({kind} data)", call=f"from_data({expect.short(example, 40)})",
                                       kind=kind),
                     hint=tr("torch.tensor(data) keeps the kind of the data (ints give int64); "
                             "torch.Tensor(data) always gives float32"))
    strategies.for_all(st.one_of(_nested(float), _nested(int), _nested(bool)), one, max_examples=15)


@lesson.check("trainable", points=1)
def trainable_values_are_float32(t: Trial):
    """trainable(data) holds the data as float32, for float and for integer data."""
    def one(example):
        expected, got = t.ref.call("trainable", example), t.sub.call("trainable", example)
        expect.close(got, expected, f"trainable({expect.short(example, 40)})",
                     hint=tr("ask for dtype=torch.float32: integer tensors cannot require gradients"))
    strategies.for_all(st.one_of(_nested(float), _nested(int)), one, max_examples=10)


@lesson.check("trainable", points=1)
def trainable_requires_grad(t: Trial):
    """trainable(data) is a leaf tensor that requires grad."""
    for data in ([1.5, -2.0, 3.25], [[1, 2], [3, 4]]):
        got = expect.is_tensor(t.sub.call("trainable", data), f"trainable({data})")
        expect.true(got.requires_grad, tr("{call} does not require grad", call=f"trainable({data})"),
                    hint=tr("pass requires_grad=True when you create the tensor"))
        expect.true(got.is_leaf, tr("{call} requires grad but is not a leaf tensor, so its .grad would never be "
                                    "filled in", call=f"trainable({data})"),
                    hint=tr("create it with requires_grad=True (or call .requires_grad_() last), after any "
                            "conversion such as .float()"))


# --- elementwise -----------------------------------------------------------------------------

OPS = ("add", "sub", "mul", "div")
OP_HINTS = {"add": "x + y", "sub": "x - y", "mul": N_("x * y, element by element (not x @ y)"),
            "div": N_("x / y, true division (not x // y)")}


def _away_from_zero(pair):
    x, y = pair
    return x, torch.where(y < 0, y - 0.5, y + 0.5)


def _ops(got, what: str) -> dict:
    expect.is_instance(got, dict, what, hint=tr("return a dict: {code}",
                                                code='{"add": ..., "sub": ..., "mul": ..., "div": ...}'))
    missing = [op for op in OPS if op not in got]
    expect.true(not missing, tr("{what} has no key {keys}", what=what, keys=", ".join(map(repr, missing))),
                hint=tr("use exactly the keys add, sub, mul and div"))
    return got


@lesson.check("elementwise", points=1, per_device=True)
def elementwise_leaves_inputs_alone(t: Trial):
    """x and y are unchanged after elementwise(x, y) (checked first: an in-place change also spoils the values)."""
    x, y = t.tensor([[1.0, -2.0], [3.5, 4.0]]), t.tensor([[2.0, 0.5], [-1.0, 8.0]])
    x_ref, y_ref = t.sub.new(x), t.sub.new(y)
    t.sub.call("elementwise", x_ref, y_ref)
    for name, ref, before in (("x", x_ref, x), ("y", y_ref, y)):
        expect.close(t.sub.fetch(ref).value, before.cpu(), tr("{name} after {call}", name=name,
                                                              call="elementwise(x, y)"),
                     hint=tr("in-place operations such as x.add_(y) or x += y change the input; "
                             "use x + y or torch.add(x, y), which make a new tensor"))


@lesson.check("elementwise", points=1, per_device=True)
def elementwise_matches_torch(t: Trial):
    """add, sub, mul and div equal torch.add/sub/mul/div for tensors of several shapes."""
    def one(pair):
        x, y = (v.to(t.device) for v in _away_from_zero(pair))
        what = tr("{call} for tensors of shape {shape}", call="elementwise(x, y)", shape=tuple(x.shape))
        expected, got = t.ref.call("elementwise", x, y), _ops(t.sub.call("elementwise", x, y), what)
        for op in OPS:
            expect.close(got[op], expected[op], tr("{call} for shape {shape}", call=f'elementwise(x, y)["{op}"]',
                                                   shape=tuple(x.shape)),
                         hint=tr("{op} is {how}", op=op, how=tr_marked(OP_HINTS[op])))
    strategies.for_all(strategies.same_shape_pair(), one, max_examples=12)


@lesson.check("elementwise", points=1)
def elementwise_gradients(t: Trial):
    """Gradients of each result (float64 gradcheck)."""
    x, y = t.randn(2, 3, dtype=torch.float64), t.randn(2, 3, dtype=torch.float64)
    y = torch.where(y < 0, y - 0.5, y + 0.5)
    _ops(t.sub.call("elementwise", x, y), "elementwise(x, y)")
    for op in OPS:
        gradcheck(t.sub, "elementwise", [x, y], what=f'elementwise(x, y)["{op}"]', output_index=op)


# --- slices, reshape -------------------------------------------------------------------------

def _matrices(min_rows: int = 2, min_cols: int = 2):
    return st.tuples(st.integers(min_rows, 5), st.integers(min_cols, 5)).flatmap(lambda s: strategies.tensors(s))


def _sliced(got, what):
    expect.is_instance(got, (tuple, list), what, hint=tr("return the three results: {code}",
                                                         code="return col, row, value"))
    expect.equal(len(got), 3, tr("the number of items returned by {what}", what=what))
    return got


@lesson.check("slices", points=1, per_device=True)
def slices_column_and_row(t: Trial):
    """The first column x[:, 0] and the second row x[1, :] of matrices of several shapes."""
    def one(x):
        x = x.to(t.device)
        what = tr("{call} for x of shape {shape}", call="slices(x)", shape=tuple(x.shape))
        expected, got = t.ref.call("slices", x), _sliced(t.sub.call("slices", x), what)
        expect.close(got[0], expected[0], tr("the first column from {what}", what=what),
                     hint=tr("x[:, 0] takes column 0 of every row; x[0] would be the first row"))
        expect.close(got[1], expected[1], tr("the second row from {what}", what=what),
                     hint=tr("rows are counted from 0: the second row is x[1, :]"))
    strategies.for_all(_matrices(), one, max_examples=10)


@lesson.check("slices", points=1, per_device=True)
def slices_element_is_python_float(t: Trial):
    """The element x[1, 1] comes back as a Python float."""
    def one(x):
        x = x.to(t.device)
        what = tr("{call} for x of shape {shape}", call="slices(x)", shape=tuple(x.shape))
        expected, got = t.ref.call("slices", x), _sliced(t.sub.call("slices", x), what)
        expect.close(got[2], expected[2], tr("the element x[1, 1] from {what}", what=what),
                     hint=tr("x[1, 1] is a one-element tensor; .item() turns it into a Python float"))
    strategies.for_all(_matrices(), one, max_examples=6)


def _reshapable():
    def with_cols(x):
        n = x.numel()
        return st.sampled_from([c for c in range(1, n + 1) if n % c == 0]).map(lambda c: (x, c))
    return strategies.tensors(strategies.shapes(max_dims=3, max_side=6)).flatmap(with_cols)


@lesson.check("reshape", points=1, per_device=True)
def reshape_matches_reference(t: Trial):
    """reshape(x, cols) has `cols` columns, the rows inferred, and x's elements in order."""
    def one(example):
        x, cols = example
        x = x.to(t.device)
        expected, got = t.ref.call("reshape", x, cols), t.sub.call("reshape", x, cols)
        expect.close(got, expected, tr("{call} for x of shape {shape}", call=f"reshape(x, {cols})",
                                       shape=tuple(x.shape)),
                     hint=tr("x.view(-1, cols): -1 lets PyTorch work out the number of rows"))
    strategies.for_all(_reshapable(), one, max_examples=12)


@lesson.check("reshape", points=1, per_device=True)
def reshape_returns_a_view(t: Trial):
    """The result shares memory with x: writing to it changes x."""
    for shape, cols in (((2, 6), 3), ((12,), 4), ((3, 2, 2), 6)):
        x = torch.arange(12, dtype=torch.float32).reshape(shape).to(t.device)
        facts = t.sub.probe("l01_reshape_view_facts", x, cols)
        what = tr("{call} for x of shape {shape}", call=f"reshape(x, {cols})", shape=shape)
        expect.true(facts["is_tensor"], tr("{what} should return a tensor, got a {type}", what=what,
                                           type=facts.get("type")))
        expect.true(facts["x_follows_result"],
                    tr("{what} is a copy: changing the result left x unchanged; it should be a view of x", what=what),
                    hint=tr("x.view(-1, cols) returns a view; .clone(), torch.tensor(...) or .contiguous() "
                            "copies would not share x's memory"))


# --- NumPy -----------------------------------------------------------------------------------

@lesson.check("to_numpy", points=1)
def to_numpy_values(t: Trial):
    """to_numpy(t) is an array with t's values, shape and dtype."""
    def one(x):
        expected, got = t.ref.call("to_numpy", x), t.sub.call("to_numpy", x)
        expect.close(got, expected, tr("{call} for a {dtype} tensor of shape {shape}", call="to_numpy(t)",
                                       dtype=_name(x.dtype), shape=tuple(x.shape)),
                     hint=tr("t.numpy() gives the array, with the same dtype"))
    strategies.for_all(st.one_of(strategies.tensors(), strategies.tensors(dtype=torch.float64)), one,
                       max_examples=8)


@lesson.check("to_numpy", points=1)
def to_numpy_shares_memory(t: Trial):
    """The array and the tensor share memory: a change to either shows in the other."""
    facts = t.sub.probe("l01_to_numpy_sharing", torch.arange(6, dtype=torch.float32).reshape(2, 3))
    expect.true(facts["type"] == "ndarray", tr("{call} should return a NumPy array, got a {type}",
                                               call="to_numpy(t)", type=facts["type"]),
                hint="t.numpy()")
    hint = tr("t.numpy() shares memory with t; np.array(t) and .copy() make copies")
    expect.true(facts["array_follows_tensor"], tr("to_numpy(t) made a copy: after t changed, the array still "
                                                  "held the old values"), hint=hint)
    expect.true(facts["tensor_follows_array"], tr("changing the array from to_numpy(t) did not change t")
                + (f" ({facts['raised']}: {facts['message']})" if facts.get("raised") else ""), hint=hint)


@lesson.check("from_numpy", points=1)
def from_numpy_values(t: Trial):
    """from_numpy(a) is a tensor with a's values, shape and dtype."""
    def one(a):
        expected, got = t.ref.call("from_numpy", a), t.sub.call("from_numpy", a)
        expect.close(got, expected, tr("{call} for a {dtype} array of shape {shape}", call="from_numpy(a)",
                                       dtype=a.dtype, shape=a.shape),
                     hint=tr("torch.from_numpy(a) keeps the array's dtype (float64 stays float64)"))
    strategies.for_all(st.one_of(strategies.arrays(), strategies.arrays(dtype=np.float64),
                                 strategies.arrays().map(lambda a: np.round(a).astype(np.int64))), one,
                       max_examples=8)


@lesson.check("from_numpy", points=1)
def from_numpy_shares_memory(t: Trial):
    """The tensor and the array share memory: a change to either shows in the other."""
    facts = t.sub.probe("l01_from_numpy_sharing", np.arange(6, dtype=np.float64).reshape(2, 3))
    expect.true(facts["is_tensor"], tr("{what} should return a tensor, got a {type}", what="from_numpy(a)",
                                       type=facts.get("type")),
                hint="torch.from_numpy(a)")
    hint = tr("torch.from_numpy(a) shares memory with a; torch.tensor(a) makes a copy")
    expect.true(facts["tensor_follows_array"], tr("from_numpy(a) made a copy: after a changed, the tensor still "
                                                  "held the old values"), hint=hint)
    expect.true(facts["array_follows_tensor"], tr("changing the tensor from from_numpy(a) did not change a")
                + (f" ({facts['raised']}: {facts['message']})" if facts.get("raised") else ""), hint=hint)


# --- devices ---------------------------------------------------------------------------------

def _device_name(value) -> str | None:
    """"cuda", "cpu" (or e.g. "cuda:0") for a torch.device or a string; None for anything else."""
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, str):
        try:
            return str(torch.device(value))
        except RuntimeError:
            return None
    return None


def _same_device(got, expected: str) -> bool:
    name = _device_name(got)
    return name is not None and torch.device(name).type == expected and torch.device(name).index in (None, 0)


@lesson.check("get_device", points=1)
def get_device_matches_this_machine(t: Trial):
    """get_device() names the device PyTorch can use on this machine."""
    expected, got = t.ref.call("get_device"), t.sub.call("get_device")
    expected = torch.device(_device_name(expected)).type
    expect.true(_same_device(got, expected),
                tr("get_device() on this machine should be {expected!r}, got {got}", expected=expected,
                   got=expect.short(got)),
                hint='return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")')


@lesson.check("get_device", points=2)
def get_device_follows_cuda_availability(t: Trial):
    """get_device() gives cuda when torch.cuda.is_available() says so, and cpu otherwise."""
    for available, expected in ((True, "cuda"), (False, "cpu")):
        got = t.sub.probe("l01_device_if_cuda_available", available)
        expect.true(_same_device(got, expected),
                    tr("when torch.cuda.is_available() returns {available}, get_device() should give "
                       "{expected!r}, got {got}", available=available, expected=expected, got=expect.short(got)),
                    hint=tr("ask torch.cuda.is_available() inside get_device, each time it is called"))


@lesson.check("to_numpy_any_device", points=1, per_device=True)
def to_numpy_any_device_handles_grad(t: Trial):
    """A tensor that requires grad (and one that does not) becomes an array with its values and dtype."""
    for dtype in (torch.float32, torch.float64):
        values = t.randn(2, 3, dtype=dtype)
        for requires_grad in (True, False):
            x = values.clone().requires_grad_(requires_grad)
            what = (tr("{call} for a {dtype} tensor on {device} that requires grad", call="to_numpy_any_device(t)",
                       dtype=_name(dtype), device=t.device) if requires_grad else
                    tr("{call} for a {dtype} tensor on {device}", call="to_numpy_any_device(t)", dtype=_name(dtype),
                       device=t.device))
            got = t.sub.call("to_numpy_any_device", x)
            expect.close(got, values.cpu().numpy(), what,
                         hint=tr("detach the tensor from the graph first: t.detach() ... .numpy()"))


@lesson.check("to_numpy_any_device", points=2)
def to_numpy_any_device_from_gpu(t: Trial):
    """A tensor on a GPU (simulated on machines without one) is copied to the CPU first."""
    values = t.randn(3, 2)
    for requires_grad in (True, False):
        facts = t.sub.probe("l01_numpy_from_simulated_cuda", values, requires_grad)
        what = (tr("{call} for a tensor on a GPU (cuda:0, simulated) that requires grad", call="to_numpy_any_device(t)")
                if requires_grad else
                tr("{call} for a tensor on a GPU (cuda:0, simulated)", call="to_numpy_any_device(t)"))
        if facts["raised"]:
            raise expect.Wrong(tr("{what} raised {error}", what=what, error=f"{facts['raised']}: {facts['message']}"),
                               hint=tr("a GPU tensor must be copied to the CPU before .numpy(): {code}",
                                       code="t.detach().cpu().numpy()"))
        expect.close(facts["value"] if facts["type"] == "ndarray" else facts["type"], values.numpy(), what,
                     hint="return t.detach().cpu().numpy()")
