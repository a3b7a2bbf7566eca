"""The reference's side of the MNIST training comparisons is trained once per reference handle
(`mnist_training.reference_training`) and changes nothing: every catalogued submission gets the
same points and message from a reference that trained for it as from one that trained for the
first submission only."""

import pytest
from catalogue import variants
from conftest import EXERCISES, SOLUTIONS

from grader.checks import load_lesson
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
