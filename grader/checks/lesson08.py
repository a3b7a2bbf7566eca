"""Lesson 8 — toolbox: autograd recipes, NumPy bridge, data pipeline, fine-tuning, saving.

Datasets, loaders, transforms and models cannot cross the process boundary, so the checks
build them on the submission side with the `l08_*` probes (grader/probes/lesson08.py) from
plain tensors, and judge the facts those probes report. Files a TODO writes are read back as
bytes; a whole pickled model is only ever unpickled on the submission side.
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import grader.probes.lesson08  # noqa: F401  (registers the l08_ probes for in-process handles)
from grader import expect, strategies
from grader.codec import Ref, TensorSnap
from grader.expect import Wrong
from grader.handle import StudentException
from grader.i18n import N_, tr, tr_marked
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson08", "recipes", N_("Toolbox: datasets, fine-tuning, saving"),
                todos=("linear_grads", "fc_step", "numpy_roundtrip", "make_loader", "first_batch",
                       "CustomDataset.__getitem__", "CustomDataset.__len__", "freeze_and_replace_head",
                       "save_whole", "load_whole", "save_params", "load_params"),
                warm_up=("training", "resnet"))


# --- helpers ------------------------------------------------------------------------------------


def _pair(got, what: str, names: str, hint: str) -> tuple:
    """A list or tuple of exactly two items."""
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        raise Wrong(tr("{what} should be a pair {names}", what=what, names=names), tr("a tuple of 2 items"),
                    expect.describe(got), hint)
    return tuple(got)


def _number(value, what: str, hint: str) -> float:
    """A one-element tensor or a Python number, as a float."""
    if isinstance(value, TensorSnap) and value.value.numel() == 1:
        return float(value.value.reshape(()).item())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise Wrong(tr("{what} should be a one-element tensor", what=what), tr("a scalar tensor"), expect.describe(value),
                hint)


def _same_state(got: dict, expected: dict, what: str, hint: str, atol: float = 1e-6, rtol: float = 1e-5) -> None:
    expect.is_instance(got, dict, what, hint)
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    if missing or extra:
        parts = ([tr("missing {keys}", keys=", ".join(missing))] if missing else []) + (
            [tr("unexpected {keys}", keys=", ".join(extra))] if extra else [])
        raise Wrong(tr("{what} has the wrong entries: {entries}", what=what, entries="; ".join(parts)), hint=hint)
    for key, value in expected.items():
        expect.close(got[key], value, f"{what}: {key}", hint, atol=atol, rtol=rtol)


def _as_module(handle, ref, what: str, hint: str) -> dict:
    tree = handle.probe("module_tree", ref)
    if not tree.get("is_module"):
        raise Wrong(tr("{what} should be a model (an nn.Module)", what=what), tr("an nn.Module"),
                    tr("a {type}", type=tree.get("type")), hint)
    return tree


# --- linear_grads -------------------------------------------------------------------------------

GRADS_HINT = N_("make x, w and b with torch.tensor(value, requires_grad=True), then y = w * x + b; y.backward()")


def _grads(got, what: str) -> list[float]:
    if not isinstance(got, (list, tuple)) or len(got) != 3:
        raise Wrong(tr("{what} should be the three gradients", what=what),
                    tr("a tuple {names}", names="(x.grad, w.grad, b.grad)"), expect.describe(got),
                    "return x.grad, w.grad, b.grad")
    out = []
    for name, grad in zip("xwb", got):
        if grad is None:
            raise Wrong(tr("{what}: {name}.grad is None", what=what, name=name),
                        hint=tr("create {name} with requires_grad=True and use it in y = w * x + b before y.backward()",
                                name=name))
        out.append(_number(grad, f"{what}: {name}.grad", tr_marked(GRADS_HINT)))
    return out


@lesson.check("linear_grads", points=1)
def linear_grads_tutorial_values(t: Trial):
    """linear_grads(1, 2, 3) gives the tutorial's (2, 1, 1)."""
    got = _grads(t.sub.call("linear_grads", 1.0, 2.0, 3.0), "linear_grads(1.0, 2.0, 3.0)")
    for name, value, expected, why in zip("xwb", got, (2.0, 1.0, 1.0), ("w", "x", "1")):
        expect.close(value, expected, f"linear_grads(1.0, 2.0, 3.0): {name}.grad",
                     hint=tr("dy/d{name} = {why} for y = w * x + b; return them in the order (x.grad, w.grad, b.grad)",
                             name=name, why=why))


