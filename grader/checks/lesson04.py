"""Lesson 4 — linear regression: data, nn.Linear, a full-batch SGD loop, predictions, a plot,
and a state_dict checkpoint.

The lesson follows the original tutorial, which works on the CPU with NumPy arrays going in
(`torch.from_numpy`) and coming out (`.numpy()`), so its checks run on the CPU only.
"""

import io
import pickle

import numpy as np
import torch
from hypothesis import strategies as st

import grader.probes.lesson04  # noqa: F401  (registers this lesson's probes in this process too)
from grader import expect, strategies
from grader.codec import Ref, TensorSnap
from grader.expect import Wrong
from grader.handle import StudentException
from grader.i18n import N_, tr
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson04", "linear_regression", N_("Linear regression"),
                todos=("training_data", "build_model", "train", "predict", "plot_fit", "save_model",
                       "load_model"),
                warm_up=("training", "plotting"))

X_TRAIN = [3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167, 7.042, 10.791, 5.313, 7.997, 3.1]
Y_TRAIN = [1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221, 2.827, 3.465, 1.65, 2.904, 1.3]
RTOL, ATOL = 1e-4, 1e-5          # float32 training; a different but correct op order may move the last bits


def _course_data():
    return (np.array(X_TRAIN, dtype=np.float32).reshape(15, 1),
            np.array(Y_TRAIN, dtype=np.float32).reshape(15, 1))


def _state(t: Trial, in_features: int, out_features: int) -> dict:
    """A random starting state for nn.Linear(in_features, out_features)."""
    return {"weight": torch.from_numpy(t.rng.uniform(-1, 1, (out_features, in_features)).astype(np.float32)),
            "bias": torch.from_numpy(t.rng.uniform(-1, 1, (out_features,)).astype(np.float32))}


def _linear(handle, state: dict) -> Ref:
    """An nn.Linear on `handle`'s side holding `state` (made by a probe, not by build_model)."""
    out_features, in_features = state["weight"].shape
    model = handle.probe("new_linear", in_features, out_features, keep=True)
    handle.probe("load_state_dict", model, state)
    return model


def _values(snapshot: dict) -> dict:
    return {k: (v.value if isinstance(v, TensorSnap) else v) for k, v in snapshot.items()}


# --- training_data --------------------------------------------------------------------------

def _training_data(t: Trial):
    got = t.sub.call("training_data")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong(tr("{call} should return a pair {names}", call="training_data", names="(x_train, y_train)"),
                    tr("a tuple of 2"), expect.describe(got), tr("end with {code}", code="`return x_train, y_train`"))
    return got


@lesson.check("training_data", points=1)
def training_data_arrays(t: Trial):
    """training_data returns two float32 NumPy arrays of shape (15, 1)."""
    for name, value in zip(("x_train", "y_train"), _training_data(t)):
        expect.is_array(value, name,
                        hint=tr("build it with {code}", code="np.array([[3.3], [4.4], ...], dtype=np.float32)"))
        expect.equal(value.shape, (15, 1), tr("the shape of {name}", name=name),
                     hint=tr("one sample per row: a list of one-element lists, [[3.3], [4.4], ...]"))
        expect.equal(str(value.dtype), "float32", tr("the dtype of {name}", name=name),
                     hint=tr("pass dtype=np.float32: nn.Linear's parameters are float32"))


@lesson.check("training_data", points=1)
def training_data_values(t: Trial):
    """training_data holds the course's fifteen (x, y) points, in order."""
    x_expected, y_expected = _course_data()
    for name, value, expected in zip(("x_train", "y_train"), _training_data(t), (x_expected, y_expected)):
        expect.is_array(value, name)
        expect.close(value.reshape(-1).astype(np.float64), expected.reshape(-1).astype(np.float64),
                     tr("the values of {name}", name=name), rtol=0, atol=1e-6,
                     hint=tr("copy the fifteen numbers from the docstring in the same order"))


