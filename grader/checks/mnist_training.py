"""Training and scoring on MNIST, shared by lessons 5 and 6 and benchmarks/calibrate_mnist.py, so
the accuracy thresholds are calibrated on exactly what the checks run.

Isolation: the submission side only ever sees TRAINING data and test IMAGES. Accuracy on the
10,000 test images is computed here, from the submission's predictions (`predict_test_classes`)
and test labels that never leave the judge.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import weakref
from dataclasses import dataclass
from pathlib import Path

import torch

from grader import data, expect
from grader.codec import Ref, TensorSnap
from grader.handle import Handle, StudentException
from grader.i18n import tr, tr_marked
from grader.lesson import Trial

PIXELS, CLASSES = 28 * 28, 10


@dataclass(frozen=True)
class AccuracySetup:
    """What the accuracy check trains: a grader-built model, the first `train_images` training
    images (shuffled), fixed hyperparameters."""

    kind: str               # "linear" or "mlp" (see grader/probes/mnist.py: new_model)
    sizes: tuple[int, ...]
    num_epochs: int
    learning_rate: float
    batch_size: int = 100
    train_images: int = 60_000


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
                     test_labels: torch.Tensor) -> float:
    """Train a grader-built model with the handle's `train` on the first `setup.train_images`
    training images (shuffled by `seed`), then score its predictions on the test images (which
    the handle's side reads from `root` itself) here, on the judge side."""
    model = new_model(handle, setup.kind, setup.sizes, device, seed)
    loader = handle.probe("mnist_train_loader", str(root), 0, setup.train_images, setup.batch_size, True, seed,
                          keep=True)
    try:
        call_flattening(handle, "train", model, loader, setup.num_epochs, setup.learning_rate, device=device)
        predicted = handle.probe("predict_test_classes", model, str(root))
    finally:
        handle.release(loader)
        handle.release(model)
    predicted = expect.is_tensor(predicted, tr("the predictions of the trained model"))
    return (predicted.value.reshape(-1) == test_labels).double().mean().item()


def check_trained_accuracy(t: Trial, setup: AccuracySetup, threshold: float, hint: str) -> None:
    labels = data.load_mnist_labels(mnist_root(t), "test")
    accuracy = trained_accuracy(t.sub, submission_root(t), setup, t.device, t.seed, labels)
    t.measured = accuracy    # for the leaderboard, passed or not
    expect.true(accuracy >= threshold,
                tr("after {call} on {images:,} training images the model classifies {accuracy:.2%} of the 10,000 "
                   "test images correctly; at least {threshold:.0%} is needed",
                   call=f"train(model, loader, num_epochs={setup.num_epochs}, learning_rate={setup.learning_rate})",
                   images=setup.train_images, accuracy=accuracy, threshold=threshold), hint=hint)


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


def train_from(handle: Handle, t: Trial, setup: AccuracySetup, initial: dict[str, torch.Tensor], start: int,
               stop: int, batch_size: int, num_epochs: int, learning_rate: float):
    """(losses, final state) of the handle's `train` on a grader-built model from `initial`, over
    the unshuffled training images [start, stop)."""
    model = new_model(handle, setup.kind, setup.sizes, t.device, t.seed)
    handle.probe("load_state_dict", model, initial)
    loader = handle.probe("mnist_train_loader", submission_root(t), start, stop, batch_size, False, keep=True)
    try:
        losses = call_flattening(handle, "train", model, loader, num_epochs, learning_rate, device=t.device)
        return losses, state_of(handle, model)
    finally:
        handle.release(loader)
        handle.release(model)


# reference handle -> {what it was asked: (losses, state)}; see reference_training
_REFERENCE_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reference_training(t: Trial, setup: AccuracySetup, initial: dict[str, torch.Tensor], *args):
    """`train_from(t.ref, ...)`, trained once per reference handle (a judge worker's, for the
    batch's seed and checks; pytest's, for the session) and reused by every later submission.

    The answer is a function of the key alone: the reference's code (fixed for its handle), the
    data (the root, the subset, the order: unshuffled), the initial weights (by value), the
    hyperparameters, the device and the thread count (which can move the last bits). The training
    draws no random number (the model's own initialisation runs in a forked generator and is then
    overwritten), so skipping it leaves every generator where it would have been."""
    digest = hashlib.sha256()
    for name, value in sorted(initial.items()):
        digest.update(name.encode() + value.detach().cpu().contiguous().numpy().tobytes())
    key = (setup, submission_root(t), t.device, torch.get_num_threads(), digest.hexdigest(), *args)
    runs = _REFERENCE_RUNS.setdefault(t.ref, {})
    if key not in runs:
        runs[key] = train_from(t.ref, t, setup, initial, *args)
    return copy.deepcopy(runs[key])   # a check may edit what it gets


def train_both(t: Trial, setup: AccuracySetup, start: int, stop: int, batch_size: int, num_epochs: int,
               learning_rate: float):
    """Train the reference and the submission from the same initial state on the same unshuffled
    training subset; returns ((ref_losses, ref_state), (sub_losses, sub_state))."""
    initial = {k: v.to(t.device) for k, v in initial_state(t, setup).items()}
    args = (start, stop, batch_size, num_epochs, learning_rate)
    return reference_training(t, setup, initial, *args), train_from(t.sub, t, setup, initial, *args)


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
    images, labels = data.load_mnist(root, "train", start, start + count)
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


@functools.lru_cache(maxsize=4)
def class_mean_images(root: Path) -> torch.Tensor:
    """Each class's mean image over the last 6,000 training images, normalised: a function of the
    data alone, so computed once per judge process. Read only (callers add to it, into a new tensor)."""
    images, labels = data.load_mnist(root, "train", -6000)
    images = images.reshape(-1, PIXELS)
    weight = torch.stack([images[labels == c].mean(0) for c in range(CLASSES)])
    return weight / weight.norm(dim=1, keepdim=True)


def template_weights(root: Path, t: Trial) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear weights that classify MNIST fairly well (about 80%): class-mean images, a little noise."""
    weight = class_mean_images(root) + 0.01 * torch.from_numpy(t.rng.standard_normal((CLASSES, PIXELS))).float()
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
    first = int(t.rng.integers(0, 50_000))
    ends = [i for i in template_mistakes(root, first, weight, bias) if i >= count - 1]
    return first + ends[0] - (count - 1)


_TEMPLATE_MISTAKES: dict[tuple, tuple[int, ...]] = {}


def template_mistakes(root: Path, first: int, weight: torch.Tensor, bias: torch.Tensor) -> tuple[int, ...]:
    """Which of the 5,000 training images from `first` the template (weight, bias) gets wrong;
    remembered by value (every job of a batch draws the same), so computed once per judge process."""
    digest = hashlib.sha256(weight.numpy().tobytes() + bias.numpy().tobytes()).hexdigest()
    key = (root, first, digest)
    if key not in _TEMPLATE_MISTAKES:
        if len(_TEMPLATE_MISTAKES) > 256:      # a long-lived process that graded many batches
            _TEMPLATE_MISTAKES.clear()
        images, labels = data.load_mnist(root, "train", first, first + 5000)
        window = images.reshape(-1, PIXELS)
        wrong = (torch.nn.functional.linear(window, weight, bias).argmax(1) != labels).nonzero()
        _TEMPLATE_MISTAKES[key] = tuple(int(i) for i in wrong.reshape(-1))
    return _TEMPLATE_MISTAKES[key]


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
                                   code="torch.save(model.state_dict(), path)")) from None
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