@lesson.check("linear_grads", points=1)
def linear_grads_match_reference(t: Trial):
    """linear_grads on many float triples matches the reference."""
    def one(xwb):
        x, w, b = xwb
        expected = _grads(t.ref.call("linear_grads", x, w, b), tr("the reference"))
        got = _grads(t.sub.call("linear_grads", x, w, b), f"linear_grads({x:.3g}, {w:.3g}, {b:.3g})")
        for name, g, e in zip("xwb", got, expected):
            expect.close(g, e, f"linear_grads({x:.3g}, {w:.3g}, {b:.3g}): {name}.grad",
                         hint=tr("dy/dx = w, dy/dw = x, dy/db = 1; return (x.grad, w.grad, b.grad) in that order"),
                         rtol=1e-5, atol=1e-5)
    strategies.for_all(st.tuples(strategies.floats(), strategies.floats(), strategies.floats()), one,
                       max_examples=10)


# --- fc_step ------------------------------------------------------------------------------------


def _fc_run(t: Trial, handle, weight, bias, x, y, lr: float, calls: int):
    handle.seed(t.seed)
    layer = handle.probe("l08_linear", weight, bias, keep=True)
    results = [handle.call("fc_step", layer, x, y, lr) for _ in range(calls)]
    return results, handle.probe("state_dict", layer)


def _fc_compare(got, expected, what: str, stale_hint: str | None = None) -> None:
    keys_hint = tr('return a dict with "dL_dW", "dL_dB", "loss_before" and "loss_after"')
    expect.is_instance(got, dict, what, hint=keys_hint)
    missing = [k for k in expected if k not in got]
    if missing:
        raise Wrong(tr("{what} has no {keys}", what=what, keys=", ".join(repr(k) for k in missing)), hint=keys_hint)
    tol = dict(rtol=1e-4, atol=1e-5)
    expect.close(got["loss_before"], expected["loss_before"], f"{what}: loss_before",
                 hint=tr("nn.MSELoss() averages the squared errors (mean, not sum); return loss.item()"), **tol)
    grad_hint = stale_hint or tr("read layer.weight.grad and layer.bias.grad right after loss.backward()")
    expect.close(got["dL_dW"], expected["dL_dW"], f"{what}: dL_dW", hint=grad_hint, **tol)
    expect.close(got["dL_dB"], expected["dL_dB"], f"{what}: dL_dB", hint=grad_hint, **tol)
    expect.close(got["loss_after"], expected["loss_after"], f"{what}: loss_after",
                 hint=tr("after optimizer.step(), compute the loss again with the updated layer and return .item()"),
                 **tol)


@lesson.check("fc_step", points=2, per_device=True)
def fc_step_matches_reference(t: Trial):
    """From the same layer and data: same gradients, losses and updated layer as the reference."""
    for n, fin, fout, lr in ((10, 3, 2, 0.01), (int(t.rng.integers(2, 9)), int(t.rng.integers(1, 6)),
                                                int(t.rng.integers(1, 5)), 0.1)):
        weight, bias = t.randn(fout, fin), t.randn(fout)
        x, y = t.randn(n, fin), t.randn(n, fout)
        (expected,), ref_state = _fc_run(t, t.ref, weight, bias, x, y, lr, 1)
        (got,), state = _fc_run(t, t.sub, weight, bias, x, y, lr, 1)
        what = tr("fc_step on a {layer} with {n} samples, lr={lr}", layer=f"Linear({fin}, {fout})", n=n, lr=lr)
        _fc_compare(got, expected, what)
        _same_state(state, ref_state, tr("the layer after {what}", what=what),
                    hint=tr("take one step of torch.optim.SGD(layer.parameters(), lr=learning_rate) so the layer "
                            "you were given is updated in place"), rtol=1e-4, atol=1e-5)


