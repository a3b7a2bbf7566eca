"""Lesson 5 — logistic regression on MNIST: loaders, a linear model, training, accuracy, checkpoint.

Isolation: the submission side only ever sees TRAINING data and test IMAGES. Accuracy on the
10,000 test images is computed by the judge (grader/checks/mnist_training.py), from the
submission's predictions and test labels that never leave it. `evaluate` is graded on loaders
over training subsets.
"""

from __future__ import annotations

import torch

from grader import data, expect
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
    mnist_root,
    submission_root,
    train_both,
)
from grader.codec import Ref, TensorSnap
from grader.i18n import N_, tr, tr_marked
from grader.lesson import Lesson, Trial

lesson = Lesson("lesson05", "logistic_regression", N_("Logistic regression on MNIST"),
                todos=("make_loaders", "build_model", "train", "evaluate", "save_model"),
                needs_mnist=True, warm_up=("training", "torchvision"))


# Logistic regression, one epoch of plain SGD over the first 10,000 training images (shuffled) at
# lr 0.5 rather than the original 0.001 over all 60,000: a sixth of the cost, and at 0.5 the reference
# still reaches about 89% while a submission that ignores learning_rate, or puts a softmax before the
# loss, falls far below (docs/calibration.md, lesson05).
LOGREG_SETUP = AccuracySetup("linear", (PIXELS, CLASSES), num_epochs=1, learning_rate=0.5, train_images=10_000)
LOGREG_THRESHOLD = 0.85   # calibrated with benchmarks/calibrate_mnist.py (docs/calibration.md, lesson05)




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
        expected = data.load_mnist_images(root, which, 0, 1)[0]
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
    drawn = (int(t.rng.integers(5, 40)), int(t.rng.integers(2, 12)))
    for input_size, num_classes in ((PIXELS, CLASSES), (3, 2), drawn):
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
    """One epoch over the first 10,000 training images reaches the reference's accuracy on the test set."""
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
