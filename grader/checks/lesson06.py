"""Lesson 6 — feed-forward neural network on MNIST: device choice, a two-layer net, SGD training.

Same isolation as lesson 5 (both use grader/checks/mnist_training.py): test labels stay with the
judge, which scores the submission's predictions on the 10,000 test images itself.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from grader import expect, strategies
from grader.checks.mnist_training import (
    CLASSES,
    PIXELS,
    AccuracySetup,
    check_evaluate_counts,
    check_evaluate_untracked,
    check_losses_and_params,
    check_one_loss_per_step,
    check_saved_state,
    check_trained_accuracy,
    train_both,
)
from grader.codec import Ref
from grader.i18n import N_, tr
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson06", "feedforward", N_("Feed-forward neural network"),
                todos=("get_device", "NeuralNet.__init__", "NeuralNet.forward", "train", "evaluate", "save_model"),
                needs_mnist=True, warm_up=("training", "torchvision"))

# The course's network and optimizer: 500 hidden units, plain SGD, batches of 100. One epoch over
# the first 10,000 training images at lr 0.5 keeps the run short (about 1 s) and still separates:
# at the course's lr 0.001 one epoch learns next to nothing, and at 0.1 a subset cannot tell
# correct training from gradients that pile up.
MLP_SETUP = AccuracySetup("mlp", (PIXELS, 500, CLASSES), num_epochs=1, learning_rate=0.5, train_images=10_000)
# Calibrated with benchmarks/calibrate_mnist.py, CPU (docs/calibration.md, lesson06).
MLP_THRESHOLD = 0.82
# Smaller networks where only the arithmetic matters (parameter comparison, evaluate).
SMALL_MLP = AccuracySetup("mlp", (PIXELS, 32, CLASSES), num_epochs=2, learning_rate=0.01)

STATE_KEYS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")


# ---------------------------------------------------------------- get_device

def _device_name(value) -> str | None:
    if isinstance(value, torch.device):
        return value.type
    if isinstance(value, str):
        return value.split(":")[0]
    return None


def _device_with_cuda(t: Trial, available: bool) -> None:
    got = t.sub.probe("call_with_cuda_forced", "get_device", available)
    expected = "cuda" if available else "cpu"
    name = _device_name(got)
    expect.true(name is not None, tr("get_device returned {what}, not a device", what=expect.describe(got)),
                hint=tr("return {a} or {b}", a='torch.device("cuda")', b='torch.device("cpu")'))
    expect.equal(name, expected, tr("get_device() when torch.cuda.is_available() is {available}", available=available),
                 hint='torch.device("cuda" if torch.cuda.is_available() else "cpu")')


@lesson.check("get_device", points=1)
def get_device_without_gpu_is_cpu(t: Trial):
    """get_device() is cpu when torch.cuda.is_available() says False."""
    _device_with_cuda(t, False)


@lesson.check("get_device", points=1)
def get_device_with_gpu_is_cuda(t: Trial):
    """get_device() is cuda when torch.cuda.is_available() says True (checked with it forced True)."""
    _device_with_cuda(t, True)


# ---------------------------------------------------------------- NeuralNet

def _sizes(t: Trial) -> list[tuple[int, int, int]]:
    return [(PIXELS, 500, CLASSES), (3, 4, 2),
            (int(t.rng.integers(5, 30)), int(t.rng.integers(2, 20)), int(t.rng.integers(2, 12)))]


def _layers(t: Trial, model: Ref, sizes: tuple[int, int, int]) -> None:
    inputs, hidden, outputs = sizes
    tree = t.sub.probe("module_tree", model)
    expect.true(tree["is_module"], tr("NeuralNet(...) is a {type}, not an nn.Module", type=tree["type"]),
                hint=tr("class NeuralNet(nn.Module) and call super().__init__() first"))
    for name in ("fc1", "fc2"):
        kind = tree["children"].get(name)
        expect.true(kind is not None, tr("NeuralNet has no layer attribute `{name}` (its layers: {layers})", name=name,
                                         layers=", ".join(tree["children"]) or tr("none")),
                    hint=tr("assign the layer to self.{name} in __init__", name=name))
        expect.equal(kind, "Linear", tr("the type of {what}", what=f"NeuralNet.{name}"),
                     hint=f"self.{name} = nn.Linear(...)")
    shapes = {name: p["shape"] for name, p in tree["parameters"].items()}
    wanted = {"fc1.weight": [hidden, inputs], "fc1.bias": [hidden],
              "fc2.weight": [outputs, hidden], "fc2.bias": [outputs]}
    expect.equal(shapes, wanted, tr("the parameter shapes of {call}", call=f"NeuralNet({inputs}, {hidden}, {outputs})"),
                 hint=tr("{a} and {b}", a="fc1 = nn.Linear(input_size, hidden_size)",
                         b="fc2 = nn.Linear(hidden_size, num_classes)"))
    frozen = [name for name, p in tree["parameters"].items() if not p["requires_grad"]]
    expect.true(not frozen, tr("the parameters {names} do not require grad", names=frozen),
                hint=tr("leave nn.Linear's parameters as they are"))


@lesson.check("NeuralNet.__init__", points=2)
def neuralnet_has_fc1_and_fc2(t: Trial):
    """NeuralNet(input, hidden, classes) has Linear layers fc1 (input -> hidden) and fc2 (hidden -> classes)."""
    for sizes in _sizes(t):
        model = t.sub.call("NeuralNet", *sizes, keep=True)
        try:
            _layers(t, model, sizes)
        finally:
            t.sub.release(model)


def _same_state_models(t: Trial, sizes, rng: np.random.Generator):
    """A NeuralNet in the reference and one in the submission, on t.device, with the same random weights."""
    inputs, hidden, outputs = sizes

    def randn(*shape):
        return torch.from_numpy(rng.standard_normal(shape)).float().to(t.device)

    state = {"fc1.weight": randn(hidden, inputs) / inputs ** 0.5, "fc1.bias": randn(hidden) * 0.5,
             "fc2.weight": randn(outputs, hidden) / hidden ** 0.5, "fc2.bias": randn(outputs) * 0.5}
    models = []
    for handle in (t.ref, t.sub):
        model = handle.call("NeuralNet", *sizes, keep=True)
        if handle is t.sub:
            _layers(t, model, sizes)
        handle.method(model, "to", t.device)
        handle.probe("load_state_dict", model, state)
        models.append(model)
    return models


@lesson.check("NeuralNet.forward", points=2, per_device=True)
def neuralnet_forward_matches_reference(t: Trial):
    """With the same weights, forward gives the reference's scores, for several sizes and batches."""
    def one(example):
        sizes, batch, seed = example
        rng = np.random.default_rng(seed)  # weights and inputs follow from the example, so replays agree
        ref_model, model = _same_state_models(t, sizes, rng)
        try:
            x = torch.from_numpy(rng.standard_normal((batch, sizes[0]))).float().to(t.device)
            expected, got = t.ref.method(ref_model, "__call__", x), t.sub.method(model, "__call__", x)
        finally:
            t.ref.release(ref_model)
            t.sub.release(model)
        what = tr("{call} for x of shape {shape}", call=f"NeuralNet{sizes}(x)", shape=tuple(x.shape))
        expect.is_tensor(got, what, hint=tr("forward returns the scores of fc2"))
        expect.close(got, expected, what, rtol=1e-4, atol=1e-5,
                     hint=tr("out = fc1(x), then ReLU, then fc2; return fc2's output (no softmax)"))
    examples = st.tuples(
        st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 6)),
        st.integers(1, 5), st.integers(0, 2**31 - 1))
    strategies.for_all(examples, one, max_examples=8)
    one(((PIXELS, 500, CLASSES), 3, t.seed))