@lesson.check("fc_step", points=1, per_device=True)
def fc_step_starts_from_clean_gradients(t: Trial):
    """Two fc_step calls in a row: the second uses only its own gradients."""
    weight, bias = t.randn(2, 3), t.randn(2)
    x, y = t.randn(8, 3), t.randn(8, 2)
    expected, ref_state = _fc_run(t, t.ref, weight, bias, x, y, 0.05, 2)
    got, state = _fc_run(t, t.sub, weight, bias, x, y, 0.05, 2)
    stale = tr("gradients add up in .grad across backward() calls: call optimizer.zero_grad() "
               "(or layer.zero_grad()) before loss.backward()")
    _fc_compare(got[0], expected[0], tr("the first of two fc_step calls"))
    _fc_compare(got[1], expected[1], tr("the second of two fc_step calls on the same layer"), stale_hint=stale)
    _same_state(state, ref_state, tr("the layer after two fc_step calls"), hint=stale, rtol=1e-4, atol=1e-5)


# --- numpy_roundtrip ----------------------------------------------------------------------------

ROUNDTRIP_HINT = "tensor = torch.from_numpy(a); return tensor, tensor.numpy()"


def _numpy_arrays():
    floats = st.sampled_from([np.float32, np.float64]).flatmap(lambda d: strategies.arrays(dtype=d))
    ints = hnp.arrays(np.int64, strategies.shapes(), elements=st.integers(-1000, 1000))
    return st.one_of(floats, ints)


@lesson.check("numpy_roundtrip", points=1)
def numpy_roundtrip_values(t: Trial):
    """The tensor and the array hold a's values with a's dtype."""
    def one(a):
        got = _pair(t.sub.call("numpy_roundtrip", a.copy()), "numpy_roundtrip(a)", "(tensor, array)", ROUNDTRIP_HINT)
        expected = t.ref.call("numpy_roundtrip", a.copy())
        what = tr("{call} on a {dtype} array of shape {shape}", call="numpy_roundtrip", dtype=a.dtype, shape=a.shape)
        expect.close(got[0], expected[0], tr("{what}: the tensor", what=what),
                     hint=tr("torch.from_numpy(a) keeps the values and the dtype of a"), rtol=0, atol=0)
        expect.close(got[1], expected[1], tr("{what}: the array", what=what),
                     hint=tr("turn the tensor back with tensor.numpy()"), rtol=0, atol=0)
        if got[1].dtype != a.dtype:
            raise Wrong(tr("{what}: the array has the wrong dtype", what=what), str(a.dtype), str(got[1].dtype),
                        tr("tensor.numpy() keeps the dtype"))
    strategies.for_all(_numpy_arrays(), one, max_examples=10)


def _mutation_facts(t: Trial) -> dict:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    source = t.sub.new(a)
    outputs = t.sub.call("numpy_roundtrip", source, keep=True)
    facts = t.sub.probe("l08_array_mutation", source, outputs)
    if facts["types"][:1] != ["Tensor"] or len(facts["types"]) != 2:
        raise Wrong(tr("{call} should return {names}", call="numpy_roundtrip(a)", names="(tensor, array)"),
                    "(Tensor, ndarray)",
                    "(" + ", ".join(facts["types"]) + ")", ROUNDTRIP_HINT)
    return facts


@lesson.check("numpy_roundtrip", points=1)
def numpy_roundtrip_tensor_shares_memory(t: Trial):
    """The tensor shares memory with a: changing a changes the tensor."""
    facts = _mutation_facts(t)
    expect.true(facts["follows_source"][0],
                tr("after a += 1 the tensor still holds the old values: it is a copy of a, not a view"),
                hint=tr("torch.from_numpy(a) shares a's memory; torch.tensor(a) copies it"))


@lesson.check("numpy_roundtrip", points=1)
def numpy_roundtrip_array_shares_memory(t: Trial):
    """The returned array is made from the tensor and shares its memory."""
    facts = _mutation_facts(t)
    if facts["types"][1] != "ndarray":
        raise Wrong(tr("the second item should be a NumPy array"), tr("an ndarray"), facts["types"][1], ROUNDTRIP_HINT)
    expect.true(not facts["is_source"][1], tr("the array returned is a itself, not an array made from the tensor"),
                hint="return tensor.numpy()")
    expect.true(facts["follows_source"][1],
                tr("after a += 1 the returned array still holds the old values: it is a copy"),
                hint=tr("tensor.numpy() shares the tensor's memory; np.array(tensor) and .clone() copy it"))