# --- build_model ----------------------------------------------------------------------------

@lesson.check("build_model", points=2)
def build_model_is_linear(t: Trial):
    """build_model(i, o) is an nn.Linear with weight (o, i) and bias (o,) that require grad."""
    for in_features, out_features in ((1, 1), (3, 2), (5, 1)):
        model = t.sub.call("build_model", in_features, out_features, keep=True)
        tree = t.sub.probe("module_tree", model)
        what = f"build_model({in_features}, {out_features})"
        expect.equal(tree["type"], "Linear", tr("the type of {what}", what=what),
                     hint="return nn.Linear(input_size, output_size)")
        params = tree["parameters"]
        expect.equal(sorted(params), ["bias", "weight"], tr("the parameters of {what}", what=what),
                     hint=tr("a single nn.Linear layer has a weight and a bias"))
        expect.equal(tuple(params["weight"]["shape"]), (out_features, in_features),
                     tr("the weight shape of {what}", what=what),
                     hint=tr("nn.Linear(input_size, output_size): inputs first, outputs second"))
        expect.equal(tuple(params["bias"]["shape"]), (out_features,), tr("the bias shape of {what}", what=what))
        expect.true(all(p["requires_grad"] for p in params.values()),
                    tr("the parameters of {what} should require grad", what=what),
                    hint=tr("keep nn.Linear's defaults"))
        t.sub.release(model)


# --- train ----------------------------------------------------------------------------------

def _losses(value, epochs: int, what: str) -> list[float]:
    """The per-epoch losses as floats: a list/tuple of numbers or one-element tensors, or a 1-D tensor/array."""
    if isinstance(value, TensorSnap) and value.value.dim() == 1:
        items = [float(v) for v in value.value]
    elif isinstance(value, np.ndarray) and value.ndim == 1:
        items = [float(v) for v in value]
    elif isinstance(value, (list, tuple)):
        items = []
        for i, item in enumerate(value, start=1):
            if isinstance(item, TensorSnap) and item.value.numel() == 1:
                items.append(float(item.value.reshape(-1)[0]))
            elif isinstance(item, np.ndarray) and item.size == 1:
                items.append(float(item.reshape(-1)[0]))
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                items.append(float(item))
            else:
                raise Wrong(tr("the loss of epoch {epoch} {what} should be a number", epoch=i, what=what),
                            tr("a float"), expect.describe(item), tr("append loss.item() once per epoch"))
    else:
        raise Wrong(tr("train should return the list of per-epoch losses {what}", what=what), tr("a list of floats"),
                    expect.describe(value), tr("append loss.item() to a list each epoch and return that list"))
    if len(items) != epochs:
        raise Wrong(tr("train should return one loss per epoch {what}", what=what),
                    tr("{count} losses", count=epochs), f"{len(items)}",
                    tr("append loss.item() once per epoch, inside the loop"))
    return items


def _train_both(t: Trial, state: dict, x, y, epochs: int, lr: float, what: str):
    """(reference, submission) outcomes: per-epoch losses and the trained state, from the same start."""
    outcomes = {}
    for handle in (t.sub, t.ref):            # the submission first: a stub stops here at once
        model = _linear(handle, state)
        try:
            losses = handle.call("train", model, x, y, epochs, lr)
        except StudentException as exc:
            if "numpy" in exc.message.lower() and "tensor" in exc.message.lower():
                raise Wrong(exc.message[:1].upper() + exc.message[1:],
                            hint=tr("x_train and y_train are NumPy arrays: turn them into tensors with "
                                    "torch.from_numpy before calling the model")) from None
            raise
        outcomes[handle] = (_losses(losses, epochs, what) if handle is t.sub else losses,
                            _values(handle.probe("state_dict", model)))
    return outcomes[t.ref], outcomes[t.sub]


