"""Scoring is pure: a check's points need every device it ran on to pass; skipped runs do not count."""

from grader.results import (
    CheckResult,
    LessonResult,
    SubmissionResult,
    check_points,
    percent,
    submission_from_dict,
    summarize_todo,
)


def run(status, *, check="lesson03.forward_values", todo="forward", device="cpu", points=2.0, message=""):
    return CheckResult(check, "lesson03", todo, check.split(".")[1], device, points, status, message)


def test_a_check_scores_only_when_every_device_passed():
    assert check_points([run("passed"), run("passed", device="cuda")]) == 2.0
    assert check_points([run("passed"), run("failed", device="cuda")]) == 0.0
    assert check_points([run("passed"), run("skipped", device="cuda")]) == 2.0
    assert check_points([run("skipped")]) == 0.0


def test_lesson_score_counts_each_check_once_across_devices():
    lesson = LessonResult("lesson03", "Backpropagation", (
        run("passed"), run("passed", device="cuda"),
        run("failed", check="lesson03.step", todo="step", points=6.0, message="w did not move"),
        run("passed", check="lesson03.step_grad", todo="step", points=1.0, device=None),
    ))
    assert (lesson.score, lesson.max_score) == (3.0, 9.0)
    todos = lesson.todos()
    assert todos["forward"].status == "passed" and todos["step"].status == "failed"
    assert (todos["step"].score, todos["step"].max_score) == (1.0, 7.0)
    assert todos["step"].messages == ("w did not move",)


def test_todo_status_rules():
    assert summarize_todo("t", [run("not_started"), run("not_started", device="cuda")]).status == "not_started"
    assert summarize_todo("t", [run("passed"), run("error")]).status == "error"
    assert summarize_todo("t", [run("skipped")]).status == "skipped"
    repeated = summarize_todo("t", [run("failed", message="same"), run("failed", device="cuda", message="same")])
    assert repeated.messages == ("same",)


def test_percent():
    assert percent(123, 141) == 87.23 and percent(0, 0) == 0.0


def test_submission_round_trips_through_its_dict():
    lesson = LessonResult("lesson03", "Backpropagation", (run("passed"),), notes=("accuracy 91%",))
    result = SubmissionResult("ada", (lesson,), seed=7, grader_version="x", ignored_files=("a.txt",))
    assert submission_from_dict(result.to_dict()) == result
    assert (result.score, result.max_score) == (2.0, 2.0)


def test_to_dict_is_asdict():
    """`to_dict` is written out for speed; it must give what `dataclasses.asdict` gives, field for field."""
    import json
    from dataclasses import MISSING, asdict, fields

    checks = (CheckResult("lesson08.train_accuracy", "lesson08", "train", "accuracy", "cuda", 3.0, "failed",
                          message="accuracy 0.91 < 0.95", detail="Traceback …", duration=1.25, measured=0.91),
              CheckResult("lesson08.train_accuracy", "lesson08", "train", "accuracy", "cpu", 3.0, "passed",
                          message="ok", detail="-", duration=0.5, measured=0.96),
              CheckResult("lesson08.saves", "lesson08", "save", "saves", None, 1.0, "error", "x", "y", 0.1, 2.0))
    lesson = LessonResult("lesson08", "Toolbox", checks, problem="p", notes=("n1", "n2"), status="late",
                          penalty=0.2, late="2 days late: −20 %", submitted="2024-05-01 (git)",
                          checkpoints=(("model.pt", 0.97), ("best.pt", 0.98)))
    other = LessonResult("lesson01", "Tensors", (run("passed"),))
    result = SubmissionResult("ada", (lesson, other), status="judge error", seed=7, grader_version="0.1.0",
                              ignored_files=("a.txt",), notes=("zygote died",), execution_time=3.5)
    for value in (result, lesson, checks[0]):      # every field set, so a new field is compared too
        for f in fields(value):
            default = f.default if f.default_factory is MISSING else f.default_factory()
            assert getattr(value, f.name) != default, f"{type(value).__name__}.{f.name} left at its default"
    assert (result.score, result.max_score) == (2.0, 6.0)   # cached on the lessons: must not leak into the dict
    assert result.to_dict() == asdict(result)
    assert json.dumps(result.to_dict()) == json.dumps(asdict(result))    # same key order
    assert submission_from_dict(json.loads(json.dumps(result.to_dict()))) == result