# --- make_loader / first_batch ------------------------------------------------------------------


def _numbered_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs whose rows carry their index, and labels equal to the index."""
    labels = torch.arange(n)
    inputs = labels.to(torch.float32)[:, None] * torch.tensor([1.0, 10.0, 100.0])
    return inputs, labels


@lesson.check("make_loader", points=1)
def make_loader_settings(t: Trial):
    """A DataLoader over the given dataset, with the given batch size and the right sampler."""
    inputs, labels = _numbered_data(12)
    for batch_size, shuffle in ((4, True), (5, False), (int(t.rng.integers(1, 12)), True)):
        dataset = t.sub.probe("l08_tensor_dataset", inputs, labels, keep=True)
        loader = t.sub.call("make_loader", dataset, batch_size, shuffle, keep=True)
        facts = t.sub.probe("l08_loader_facts", loader, dataset)
        what = f"make_loader(dataset, {batch_size}, {shuffle})"
        if not facts["is_loader"]:
            raise Wrong(tr("{what} should return a DataLoader", what=what), tr("a {type}", type="DataLoader"),
                        tr("a {type}", type=facts["type"]),
                        "return torch.utils.data.DataLoader(dataset=dataset, batch_size=batch_size, shuffle=shuffle)")
        expect.true(facts["same_dataset"], tr("{what}: the loader does not read the dataset it was given", what=what),
                    hint=tr("pass the dataset itself: {code}", code="DataLoader(dataset=dataset, ...)"))
        expect.equal(facts["batch_size"], batch_size, tr("{what}: the loader's batch size", what=what),
                     hint=tr("pass {code}", code="batch_size=batch_size"))
        wanted = "random_sampler" if shuffle else "sequential_sampler"
        expect.true(facts[wanted], tr("{what}: the loader does not shuffle (its sampler is a {sampler})", what=what,
                                      sampler=facts["sampler"]) if shuffle else
                    tr("{what}: the loader should not shuffle (its sampler is a {sampler})", what=what,
                       sampler=facts["sampler"]), hint=tr("pass {code}", code="shuffle=shuffle"))


def _labels_of(epoch: list, what: str) -> tuple[list[int], list[int]]:
    """All labels in order and the batch sizes of one epoch, checking inputs still match labels."""
    seen, sizes = [], []
    for batch in epoch:
        inputs, labels = _pair(batch, tr("{what}: a batch", what=what), "(inputs, labels)",
                               tr("keep the dataset's (input, label) pairs"))
        labels = expect.as_tensor(labels).reshape(-1)
        expect.close(expect.as_tensor(inputs)[:, 0], labels.to(torch.float32),
                     tr("{what}: inputs and labels of a batch", what=what),
                     hint=tr("inputs and labels must stay paired"), check_dtype=False)
        seen += labels.tolist()
        sizes.append(len(labels))
    return seen, sizes


@lesson.check("make_loader", points=2)
def make_loader_order(t: Trial):
    """shuffle=False keeps the dataset's order; shuffle=True gives a new order each epoch."""
    n = 23
    inputs, labels = _numbered_data(n)
    dataset = t.sub.probe("l08_tensor_dataset", inputs, labels, keep=True)
    loader = t.sub.call("make_loader", dataset, 5, False, keep=True)
    (epoch,) = t.sub.probe("l08_epoch", loader)
    order, sizes = _labels_of(epoch, "make_loader(dataset, 5, False)")
    expect.equal(sizes, [5, 5, 5, 5, 3], tr("{what}: batch sizes of one epoch over {n} samples",
                                            what="make_loader(dataset, 5, False)", n=23),
                 hint=tr("batch_size=batch_size, and keep the last, smaller batch"))
    expect.equal(order, list(range(n)), tr("{what}: order of the samples", what="make_loader(dataset, 5, False)"),
                 hint=tr("with shuffle=False the loader must read the dataset in order"))

    t.sub.seed(t.seed)
    dataset = t.sub.probe("l08_tensor_dataset", inputs, labels, keep=True)
    loader = t.sub.call("make_loader", dataset, 4, True, keep=True)
    epochs = t.sub.probe("l08_epoch", loader, 2)
    orders = [_labels_of(epoch, "make_loader(dataset, 4, True)")[0] for epoch in epochs]
    for order in orders:
        expect.equal(sorted(order), list(range(n)), tr("{what}: one epoch should give every sample exactly once",
                                                       what="make_loader(dataset, 4, True)"),
                     hint=tr("keep the defaults apart from batch_size and shuffle"))
    expect.true(orders[0] != list(range(n)), tr("{what} gave the samples in the dataset's order",
                                                what="make_loader(dataset, 4, True)"),
                hint=tr("pass shuffle=shuffle to the DataLoader"))
    expect.true(orders[0] != orders[1], tr("{what} gave the same order in two epochs",
                                           what="make_loader(dataset, 4, True)"),
                hint=tr("let the DataLoader shuffle (shuffle=True) so each epoch draws a new order"))