def _compare_training(expected, got, what: str, start: dict):
    (ref_losses, ref_state), (losses, state) = expected, got
    if all(name in state and torch.equal(state[name], start[name]) for name in start) and not all(
            torch.equal(ref_state[name], start[name]) for name in start):
        raise Wrong(tr("the model passed to train was not trained {what}: its parameters did not change", what=what),
                    hint=tr("train that very model: give model.parameters() to the optimizer and do not build a new "
                            "model inside train"))
    for i, (g, e) in enumerate(zip(losses, ref_losses), start=1):
        if not np.isclose(g, e, rtol=RTOL, atol=1e-6):
            if i == 1:
                hint = tr("the first loss is the MSE of the untrained model on all the data: "
                          "nn.MSELoss()(model(inputs), targets)")
            else:
                hint = tr("epoch 1 is right but later epochs differ: call optimizer.zero_grad() every epoch, use "
                          "torch.optim.SGD(model.parameters(), lr=learning_rate), and one step per epoch on all "
                          "the data")
            raise Wrong(tr("the loss of epoch {epoch} {what} is not right", epoch=i, what=what), f"{e:.6g}",
                        f"{g:.6g}", hint)
    for name in ("weight", "bias"):
        if name not in state:
            raise Wrong(tr("the trained model has no {name}", name=name),
                        hint=tr("train the nn.Linear model you were given"))
        expect.close(state[name], ref_state[name], tr("the trained {name} {what}", name=name, what=what),
                     rtol=RTOL, atol=ATOL,
                     hint=tr("the losses match but the final parameters do not: call optimizer.zero_grad() every "
                             "epoch and end every epoch with optimizer.step()"))


@lesson.check("train", points=3)
def train_matches_reference_on_course_data(t: Trial):
    """60 epochs at learning rate 0.001 on the course data, from the same start as the reference."""
    x, y = _course_data()
    state = _state(t, 1, 1)
    what = tr("(course data, {epochs} epochs, learning_rate {lr})", epochs=60, lr=0.001)
    expected, got = _train_both(t, state, x, y, 60, 0.001, what)
    _compare_training(expected, got, what, state)


@lesson.check("train", points=1)
def train_uses_its_arguments(t: Trial):
    """Other data, sizes, epoch counts and learning rates give the reference's losses and parameters."""
    def one(example):
        in_features, out_features, samples, epochs, lr, seed = example
        rng = np.random.default_rng(seed)
        x = rng.uniform(-2, 2, (samples, in_features)).astype(np.float32)
        y = (x @ rng.uniform(-1, 1, (in_features, out_features)) + 0.1).astype(np.float32)
        state = {"weight": torch.from_numpy(rng.uniform(-1, 1, (out_features, in_features)).astype(np.float32)),
                 "bias": torch.from_numpy(rng.uniform(-1, 1, (out_features,)).astype(np.float32))}
        what = (tr("(Linear({inputs}, {outputs}), {samples} samples, {epochs} epochs, learning_rate {lr})",
                   inputs=in_features, outputs=out_features, samples=samples, epochs=epochs, lr=lr) if epochs > 1 else
                tr("(Linear({inputs}, {outputs}), {samples} samples, 1 epoch, learning_rate {lr})",
                   inputs=in_features, outputs=out_features, samples=samples, lr=lr))
        expected, got = _train_both(t, state, x, y, epochs, lr, what)
        _compare_training(expected, got, what, state)
    strategies.for_all(st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(2, 12), st.integers(1, 6),
                                 st.sampled_from([0.01, 0.05, 0.1]), st.integers(0, 2**16)), one, max_examples=5)


# --- predict --------------------------------------------------------------------------------

def _predict_facts(t: Trial, handle, state, x):
    model = _linear(handle, state)
    try:
        return handle.probe("predict_autograd_facts", model, x)
    except StudentException as exc:
        if "requires grad" in exc.message:
            raise Wrong(exc.message[:1].upper() + exc.message[1:],
                        hint=tr("detach the output before .numpy(), as in {code} (or run the model inside "
                                "`with torch.no_grad():`)",
                                code="model(torch.from_numpy(x)).detach().numpy()")) from None
        raise