@lesson.check("NeuralNet.forward", points=1, per_device=True)
def neuralnet_forward_backpropagates(t: Trial):
    """Gradients flow from the scores back to fc1 and fc2, as in the reference."""
    sizes = (6, 5, 3)
    ref_model, model = _same_state_models(t, sizes, t.rng)
    x, upstream = t.randn(4, sizes[0]), t.randn(4, sizes[2])
    try:
        expected = t.ref.probe("forward_and_grads", ref_model, x, upstream)
        got = t.sub.probe("forward_and_grads", model, x, upstream)
    finally:
        t.ref.release(ref_model)
        t.sub.release(model)
    expect.true(got["requires_grad"] and got["grads"] is not None,
                tr("the scores of forward do not require grad, so nothing can be trained"),
                hint=tr("compute them with the layers and torch operations only: no .detach(), .item(), "
                        ".numpy() or torch.no_grad() inside forward"))
    for name in STATE_KEYS:
        grad = got["grads"].get(name)
        expect.true(grad is not None, tr("no gradient reached {name}", name=name),
                    hint=tr("use both fc1 and fc2 in forward"))
        expect.close(grad, expected["grads"][name], tr("the gradient of {name}", name=name), rtol=1e-4, atol=1e-5,
                     hint=tr("fc1, then ReLU, then fc2; nothing else in between"))


# ---------------------------------------------------------------- train

@lesson.check("train", points=1, per_device=True)
def train_returns_one_loss_per_step(t: Trial):
    """train returns a list with one loss per batch and epoch; the first is the cross-entropy of the start."""
    check_one_loss_per_step(t, SMALL_MLP, learning_rate=0.01)


@lesson.check("train", points=2, per_device=True)
def train_matches_reference_sgd(t: Trial):
    """From the same start and data, every loss and the final weights equal the reference's (SGD, as in the course)."""
    expected, got = train_both(t, SMALL_MLP, 2000, 2600, 100, num_epochs=2, learning_rate=0.05)
    check_losses_and_params(t, expected, got, steps_per_epoch=6, num_epochs=2, learning_rate=0.05,
                            optimizer_hint=N_("torch.optim.SGD"), rtol=1e-4, atol=1e-5)


@lesson.check("train", points=2, per_device=True)
def train_reaches_test_accuracy(t: Trial):
    """One epoch over all 60,000 training images reaches the reference's accuracy on the test set."""
    check_trained_accuracy(t, MLP_SETUP, MLP_THRESHOLD,
                           hint=tr("CrossEntropyLoss on the raw scores, {optimizer} with lr=learning_rate, and "
                                   "zero_grad / backward / step for every batch", optimizer="SGD"))


# ---------------------------------------------------------------- evaluate

@lesson.check("evaluate", points=2, per_device=True)
def evaluate_counts_correct_predictions(t: Trial):
    """evaluate returns correct / total over all batches on `device`, also when the last batch is smaller."""
    check_evaluate_counts(t, SMALL_MLP)


@lesson.check("evaluate", points=1, per_device=True)
def evaluate_builds_no_graph(t: Trial):
    """evaluate runs every forward pass with gradient tracking off (torch.no_grad)."""
    check_evaluate_untracked(t, SMALL_MLP)


# ---------------------------------------------------------------- save_model

@lesson.check("save_model", points=2)
def save_model_writes_state_dict(t: Trial):
    """save_model writes the state_dict; it loads with weights_only=True and holds the model's values."""
    check_saved_state(t, SMALL_MLP, "feedforward.ckpt")