FIRST_HINT = N_("return next(iter(loader)): iter() starts an epoch, next() takes its first batch")


def _first(handle, inputs, labels, batch_size: int, shuffle: bool, seed: int):
    handle.seed(seed)
    loader = handle.probe("l08_tensor_loader", inputs, labels, batch_size, shuffle, keep=True)
    return _pair(handle.call("first_batch", loader), "first_batch(loader)", "(inputs, labels)", tr_marked(FIRST_HINT))


@lesson.check("first_batch", points=1)
def first_batch_in_order(t: Trial):
    """The first batch of an unshuffled loader is the dataset's first batch_size samples."""
    inputs, labels = t.randn(10, 3), torch.from_numpy(t.rng.integers(0, 5, 10))
    for batch_size in (4, 1):
        got = _first(t.sub, inputs, labels, batch_size, False, t.seed)
        what = tr("first_batch of an unshuffled loader with batch size {batch_size}", batch_size=batch_size)
        expect.close(got[0], TensorSnap(inputs[:batch_size], "cpu", False, True, None),
                     tr("{what}: the input batch", what=what), hint=tr_marked(FIRST_HINT))
        expect.close(got[1], TensorSnap(labels[:batch_size], "cpu", False, True, None),
                     tr("{what}: the label batch", what=what), hint=tr_marked(FIRST_HINT))


@lesson.check("first_batch", points=1)
def first_batch_of_shuffled_loader(t: Trial):
    """The first batch of a shuffling loader, seeded alike, is the reference's."""
    inputs, labels = _numbered_data(20)
    expected = _first(t.ref, inputs, labels, 6, True, t.seed)
    got = _first(t.sub, inputs, labels, 6, True, t.seed)
    what = tr("first_batch of a shuffling loader with batch size {batch_size}", batch_size=6)
    expect.close(got[1], expected[1], tr("{what}: the label batch", what=what),
                 hint=tr("ask the loader for the batch (next(iter(loader))); "
                         "slicing the dataset ignores the shuffling"))
    expect.close(got[0], expected[0], tr("{what}: the input batch", what=what), hint=tr_marked(FIRST_HINT))


# --- CustomDataset ------------------------------------------------------------------------------

GETITEM_HINT = N_("return the pair (image, label): self.images[index] and self.labels[index]")
TRANSFORMS = {"double": lambda x: x * 2, "negate": lambda x: -x, "flip": lambda x: torch.flip(x, dims=(-1,))}


def _item(t: Trial, dataset: Ref, index: int, what: str):
    return _pair(t.sub.method(dataset, "__getitem__", index), what, "(image, label)", tr_marked(GETITEM_HINT))


def _images_labels(t: Trial, n: int):
    return t.randn(n, 1, 4, 5), torch.from_numpy(t.rng.integers(1, 10, n))