@lesson.check("predict", points=1)
def predict_returns_numpy_predictions(t: Trial):
    """predict(model, x) returns the model's outputs as a float32 NumPy array."""
    for in_features, out_features, samples in ((1, 1, 15), (3, 2, 4)):
        state = _state(t, in_features, out_features)
        x = t.rng.uniform(-5, 5, (samples, in_features)).astype(np.float32)
        expected = _predict_facts(t, t.ref, state, x)["result"]
        got = _predict_facts(t, t.sub, state, x)["result"]
        what = tr("{call} for {model} and x of shape {shape}", call="predict(model, x)",
                  model=f"Linear({in_features}, {out_features})", shape=x.shape)
        expect.is_array(got, what, hint=tr("turn the output tensor into NumPy with .numpy()"))
        expect.close(got, expected, what, rtol=1e-5, atol=1e-6,
                     hint=tr("run the model on torch.from_numpy(x) and return the output as NumPy"))


@lesson.check("predict", points=1)
def predict_returns_no_graph(t: Trial):
    """What predict returns carries no autograd graph, and the model stays trainable.

    How it gets there is the student's choice: the course's `model(...).detach().numpy()` and a
    forward pass under `torch.no_grad()` both pass.
    """
    state = _state(t, 1, 1)
    x, _ = _course_data()
    facts = _predict_facts(t, t.sub, state, x)
    result = facts["result"]
    if isinstance(result, TensorSnap):
        expect.true(not result.requires_grad and result.grad_fn is None,
                    tr("predict returned a tensor that is still tracked by autograd (grad_fn={grad_fn})",
                       grad_fn=result.grad_fn),
                    hint=tr("return plain numbers: {a}, or run the model inside {b}",
                            a="model(torch.from_numpy(x)).detach().numpy()", b="`with torch.no_grad():`"))
    expect.true(all(facts["parameters_require_grad"]),
                tr("after predict the model's parameters no longer require grad"),
                hint=tr("leave the parameters alone: detach the output (.detach()) instead of the model"))


# --- plot_fit -------------------------------------------------------------------------------

NO_LINE = {"None", "none", "", " "}


def _is_red(rgba) -> bool:
    if rgba is None:
        return False
    r, g, b = rgba[:3]
    return r >= 0.5 and g <= 0.35 and b <= 0.35 and r - max(g, b) >= 0.4


def _colour_name(rgba) -> str:
    if rgba is None:
        return tr("no colour")
    if _is_red(rgba):
        return tr("red")
    r, g, b = (int(round(255 * float(c))) for c in list(rgba)[:3])
    return tr("colour {hex}", hex=f"#{r:02x}{g:02x}{b:02x}")


def _points(x, y) -> np.ndarray:
    x, y = np.asarray(x, dtype=np.float64).reshape(-1), np.asarray(y, dtype=np.float64).reshape(-1)
    if x.shape != y.shape:
        return np.zeros((0, 2))
    pts = np.stack([x, y], axis=1)
    return pts[np.lexsort((pts[:, 1], pts[:, 0]))]


def _same_points(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-5)


def _subset_of(a: np.ndarray, b: np.ndarray) -> bool:
    """Every point of `a` is one of the points of `b`."""
    if len(a) < 2 or not len(b):
        return False
    gap = np.abs(a[:, None, :] - b[None, :, :]).max(axis=2).min(axis=1)
    return bool(np.all(gap <= 1e-5 + 1e-5 * np.abs(a).max(axis=1)))


def _plot_examples(t: Trial):
    x, y = _course_data()
    slope, intercept = float(t.rng.uniform(0.2, 0.4)), float(t.rng.uniform(0.5, 1.0))
    yield x, y, (slope * x + intercept).astype(np.float32)
    x2 = t.rng.uniform(-3, 3, (8, 1)).astype(np.float32)
    y2 = (-1.5 * x2 + t.rng.normal(0, 0.3, (8, 1))).astype(np.float32)
    yield x2, y2, (-1.4 * x2 + 0.2).astype(np.float32)


