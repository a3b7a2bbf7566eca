"""What the MNIST checks compute once and reuse changes nothing: the reference's side of the
training comparisons, trained once per reference handle (`mnist_training.reference_training`),
gives every catalogued submission the same points and message as a reference that trained for it;
the judge's templates for `evaluate` are the same remembered as computed afresh."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from catalogue import variants
from conftest import EXERCISES, SOLUTIONS

from grader import data
from grader.checks import load_lesson, mnist_training
from grader.checks.mnist_training import _REFERENCE_RUNS
from grader.handle import LocalHandle
from grader.runner import DEFAULT_SEED, run_check

COMPARISONS = ("train_returns_one_loss_per_step", "train_matches_reference_sgd")


@pytest.mark.parametrize("lesson_id", ["lesson05", "lesson06"])
def test_a_reference_trained_once_grades_like_one_trained_every_time(lesson_id, mnist_root, tmp_path):
    lesson = load_lesson(lesson_id)
    solution = SOLUTIONS / lesson_id / lesson.filename
    checks = [c for c in lesson.checks if c.name in COMPARISONS]
    built = [("reference", solution), ("stub", EXERCISES / lesson_id / lesson.filename)] + [
        (v.name, v.build(solution, tmp_path / v.name)) for v in variants(lesson_id) if v.correct or "train" in v.loses]
    shared = LocalHandle(solution)

    def outcomes(path, reference):
        results = [run_check(check, LocalHandle(path), reference, device="cpu", seed=DEFAULT_SEED,
                             data_root=mnist_root) for check in checks]
        return [(r.name, r.status, r.message) for r in results]

    for name, path in built:
        fresh = LocalHandle(solution)
        assert outcomes(path, shared) == outcomes(path, fresh), name
        assert len(_REFERENCE_RUNS[fresh]) == len(checks)
    assert len(built) > 4 and len(_REFERENCE_RUNS[shared]) == len(checks), "the shared reference trained again"


def test_the_evaluate_templates_remembered_are_those_computed_afresh(mnist_root):
    def drawn(seed):
        t = SimpleNamespace(rng=np.random.default_rng(seed))
        weight, bias = mnist_training.template_weights(mnist_root, t)
        return weight, bias, mnist_training.subset_ending_in_a_mistake(mnist_root, t, weight, bias, 1001)

    for seed in (3, 4):
        remembered = drawn(seed), drawn(seed)                # the second one from memory
        mnist_training.class_mean_images.cache_clear()
        mnist_training._TEMPLATE_MISTAKES.clear()
        fresh = drawn(seed)
        for got in remembered:
            assert torch.equal(got[0], fresh[0]) and torch.equal(got[1], fresh[1]) and got[2] == fresh[2]
        weight, bias, start = fresh
        images, labels = data.load_mnist(mnist_root, "train", start, start + 1001)
        predicted = torch.nn.functional.linear(images.reshape(-1, 784), weight, bias).argmax(1)
        assert predicted[-1] != labels[-1]                   # the subset ends in the template's mistake