@lesson.check("CustomDataset.__getitem__", points=1)
def getitem_returns_image_and_label(t: Trial):
    """dataset[i] is (images[i], labels[i]) without a transform."""
    n = 7
    images, labels = _images_labels(t, n)
    dataset = t.sub.call("CustomDataset", images, labels, keep=True)
    for index in (0, n - 1, int(t.rng.integers(1, n - 1))):
        what = f"dataset[{index}]"
        image, label = _item(t, dataset, index, what)
        expect.close(image, TensorSnap(images[index], "cpu", False, True, None), tr("{what}: the image", what=what),
                     hint=tr_marked(GETITEM_HINT))
        expect.close(_number(label, tr("{what}: the label", what=what), tr_marked(GETITEM_HINT)),
                     float(labels[index]), tr("{what}: the label", what=what), hint=tr_marked(GETITEM_HINT))


@lesson.check("CustomDataset.__getitem__", points=1)
def getitem_applies_transform(t: Trial):
    """With a transform, dataset[i] is (transform(images[i]), labels[i])."""
    n = 6
    images, labels = _images_labels(t, n)
    for name in ("double", "flip"):
        transform = t.sub.probe("l08_named_transform", name, keep=True)
        dataset = t.sub.call("CustomDataset", images, labels, transform=transform, keep=True)
        for index in (0, n - 2):
            what = (tr("{item} with a transform that doubles the image", item=f"dataset[{index}]") if name == "double"
                    else tr("{item} with a transform that flips the image", item=f"dataset[{index}]"))
            image, label = _item(t, dataset, index, what)
            expect.close(image, TensorSnap(TRANSFORMS[name](images[index]), "cpu", False, True, None),
                         tr("{what}: the image", what=what),
                         hint=tr("when self.transform is not None, return self.transform(image) in place of the image"))
            expect.close(_number(label, tr("{what}: the label", what=what), tr_marked(GETITEM_HINT)),
                         float(labels[index]), tr("{what}: the label", what=what),
                         hint=tr("the transform is for the image only; return the label as it is"))


@lesson.check("CustomDataset.__len__", points=1)
def len_counts_samples(t: Trial):
    """len(dataset) is the number of images, and a DataLoader over it counts its batches from it."""
    for n, batch_size in ((1, 1), (7, 3), (int(t.rng.integers(8, 20)), 4)):
        images, labels = _images_labels(t, n)
        dataset = t.sub.call("CustomDataset", images, labels, keep=True)
        got = t.sub.probe("l08_len", dataset)
        expect.equal(got, n, tr("len() of a dataset of {n} images", n=n),
                     hint=tr("return len(self.images); the tutorial's placeholder `return 0` makes the dataset "
                             "look empty") if got == 0 else "return len(self.images)")
        loader = t.sub.probe("l08_loader", dataset, batch_size, False, keep=True)
        expect.equal(t.sub.probe("l08_len", loader), math.ceil(n / batch_size),
                     tr("the number of batches of a {loader} over {n} images",
                        loader=f"DataLoader(batch_size={batch_size})", n=n),
                     hint=tr("the DataLoader takes the number of samples from len(dataset)"))


# --- freeze_and_replace_head --------------------------------------------------------------------

FREEZE_HINT = N_("for param in model.parameters(): param.requires_grad = False; then model.fc = nn.Linear(...)")


def _fine_tuned(t: Trial, num_classes: int):
    """What freeze_and_replace_head makes of a fresh ResNet-18, and its module tree."""
    t.sub.seed(t.seed)
    model = t.sub.probe("l08_resnet18", keep=True)
    out = t.sub.call("freeze_and_replace_head", model, num_classes, keep=True)
    tree = _as_module(t.sub, out, f"freeze_and_replace_head(resnet, {num_classes})",
                      hint=tr("end with {code}", code="`return model`"))
    return out, tree


