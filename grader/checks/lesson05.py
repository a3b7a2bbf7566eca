"""Lesson 5 — logistic regression on MNIST: loaders, a linear model, training, accuracy, checkpoint.

Isolation: the submission side only ever sees TRAINING data and test IMAGES. Accuracy on the
10,000 test images is computed here, from the submission's predictions (`predict_classes`) and
test labels that never leave the judge. `evaluate` is graded on loaders over training subsets.

The helpers below (`trained_accuracy`, `train_both`, ...) are shared with lesson 6 and with
benchmarks/calibrate_mnist.py, so the thresholds are calibrated on exactly what the checks run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import torch

from grader import data, expect
from grader.codec import Ref, TensorSnap
from grader.handle import Handle, StudentException
from grader.i18n import N_, tr, tr_marked
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson05", "logistic_regression", N_("Logistic regression on MNIST"),
                todos=("make_loaders", "build_model", "train", "evaluate", "save_model"),
                needs_mnist=True)

PIXELS, CLASSES = 28 * 28, 10


@dataclass(frozen=True)
class AccuracySetup:
    """What the accuracy check trains: a grader-built model, the full training set, fixed hyperparameters."""

    kind: str               # "linear" or "mlp" (see grader/probes/mnist.py: new_model)
    sizes: tuple[int, ...]
    num_epochs: int
    learning_rate: float
    batch_size: int = 100


# Logistic regression, one epoch of plain SGD. lr 0.1 rather than the original 0.001: one epoch
# at 0.001 only reaches about 70%, and a submission that ignores learning_rate must not pass.
LOGREG_SETUP = AccuracySetup("linear", (PIXELS, CLASSES), num_epochs=1, learning_rate=0.1)
# Calibrated with benchmarks/calibrate_mnist.py over 11 seeds, CPU (docs/calibration.md, lesson05):
# reference min 90.17%, mean 90.29%, max 90.52%, std 0.11%; threshold = min - 2.17 points (20 std).
LOGREG_THRESHOLD = 0.88


# ---------------------------------------------------------------- shared helpers (lessons 5 and 6)

def mnist_root(t: Trial) -> Path:
    """The MNIST root of this run, as the judge reads it (test labels included)."""
    return Path(t.data_root).resolve() if t.data_root is not None else data.data_root()


def submission_root(t: Trial) -> str:
    """The MNIST root a submission may read: in the batch judge, a view without the test labels."""
    return str(t.submission_data_root) if t.submission_data_root is not None else str(mnist_root(t))


def to_float(value):
    """A loss as a Python float: numbers as they are, one-element tensors by value; None otherwise."""
    if isinstance(value, TensorSnap) and value.value.numel() == 1:
        return float(value.value.reshape(()).item())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def as_loss_list(losses, what: str) -> list[float]:
    if not isinstance(losses, (list, tuple)):
        raise expect.Wrong(tr("{what} should be a list of the losses", what=what), tr("a list of floats"),
                           expect.describe(losses), tr("append loss.item() after every step and return the list"))
    values = [to_float(v) for v in losses]
    if any(v is None for v in values):
        bad = next(v for v, f in zip(losses, values) if f is None)
        raise expect.Wrong(tr("{what} should hold one number per step", what=what), tr("Python floats"),
                           expect.describe(bad), tr("append loss.item() (a Python float) after every step"))
    return values


def new_model(handle: Handle, setup_kind: str, sizes, device: str, seed: int) -> Ref:
    return handle.probe("new_model", setup_kind, list(sizes), device, seed, keep=True)


def state_of(handle: Handle, model: Ref) -> dict[str, torch.Tensor]:
    return {k: v.value for k, v in handle.probe("state_dict", model).items()}


def call_flattening(handle: Handle, name: str, *args, **kwargs):
    """handle.call(name, ...), with a hint for the most common crash: images left unflattened."""
    try:
        return handle.call(name, *args, **kwargs)
    except StudentException as exc:
        if "shapes cannot be multiplied" in exc.message:
            raise expect.Wrong(exc.message[:1].upper() + exc.message[1:],
                               hint=tr("the images arrive as (batch, 1, 28, 28); flatten them first with "
                                       "images.reshape(-1, 28 * 28)")) from None
        raise


def trained_accuracy(handle: Handle, root: Path, setup: AccuracySetup, device: str, seed: int,
                     test_images: torch.Tensor, test_labels: torch.Tensor) -> float:
    """Train a grader-built model with the handle's `train` on all 60,000 training images
    (shuffled by `seed`), then score its predictions on the test images here, on the judge side."""
    model = new_model(handle, setup.kind, setup.sizes, device, seed)
    loader = handle.probe("mnist_train_loader", str(root), 0, 60_000, setup.batch_size, True, seed, keep=True)
    try:
        call_flattening(handle, "train", model, loader, setup.num_epochs, setup.learning_rate, device=device)
        predicted = handle.probe("predict_classes", model, test_images)
    finally:
        handle.release(loader)
        handle.release(model)
    predicted = expect.is_tensor(predicted, tr("the predictions of the trained model"))
    return (predicted.value.reshape(-1) == test_labels).double().mean().item()


def check_trained_accuracy(t: Trial, setup: AccuracySetup, threshold: float, hint: str) -> None:
    root = mnist_root(t)
    images, labels = data.load_mnist_images(root, "test"), data.load_mnist_labels(root, "test")
    accuracy = trained_accuracy(t.sub, submission_root(t), setup, t.device, t.seed, images, labels)
    expect.true(accuracy >= threshold,
                tr("after {call} on the 60,000 training images the model classifies {accuracy:.2%} of the 10,000 "
                   "test images correctly; at least {threshold:.0%} is needed",
                   call=f"train(model, loader, num_epochs={setup.num_epochs}, learning_rate={setup.learning_rate})",
                   accuracy=accuracy, threshold=threshold), hint=hint)


def initial_state(t: Trial, setup: AccuracySetup) -> dict[str, torch.Tensor]:
    """Starting weights for the grader-built model of `setup`, drawn here from the trial's NumPy
    generator (so they do not depend on either side's torch version), like PyTorch's default
    initialisation: uniform in +-1/sqrt(fan_in)."""
    if setup.kind == "linear":
        layers = {"": setup.sizes}
    else:
        inputs, hidden, outputs = setup.sizes
        layers = {"0.": (inputs, hidden), "2.": (hidden, outputs)}
    state = {}
    for prefix, (fan_in, fan_out) in layers.items():
        bound = 1.0 / fan_in ** 0.5
        state[prefix + "weight"] = torch.from_numpy(t.rng.uniform(-bound, bound, (fan_out, fan_in))).float()
        state[prefix + "bias"] = torch.from_numpy(t.rng.uniform(-bound, bound, fan_out)).float()
    return state


def train_both(t: Trial, setup: AccuracySetup, start: int, stop: int, batch_size: int, num_epochs: int,
               learning_rate: float):
    """Train the reference and the submission from the same initial state on the same unshuffled
    training subset; returns ((ref_losses, ref_state), (sub_losses, sub_state))."""
    root = submission_root(t)
    initial = {k: v.to(t.device) for k, v in initial_state(t, setup).items()}
    outcomes = []
    for handle in (t.ref, t.sub):
        model = new_model(handle, setup.kind, setup.sizes, t.device, t.seed)
        handle.probe("load_state_dict", model, initial)
        loader = handle.probe("mnist_train_loader", root, start, stop, batch_size, False, keep=True)
        try:
            losses = call_flattening(handle, "train", model, loader, num_epochs, learning_rate, device=t.device)
            outcomes.append((losses, state_of(handle, model)))
        finally:
            handle.release(loader)
            handle.release(model)
    return outcomes[0], outcomes[1]


def check_one_loss_per_step(t: Trial, setup: AccuracySetup, learning_rate: float) -> None:
    """train over 5 batches for 2 epochs returns 10 losses, the first equal to the reference's."""
    expected, got = train_both(t, setup, 0, 250, 50, num_epochs=2, learning_rate=learning_rate)
    ref_losses = as_loss_list(expected[0], tr("the reference's losses"))
    losses = as_loss_list(got[0], tr("the value train returns"))
    expect.true(len(losses) == len(ref_losses),
                tr("{call} on a loader of {batches} batches returned {count} losses; expected {expected}, one per step",
                   call="train(num_epochs=2)", batches=5, count=len(losses), expected=10),
                hint=tr("loop over range(num_epochs), and inside over the loader; append loss.item() after each step"))
    expect.close(losses[0], ref_losses[0], tr("the loss of the first step"), rtol=1e-4, atol=1e-5,
                 hint=tr("flatten the images with images.reshape(-1, 28 * 28) and use nn.CrossEntropyLoss()"
                         "(outputs, labels) on the raw scores (no softmax first)"))


def check_losses_and_params(t: Trial, expected, got, *, steps_per_epoch: int, num_epochs: int,
                            learning_rate: float, optimizer_hint: str, rtol: float, atol: float) -> None:
    (ref_losses, ref_state), (losses, state) = expected, got
    losses = as_loss_list(losses, tr("the value train returns"))
    ref_losses = as_loss_list(ref_losses, tr("the reference's losses"))
    expect.true(len(losses) == len(ref_losses),
                tr("{call} on a loader of {batches} batches returned {count} losses; expected {expected}, one per step",
                   call=f"train(num_epochs={num_epochs})", batches=steps_per_epoch, count=len(losses),
                   expected=len(ref_losses)),
                hint=tr("loop over range(num_epochs), and inside over the loader; append one loss per batch"))
    expect.close(losses[0], ref_losses[0], tr("the loss of the first step"), rtol=1e-4, atol=1e-5,
                 hint=tr("flatten the images with images.reshape(-1, 28 * 28) and use nn.CrossEntropyLoss()"
                         "(outputs, labels) on the raw scores (no softmax first)"))
    for step, (value, expected_value) in enumerate(zip(losses, ref_losses), start=1):
        expect.close(value, expected_value, tr("the loss at step {step} of {steps}", step=step, steps=len(ref_losses)),
                     rtol=rtol, atol=atol,
                     hint=tr("the first step is right, so look at the update: {optimizer} with "
                             "lr=learning_rate ({lr} here), and optimizer.zero_grad() every step so "
                             "gradients do not pile up", optimizer=tr_marked(optimizer_hint), lr=learning_rate))
    for name, value in ref_state.items():
        expect.close(state.get(name), value, tr("the parameter {name} after training", name=name), rtol=rtol, atol=atol,
                     hint=tr("{optimizer}(model.parameters(), lr=learning_rate), then zero_grad, backward and step "
                             "for every batch", optimizer=tr_marked(optimizer_hint)))


def check_evaluate(t: Trial, setup: AccuracySetup, state: dict[str, torch.Tensor], start: int, count: int,
                   batch_size: int) -> None:
    """evaluate() on a loader over training images [start, start + count) equals the accuracy the
    judge computes from the same model's predictions on those images."""
    root = mnist_root(t)
    images, labels = data.load_mnist(root, "train")
    images, labels = images[start:start + count], labels[start:start + count]
    model = new_model(t.sub, setup.kind, setup.sizes, t.device, t.seed)
    loader = t.sub.probe("mnist_train_loader", submission_root(t), start, start + count, batch_size, False, keep=True)
    try:
        t.sub.probe("load_state_dict", model, {k: v.to(t.device) for k, v in state.items()})
        predicted = t.sub.probe("predict_classes", model, images)
        got = call_flattening(t.sub, "evaluate", model, loader, device=t.device)
    finally:
        t.sub.release(loader)
        t.sub.release(model)
    expected = (expect.is_tensor(predicted, tr("predictions")).value.reshape(-1) == labels).double().mean().item()
    what = tr("evaluate on a loader of {count} images in batches of {batch_size}", count=count, batch_size=batch_size)
    value = to_float(got)
    if value is None:
        raise expect.Wrong(tr("{what} should return the accuracy as a number", what=what), tr("a float in [0, 1]"),
                           expect.describe(got), tr("return correct / total as a Python float"))
    expect.true(0.0 <= value <= 1.0, tr("{what} returned {value:.4g}, which is not a fraction in [0, 1]", what=what,
                                        value=value),
                hint=tr("return correct / total, not a percentage"))
    # a little slack: a near-tie may round differently in another batch size on a GPU
    expect.close(value, expected, what, rtol=0, atol=1.5 / count,
                 hint=tr("count (predicted == labels) over ALL batches and divide by the number of images "
                         "(the last batch is smaller); predicted = outputs.argmax(dim=1), along the class axis"))


def template_weights(root: Path, t: Trial) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear weights that classify MNIST fairly well (about 80%): class-mean images, a little noise."""
    images, labels = data.load_mnist(root, "train")
    images, labels = images[-6000:].reshape(-1, PIXELS), labels[-6000:]
    weight = torch.stack([images[labels == c].mean(0) for c in range(CLASSES)])
    weight = weight / weight.norm(dim=1, keepdim=True) + 0.01 * torch.from_numpy(
        t.rng.standard_normal(weight.shape)).float()
    bias = 0.01 * torch.from_numpy(t.rng.standard_normal(CLASSES)).float()
    return weight, bias


def template_state(weight: torch.Tensor, bias: torch.Tensor, setup: AccuracySetup) -> dict[str, torch.Tensor]:
    """The template classifier as a state_dict of the grader-built model of `setup`."""
    if setup.kind == "linear":
        return {"weight": weight, "bias": bias}
    inputs, hidden, outputs = setup.sizes
    # an MLP that computes the same scores: 10 hidden units hold them (shifted to stay positive
    # through the ReLU), the output layer copies them back
    fc1_w, fc1_b = torch.zeros(hidden, inputs), torch.zeros(hidden)
    fc1_w[:CLASSES], fc1_b[:CLASSES] = weight, bias + 1.0
    fc2_w, fc2_b = torch.zeros(outputs, hidden), torch.full((outputs,), -1.0)
    fc2_w[:, :CLASSES] = torch.eye(CLASSES)
    return {"0.weight": fc1_w, "0.bias": fc1_b, "2.weight": fc2_w, "2.bias": fc2_b}


def subset_ending_in_a_mistake(root: Path, t: Trial, weight, bias, count: int) -> int:
    """A start index whose last image (of `count`) the template gets wrong, so that averaging
    per-batch accuracies or dividing by len(loader) * batch_size gives a clearly different number."""
    images, labels = data.load_mnist(root, "train")
    first = int(t.rng.integers(0, 50_000))
    window = images[first:first + 5000].reshape(-1, PIXELS)
    wrong = (torch.nn.functional.linear(window, weight, bias).argmax(1) != labels[first:first + 5000]).nonzero()
    ends = [int(i) for i in wrong.reshape(-1) if int(i) >= count - 1]
    return first + ends[0] - (count - 1)


def check_evaluate_counts(t: Trial, setup: AccuracySetup) -> None:
    root = mnist_root(t)
    weight, bias = template_weights(root, t)
    state = template_state(weight, bias, setup)
    for count, batch_size in ((1001, 100), (7, 3)):
        start = subset_ending_in_a_mistake(root, t, weight, bias, count)
        check_evaluate(t, setup, state, start, count, batch_size)


def check_evaluate_untracked(t: Trial, setup: AccuracySetup) -> None:
    root = submission_root(t)
    model = new_model(t.sub, setup.kind, setup.sizes, t.device, t.seed)
    loader = t.sub.probe("mnist_train_loader", root, 0, 300, 100, False, keep=True)
    try:
        facts = t.sub.probe("call_watching_grad_mode", "evaluate", model, loader, device=t.device)
    finally:
        t.sub.release(loader)
        t.sub.release(model)
    modes = facts["grad_modes"]
    expect.true(len(modes) > 0, tr("evaluate never called the model"),
                hint=tr("compute outputs = model(images) for every batch"))
    expect.true(not any(modes), tr("evaluate ran {tracked} of its {count} forward passes with gradient "
                                   "tracking on, so every batch built an autograd graph", tracked=sum(modes),
                                   count=len(modes)),
                hint=tr("wrap the loop in `with torch.no_grad():`"))
    expect.true(facts["grad_enabled_after"], tr("after evaluate, gradient tracking was still switched off"),
                hint=tr("use `with torch.no_grad():` so tracking comes back on when the block ends"))


def check_saved_state(t: Trial, setup: AccuracySetup, filename: str) -> None:
    """save_model writes a state_dict that loads with weights_only=True and holds the model's values."""
    model = new_model(t.sub, setup.kind, setup.sizes, "cpu", t.seed)
    try:
        state = {k: v for k, v in state_of(t.sub, model).items()}
        path = t.sub.probe("scratch_path", f"{t.seed}-{filename}")
        t.sub.call("save_model", model, path)
        raw = t.sub.probe("read_bytes", path)
    finally:
        t.sub.release(model)
    expect.true(raw is not None, tr("save_model wrote no file at the path it was given"),
                hint="torch.save(model.state_dict(), path)")
    try:
        saved = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except Exception as exc:
        raise expect.Wrong(tr("the saved file does not load with torch.load(path, weights_only=True) ({error})",
                              error=type(exc).__name__),
                           hint=tr("save model.state_dict(), not the model object: {code}",
                                   code="torch.save(model.state_dict(), path)"))
    expect.true(isinstance(saved, dict), tr("the saved file holds {what}, not a state_dict",
                                            what=expect.describe(saved)),
                hint="torch.save(model.state_dict(), path)")
    expect.equal(sorted(saved), sorted(state), tr("the keys of the saved state_dict"),
                 hint=tr("save the whole model's state_dict: {code}", code="torch.save(model.state_dict(), path)"))
    for name, value in state.items():
        expect.true(isinstance(saved[name], torch.Tensor), tr("the saved {name} is {what}, not a tensor", name=name,
                                                              what=expect.describe(saved[name])),
                    hint="torch.save(model.state_dict(), path)")
        expect.close(saved[name], value, tr("the saved {name}", name=name), check_device=False,
                     hint=tr("save the model's own state_dict after training, not a fresh or modified copy"))


# ---------------------------------------------------------------- make_loaders

WHICH = {"train": N_("train"), "test": N_("test")}


def _which(which: str) -> str:
    """"train" or "test", in the active language."""
    return tr_marked(WHICH[which])


def _pair_facts(t: Trial, batch_size: int):
    root = mnist_root(t)
    data.ensure_extracted(root)
    pair = t.sub.call("make_loaders", submission_root(t), batch_size)
    expect.true(isinstance(pair, (tuple, list)) and len(pair) == 2,
                tr("make_loaders returned {what}, not a pair (train_loader, test_loader)",
                   what=expect.describe(pair)),
                hint="return train_loader, test_loader")
    facts = []
    for which, loader in zip(("train", "test"), pair):
        f = t.sub.probe("loader_facts", loader) if isinstance(loader, Ref) else {
            "is_loader": False, "type": type(loader).__name__}
        expect.true(f["is_loader"], tr("the {which} loader is a {type}, not a DataLoader", which=_which(which),
                                       type=f["type"]),
                    hint=tr("wrap each data set in {code}",
                            code="torch.utils.data.DataLoader(dataset, batch_size=..., shuffle=...)"))
        facts.append(f)
        t.sub.release(loader)
    return root, facts


@lesson.check("make_loaders", points=2)
def make_loaders_serves_mnist_with_to_tensor(t: Trial):
    """Both loaders serve torchvision's MNIST (train: 60,000 images, test: 10,000) as ToTensor images."""
    root, facts = _pair_facts(t, 100)
    for which, f, size in (("train", facts[0], 60_000), ("test", facts[1], 10_000)):
        expect.equal(f["dataset_type"], "MNIST", tr("the data set behind the {which} loader", which=_which(which)),
                     hint=tr("use {code}",
                             code="torchvision.datasets.MNIST(root=root, train=..., transform=transforms.ToTensor())"))
        expect.equal(f["dataset_len"], size, tr("the number of images in the {which} data set", which=_which(which)),
                     hint=tr("the {which} loader needs {code}", which=_which(which),
                             code=f"MNIST(..., train={which == 'train'})"))
        image = f["first_item"]["image"]
        expect.true(isinstance(image, TensorSnap),
                    tr("the {which} data set gives {image} items, not tensors", which=_which(which), image=image),
                    hint=tr("pass transform=transforms.ToTensor() so every PIL image becomes a tensor"))
        expected = data.load_mnist_images(root, which)[0]
        expect.close(image.value, expected, tr("the first image of the {which} data set", which=_which(which)),
                     atol=1e-6,
                     hint=tr("ToTensor alone turns pixels 0-255 into floats in [0, 1] of shape (1, 28, 28); "
                             "do not normalise further"))
        images, labels = f["first_batch"]["images"], f["first_batch"]["labels"]
        expect.equal(images, ([100, 1, 28, 28], "torch.float32"),
                     tr("the first {which} batch's images (shape, dtype)", which=_which(which)),
                     hint=tr("batches of ToTensor images have shape (batch_size, 1, 28, 28)"))
        expect.equal(labels, ([100], "torch.int64"), tr("the first {which} batch's labels (shape, dtype)",
                                                         which=_which(which)))


@lesson.check("make_loaders", points=1)
def make_loaders_shuffles_training_only(t: Trial):
    """The training loader shuffles (RandomSampler); the test loader keeps its order."""
    _, (train, test) = _pair_facts(t, 100)
    expect.true(train["random_sampler"], tr("the training loader reads the data in a fixed order "
                                            "(its sampler is a {sampler})", sampler=train["sampler"]),
                hint="DataLoader(train_dataset, ..., shuffle=True)")
    expect.true(test["sequential_sampler"], tr("the test loader does not keep the data set's order "
                                               "(its sampler is a {sampler})", sampler=test["sampler"]),
                hint="DataLoader(test_dataset, ..., shuffle=False)")


@lesson.check("make_loaders", points=1)
def make_loaders_uses_batch_size(t: Trial):
    """Both loaders use the batch_size they were given and keep the last, smaller batch."""
    batch_size = int(t.rng.choice([32, 64, 128]))
    _, facts = _pair_facts(t, batch_size)
    for which, f in zip(("train", "test"), facts):
        expect.equal(f["batch_size"], batch_size, tr("the {which} loader's batch size with batch_size={batch_size}",
                                                     which=_which(which), batch_size=batch_size),
                     hint="DataLoader(dataset, batch_size=batch_size, ...)")
        expect.equal(f["first_batch"]["images"][0][0], batch_size,
                     tr("the size of the first {which} batch", which=_which(which)))
        expect.true(not f["drop_last"], tr("the {which} loader drops the last batch", which=_which(which)),
                    hint=tr("leave drop_last at False, so every image is used"))


# ---------------------------------------------------------------- build_model

def _linear_parameters(t: Trial, model: Ref, input_size: int, num_classes: int) -> dict:
    tree = t.sub.probe("module_tree", model)
    expect.true(tree["is_module"], tr("build_model returned a {type}, not an nn.Module", type=tree["type"]),
                hint="return nn.Linear(input_size, num_classes)")
    shapes = {name: p["shape"] for name, p in tree["parameters"].items()}
    wanted = sorted([[num_classes, input_size], [num_classes]])
    expect.equal(sorted(shapes.values()), wanted,
                 tr("the parameter shapes of {call}", call=f"build_model({input_size}, {num_classes})"),
                 hint=tr("one linear layer: a weight of shape (num_classes, input_size) and a bias of (num_classes,)"))
    frozen = [name for name, p in tree["parameters"].items() if not p["requires_grad"]]
    expect.true(not frozen, tr("the parameters {names} do not require grad, so they cannot be trained", names=frozen),
                hint=tr("nn.Linear's parameters require grad already; leave them as they are"))
    return shapes


@lesson.check("build_model", points=1)
def build_model_has_linear_parameters(t: Trial):
    """build_model(input_size, num_classes) has one weight (num_classes, input_size) and one bias."""
    for input_size, num_classes in ((PIXELS, CLASSES), (3, 2), (int(t.rng.integers(5, 40)), int(t.rng.integers(2, 12)))):
        model = t.sub.call("build_model", input_size, num_classes, keep=True)
        try:
            _linear_parameters(t, model, input_size, num_classes)
        finally:
            t.sub.release(model)


@lesson.check("build_model", points=2, per_device=True)
def build_model_computes_scores(t: Trial):
    """With given weights, the model maps a batch of flattened images to x @ W.T + b."""
    for input_size, num_classes, batch in ((PIXELS, CLASSES, 5), (7, 3, 1), (4, 6, 9)):
        model = t.sub.call("build_model", input_size, num_classes, keep=True)
        try:
            shapes = _linear_parameters(t, model, input_size, num_classes)
            weight, bias = t.randn(num_classes, input_size), t.randn(num_classes)
            state = {name: (weight if len(shape) == 2 else bias) for name, shape in shapes.items()}
            t.sub.method(model, "to", t.device)
            t.sub.probe("load_state_dict", model, state)
            x = t.randn(batch, input_size)
            got = t.sub.method(model, "__call__", x)
        finally:
            t.sub.release(model)
        what = tr("the scores of {call} for a batch of {batch}", call=f"build_model({input_size}, {num_classes})",
                  batch=batch)
        got = expect.is_tensor(got, what)
        expected = torch.nn.functional.linear(x, weight, bias).cpu()
        expect.equal(got.device, str(x.device), tr("the device of {what}", what=what))
        expect.close(got.value, expected, what, rtol=1e-4, atol=1e-5,
                     hint=tr("a single nn.Linear(input_size, num_classes): scores = x @ W.T + b"))


# ---------------------------------------------------------------- train

@lesson.check("train", points=1, per_device=True)
def train_returns_one_loss_per_step(t: Trial):
    """train returns a list with one loss per batch and epoch; the first is the cross-entropy of the start."""
    check_one_loss_per_step(t, LOGREG_SETUP, learning_rate=0.05)


@lesson.check("train", points=2, per_device=True)
def train_matches_reference_sgd(t: Trial):
    """From the same start and data, every loss and the final weights equal the reference's (SGD)."""
    expected, got = train_both(t, LOGREG_SETUP, 1000, 1600, 100, num_epochs=2, learning_rate=0.05)
    check_losses_and_params(t, expected, got, steps_per_epoch=6, num_epochs=2, learning_rate=0.05,
                            optimizer_hint=N_("torch.optim.SGD"), rtol=1e-4, atol=1e-5)


@lesson.check("train", points=2, per_device=True)
def train_reaches_test_accuracy(t: Trial):
    """One epoch over all 60,000 training images reaches the reference's accuracy on the test set."""
    check_trained_accuracy(t, LOGREG_SETUP, LOGREG_THRESHOLD,
                           hint=tr("CrossEntropyLoss on the raw scores, {optimizer} with lr=learning_rate, and "
                                   "zero_grad / backward / step for every batch", optimizer="SGD"))


# ---------------------------------------------------------------- evaluate

@lesson.check("evaluate", points=2, per_device=True)
def evaluate_counts_correct_predictions(t: Trial):
    """evaluate returns correct / total over all batches, also when the last batch is smaller."""
    check_evaluate_counts(t, LOGREG_SETUP)


@lesson.check("evaluate", points=1, per_device=True)
def evaluate_builds_no_graph(t: Trial):
    """evaluate runs every forward pass with gradient tracking off (torch.no_grad)."""
    check_evaluate_untracked(t, LOGREG_SETUP)


# ---------------------------------------------------------------- save_model

@lesson.check("save_model", points=2)
def save_model_writes_state_dict(t: Trial):
    """save_model writes the state_dict; it loads with weights_only=True and holds the model's values."""
    check_saved_state(t, LOGREG_SETUP, "model.ckpt")