def _figure(t: Trial, x, y, predicted) -> dict:
    facts = t.sub.probe("plot_fit_facts", x, y, predicted)
    if not facts["is_figure"]:
        hint = (tr("return ax.figure (or fig), not the Axes") if "Axes" in facts["type"] else
                tr("create it with fig, ax = plt.subplots() and `return fig` (or return plt.gcf()); "
                   "do not call plt.show() here"))
        raise Wrong(tr("plot_fit should return a matplotlib Figure"), tr("a {type}", type="Figure"),
                    tr("a {type}", type=facts["type"]), hint)
    if not facts["axes"]:
        raise Wrong(tr("the figure plot_fit returned is empty"),
                    hint=tr("draw on the figure you return: fig, ax = plt.subplots(), then ax.plot(...)"))
    return facts


def _describe_artists(facts) -> str:
    parts = []
    for ax in facts["axes"]:
        for line in ax["lines"]:
            style = tr("no line") if line["linestyle"] in NO_LINE else tr("line {style}", style=line["linestyle"])
            colour = _colour_name(line["markerfacecolor"] if line["marker"] not in ("None", "", " ") else line["color"])
            parts.append(tr("a plot of {count} points (marker {marker!r}, {style}, {colour})",
                            count=0 if line["x"] is None else len(line["x"]), marker=line["marker"], style=style,
                            colour=colour))
        for coll in ax["collections"]:
            faces = coll["facecolors"]
            colour = (tr("red") if len(faces) and all(_is_red(c) for c in faces) else
                      _colour_name(faces[0]) if len(faces) == 1 else tr("several colours"))
            parts.append(tr("a scatter of {count} points ({colour})", count=len(coll["offsets"]), colour=colour))
    return "; ".join(parts) or tr("nothing drawn")


@lesson.check("plot_fit", points=1)
def plot_fit_shows_data_as_red_dots(t: Trial):
    """The returned Figure shows the (x, y) data as red dots (plot 'ro' or a red scatter)."""
    for x, y, predicted in _plot_examples(t):
        facts = _figure(t, x, y, predicted)
        data = _points(x, y)
        found = False
        for ax in facts["axes"]:
            for line in ax["lines"]:
                if (line["visible"] and line["marker"] in ("o", ".") and line["linestyle"] in NO_LINE
                        and (_is_red(line["markerfacecolor"]) or _is_red(line["color"]))
                        and line["x"] is not None and line["y"] is not None
                        and _same_points(_points(line["x"], line["y"]), data)):
                    found = True
            for coll in ax["collections"]:
                if (coll["visible"] and len(coll["facecolors"]) and all(_is_red(c) for c in coll["facecolors"])
                        and _same_points(_points(coll["offsets"][:, 0], coll["offsets"][:, 1]), data)):
                    found = True
        if not found:
            raise Wrong(tr("the figure does not show the {count} data points as red dots", count=len(x)),
                        tr("the (x, y) points drawn as red dots"), _describe_artists(facts),
                        tr("plot(x, y, 'ro', label='Original data') or scatter(x, y, c='red', ...) "
                           "with the x and y passed to plot_fit"))


@lesson.check("plot_fit", points=1)
def plot_fit_draws_fitted_line(t: Trial):
    """The returned Figure draws a line through the (x, predicted) points."""
    for x, y, predicted in _plot_examples(t):
        facts = _figure(t, x, y, predicted)
        fit = _points(x, predicted)
        found = any(line["visible"] and line["linestyle"] not in NO_LINE and line["x"] is not None
                    and line["y"] is not None and _subset_of(_points(line["x"], line["y"]), fit)
                    for ax in facts["axes"] for line in ax["lines"])
        if not found:
            raise Wrong(tr("the figure has no line through the predicted values"),
                        tr("a line through the (x, predicted) points"), _describe_artists(facts),
                        tr("plot(x, predicted, label='Fitted line') draws it (a solid line by default)"))