@lesson.check("freeze_and_replace_head", points=2)
def freeze_keeps_backbone_frozen_and_unchanged(t: Trial):
    """Every parameter outside fc is frozen and keeps its pretrained values."""
    out, tree = _fine_tuned(t, 10)
    changes = t.sub.probe("l08_resnet18_changes", out)
    params = tree["parameters"]
    body = [name for name in changes["parameters"] if not name.startswith("fc.")]
    missing = [name for name in body if name not in params]
    if missing:
        raise Wrong(tr("the returned model lost parameters of the ResNet"), tr("all of them"),
                    tr("{count} missing, e.g. {example}", count=len(missing), example=missing[0]),
                    hint=tr("change the model you were given and return it"))
    trainable = [name for name in body if params[name]["requires_grad"]]
    expect.true(not trainable, tr("{count} of the {total} ResNet parameters outside fc still require grad "
                                  "(e.g. {example})", count=len(trainable), total=len(body),
                                  example=trainable[0] if trainable else ""),
                hint=tr("set requires_grad = False on each parameter: for param in model.parameters(): ...; "
                        "`model.requires_grad = False` only sets an unused attribute"))
    changed = [name for name in body if name in changes["changed"]]
    expect.true(not changed, tr("the values of {count} ResNet parameters changed (e.g. {example})",
                                count=len(changed), example=changed[0] if changed else ""),
                hint=tr("keep the given model's weights: freeze it and swap only model.fc; do not build a new ResNet"))


@lesson.check("freeze_and_replace_head", points=1)
def freeze_new_head_is_trainable(t: Trial):
    """model.fc is a new nn.Linear(512, num_classes) whose parameters require grad."""
    num_classes = int(t.rng.integers(2, 30))
    out, tree = _fine_tuned(t, num_classes)
    expect.equal(tree["children"].get("fc"), "Linear", tr("the type of {what}", what="model.fc"),
                 hint="model.fc = nn.Linear(model.fc.in_features, num_classes)")
    params = tree["parameters"]
    for name, shape in (("fc.weight", [num_classes, 512]), ("fc.bias", [num_classes])):
        if name not in params:
            raise Wrong(tr("the new head has no {name}", name=name),
                        hint="model.fc = nn.Linear(model.fc.in_features, num_classes)")
        expect.equal(params[name]["shape"], shape, tr("the shape of {name} for {count} classes", name=name,
                                                      count=num_classes),
                     hint=tr("{code}: 512 inputs, num_classes outputs",
                             code="model.fc = nn.Linear(model.fc.in_features, num_classes)"))
        expect.true(params[name]["requires_grad"], tr("{name} does not require grad, so the new head cannot learn",
                                                      name=name),
                    hint=tr("freeze first, then replace model.fc: a new layer's parameters require grad"))


@lesson.check("freeze_and_replace_head", points=1)
def freeze_model_forward_shape(t: Trial):
    """The returned model maps a (2, 3, 32, 32) batch to (2, num_classes) scores that can be trained."""
    num_classes = 7
    out, _ = _fine_tuned(t, num_classes)
    # 32 x 32 reaches ResNet-18's last block at 1 x 1; a fresh child paid ~40 ms for 64 x 64, ~14 ms for this
    facts = t.sub.probe("l08_forward_facts", out, [2, 3, 32, 32])
    expect.equal(facts["shape"], [2, num_classes], tr("the output shape for a batch of {n} images", n=2),
                 hint=tr("replace the last layer: {code}",
                         code="model.fc = nn.Linear(model.fc.in_features, num_classes)"))
    expect.true(facts["requires_grad"], tr("the model's output does not require grad: nothing in it can be trained"),
                hint=tr("freeze first, then replace model.fc so that the new head stays trainable"))


# --- saving and loading -------------------------------------------------------------------------


def _net(handle, seed: int) -> Ref:
    handle.seed(seed)
    return handle.probe("l08_small_net", keep=True)


def _path(t: Trial, name: str) -> str:
    return t.sub.probe("scratch_path", f"l08_{name}_{t.seed}.pt")


@lesson.check("save_whole", points=1)
def save_whole_writes_the_model(t: Trial):
    """save_whole writes a file that loads back (whole) as the same model."""
    model, path = _net(t.sub, t.seed), _path(t, "whole")
    t.sub.call("save_whole", model, path)
    if t.sub.probe("read_bytes", path) is None:
        raise Wrong(tr("{call} wrote no file at path", call="save_whole(model, path)"), hint="torch.save(model, path)")
    loaded = t.sub.probe("l08_unpickle", path, keep=True)
    _as_module(t.sub, loaded, tr("what save_whole's file holds"),
               hint=tr("save the model object itself: torch.save(model, path); save_params is the one for the "
                       "state_dict"))
    _same_state(t.sub.probe("state_dict", loaded), t.sub.probe("state_dict", model),
                tr("the state of the model in save_whole's file"), hint="torch.save(model, path)", rtol=0, atol=0)


