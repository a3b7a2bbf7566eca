"""The MNIST lessons in the real judge: the zygote preloads what a submission may read (uint8),
the confined child predicts the test images it reads itself, the judge scores them with labels
that never leave it; a correct submission keeps full marks and a mistake still loses its points."""

import pytest
from catalogue import variants
from conftest import SOLUTIONS

from grader import data
from grader.checks import load_lesson
from grader.judge import intake
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions

pytestmark = pytest.mark.slow


def test_a_judge_batch_of_lesson05_keeps_every_verdict(tmp_path):
    lesson = load_lesson("lesson05")
    solution = SOLUTIONS / "lesson05" / lesson.filename
    mistake = next(v for v in variants("lesson05") if v.name == "mistake_softmax_before_loss")
    for student, source in (("ada", solution.read_text()),
                            ("grace", mistake.build(solution, tmp_path / "built").read_text())):
        target = tmp_path / "class" / student / "exercises" / "lesson05" / lesson.filename
        target.parent.mkdir(parents=True)
        target.write_text(source)
    options = GradeOptions(out=tmp_path / "out", lessons=("lesson05",), jobs=2, progress=False, seed=20261127,
                           device="cpu", data_root=data.data_root())
    report = grade_batch(intake.find_submissions([tmp_path / "class"]), options)
    results = {r.student: r.lessons[0] for r in report.graded}
    assert results["ada"].score == results["ada"].max_score > 0, [c.message for c in results["ada"].checks]
    accuracy = next(c for c in results["grace"].checks if c.name == "train_reaches_test_accuracy")
    assert accuracy.status == "failed" and "test images correctly" in accuracy.message, accuracy
    assert mistake.expect in results["grace"].todos()["train"].messages[0]