@lesson.check("plot_fit", points=1)
def plot_fit_has_legend(t: Trial):
    """The returned Figure has a legend naming both the data and the fitted line."""
    x, y, predicted = next(_plot_examples(t))
    facts = _figure(t, x, y, predicted)
    legends = [ax["legend"] for ax in facts["axes"]] + facts["figure_legends"]
    entries = max((len([text for text in legend if text.strip()]) for legend in legends), default=0)
    expect.true(entries >= 2, tr("the figure should have a legend with two entries (found {count})", count=entries),
                hint=tr("give both plots a label=... and call ax.legend() (or plt.legend()) after drawing them"))


# --- save_model / load_model ----------------------------------------------------------------

@lesson.check("save_model", points=2)
def save_model_writes_state_dict(t: Trial):
    """save_model writes the model's state_dict (weight and bias), loadable with weights_only=True."""
    state = _state(t, 2, 3)
    model = _linear(t.sub, state)
    path = t.sub.probe("scratch_path", f"linear_model_{t.seed}.ckpt")
    t.sub.call("save_model", model, path)
    raw = t.sub.probe("read_bytes", path)
    expect.true(raw is not None, tr("save_model wrote no file at the path it was given"),
                hint=tr("torch.save(model.state_dict(), path) with the `path` argument"))
    try:
        saved = torch.load(io.BytesIO(raw), weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, EOFError, ValueError) as exc:
        raise Wrong(tr("the saved file is not a plain state_dict: torch.load(..., weights_only=True) cannot read it"),
                    hint=tr("save only the parameters, torch.save(model.state_dict(), path), not the whole model "
                            "({error})", error=type(exc).__name__)) from None
    expect.true(isinstance(saved, dict), tr("the saved file should hold a state_dict (a dict), not a {type}",
                                            type=type(saved).__name__),
                hint="torch.save(model.state_dict(), path)")
    expect.equal(sorted(saved), ["bias", "weight"], tr("the keys of the saved state_dict"),
                 hint=tr("save model.state_dict() of the nn.Linear itself"))
    for name in ("weight", "bias"):
        expect.is_instance(saved[name], torch.Tensor, tr("the saved {name}", name=name))
        expect.close(saved[name], state[name], tr("the saved {name}", name=name), rtol=0, atol=0,
                     hint=tr("save the parameters of the model you were given"))


@lesson.check("load_model", points=2)
def load_model_restores_parameters(t: Trial):
    """load_model returns an nn.Linear holding exactly the parameters saved in the file."""
    for in_features, out_features in ((1, 1), (3, 2)):
        state = _state(t, in_features, out_features)
        path = t.sub.probe("scratch_path", f"given_{t.seed}_{in_features}x{out_features}.ckpt")
        t.sub.probe("save_state", state, path)
        t.sub.seed(t.seed)   # a model that never loads the file shows its initial values: the same ones every run
        model = t.sub.call("load_model", path, in_features, out_features, keep=True)
        what = f"load_model(path, {in_features}, {out_features})"
        tree = t.sub.probe("module_tree", model)
        expect.equal(tree["type"], "Linear", tr("the type of what {what} returns", what=what),
                     hint=tr("build the model (build_model), load the state_dict into it, and return the model"))
        loaded = _values(t.sub.probe("state_dict", model))
        for name in ("weight", "bias"):
            expect.true(name in loaded, tr("the model from {what} has no {name}", what=what, name=name))
            expect.close(loaded[name], state[name], tr("the {name} of the model from {what}", name=name, what=what),
                         rtol=0, atol=0, hint="model.load_state_dict(torch.load(path, weights_only=True))")
        t.sub.release(model)