@lesson.check("load_whole", points=1)
def load_whole_returns_the_model(t: Trial):
    """load_whole reads back a model saved whole, with its parameters and buffers."""
    model, path = _net(t.sub, t.seed), _path(t, "whole_in")
    t.sub.probe("l08_save_whole", model, path)
    try:
        loaded = t.sub.call("load_whole", path, keep=True)
    except StudentException as exc:
        if "weights_only" in exc.message or "Unpickl" in exc.message:
            raise Wrong(tr("load_whole could not read a whole model: torch.load refused to unpickle it"),
                        hint=tr("a whole model is a pickled object: {code}",
                                code="torch.load(path, weights_only=False)")) from None
        raise
    _as_module(t.sub, loaded, "load_whole(path)", hint="return torch.load(path, weights_only=False)")
    _same_state(t.sub.probe("state_dict", loaded), t.sub.probe("state_dict", model),
                tr("the state of the model load_whole returned"), hint="return torch.load(path, weights_only=False)",
                rtol=0, atol=0)


def _saved_params(t: Trial):
    model, path = _net(t.sub, t.seed), _path(t, "params")
    t.sub.call("save_params", model, path)
    data = t.sub.probe("read_bytes", path)
    if data is None:
        raise Wrong(tr("{call} wrote no file at path", call="save_params(model, path)"),
                    hint="torch.save(model.state_dict(), path)")
    try:
        state = torch.load(io.BytesIO(data), weights_only=True)
    except Exception:
        raise Wrong(tr("save_params's file does not load with torch.load(..., weights_only=True): it holds pickled "
                       "objects, not just tensors"),
                    hint=tr("save the parameters only: {code}", code="torch.save(model.state_dict(), path)")) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise Wrong(tr("save_params's file should hold a dict of tensors (a state_dict)"), tr("a dict of tensors"),
                    expect.describe(state), "torch.save(model.state_dict(), path)")
    return model, state


@lesson.check("save_params", points=1)
def save_params_loads_safely(t: Trial):
    """save_params writes a dict of tensors that loads with weights_only=True."""
    _saved_params(t)


@lesson.check("save_params", points=1)
def save_params_holds_the_state_dict(t: Trial):
    """The saved dict is the model's whole state_dict, buffers included."""
    model, state = _saved_params(t)
    expected = t.sub.probe("state_dict", model)
    got = {k: TensorSnap(v, "cpu", False, True, None) for k, v in state.items()}
    _same_state(got, expected, tr("the saved state_dict"),
                hint=tr("save model.state_dict(): it holds the parameters and the buffers "
                        "(like BatchNorm's running statistics)"), rtol=0, atol=0)


def _loaded_params(t: Trial):
    source, target = _net(t.sub, t.seed), _net(t.sub, t.seed + 1)
    path = _path(t, "params_in")
    t.sub.probe("l08_save_state", source, path)
    out = t.sub.call("load_params", target, path, keep=True)
    return source, target, out


@lesson.check("load_params", points=1)
def load_params_returns_loaded_model(t: Trial):
    """load_params returns the model, now holding the saved parameters."""
    source, _, out = _loaded_params(t)
    _as_module(t.sub, out, "load_params(model, path)",
               hint=tr("load the saved state_dict into the model (model.load_state_dict(torch.load(path))), then "
                       "`return model`; load_state_dict itself returns a report of missing keys, not the model"))
    _same_state(t.sub.probe("state_dict", out), t.sub.probe("state_dict", source),
                tr("the state of the model load_params returned"),
                hint="model.load_state_dict(torch.load(path)); return model", rtol=0, atol=0)


@lesson.check("load_params", points=1)
def load_params_loads_into_given_model(t: Trial):
    """The model passed to load_params is the one that receives the parameters."""
    source, target, _ = _loaded_params(t)
    _same_state(t.sub.probe("state_dict", target), t.sub.probe("state_dict", source),
                tr("the state of the model given to load_params"),
                hint=tr("load into the model you were given: {code}", code="model.load_state_dict(torch.load(path))"),
                rtol=0, atol=0)
