"""The MNIST leaderboard from the gradebook: what the judge measured, kept in grades.sqlite, comes
out as leaderboard.csv (pseudonyms unless asked), a report.html section and Gradescope's
`leaderboard` in each student's results.json."""

from __future__ import annotations

import csv
import dataclasses
import json

from grader.checks import load_lesson
from grader.gradebook import db, views
from grader.gradebook.record import Attempt, load_attempts, record
from grader.gradebook.seed import folder_seed
from grader.results import CheckResult, LessonResult, submission_from_dict
from grader.runner import planned_runs

ACCURACY_CHECK = "lesson05.train_reaches_test_accuracy"


def mnist_lesson(accuracy: float | None, checkpoints=()) -> LessonResult:
    """Lesson 5's real checks, all passed, its training check having measured `accuracy`."""
    lesson = load_lesson("lesson05")
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "passed",
                               measured=accuracy if c.id == ACCURACY_CHECK else None)
                   for c, d in planned_runs(lesson, ("cpu",)))
    return LessonResult(lesson.id, lesson.title, checks, checkpoints=tuple(checkpoints))


def graded_folder(tmp_path):
    folder = tmp_path / "graded"
    folder_seed(folder)
    conn = db.connect(folder)
    record(conn, [Attempt("Nguyễn Văn An", mnist_lesson(0.9012, [("logistic_regression_model.ckpt", 0.9233)]),
                          "f", 1, {}),
                  Attempt("grace", mnist_lesson(0.9187), "f", 1, {}),
                  Attempt("linus", mnist_lesson(None), "f", 1, {})])
    conn.close()
    return folder


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_accuracies_survive_the_database(tmp_path):
    folder = graded_folder(tmp_path)
    conn = db.connect(folder)
    stored = {a.student: a.result for a in load_attempts(conn)}
    conn.close()
    assert stored["Nguyễn Văn An"].trained_accuracy == 0.9012
    assert stored["Nguyễn Văn An"].checkpoints == (("logistic_regression_model.ckpt", 0.9233),)
    assert stored["linus"].trained_accuracy is None and stored["linus"].checkpoints == ()
    lesson = stored["Nguyễn Văn An"]
    assert dataclasses.replace(lesson) == lesson


def test_leaderboard_csv_ranks_each_model_with_stable_pseudonyms_by_default(tmp_path):
    folder = graded_folder(tmp_path)
    views.rewrite(folder)
    rows = read_csv(folder / "leaderboard.csv")
    trained = [r for r in rows if r["model"] == "trained model"]
    assert [(r["rank"], r["accuracy"]) for r in trained] == [("1", "91.87"), ("2", "90.12")]
    assert [(r["model"], r["accuracy"]) for r in rows if r["model"] != "trained model"] == [
        ("logistic_regression_model.ckpt", "92.33")]
    text = (folder / "leaderboard.csv").read_text(encoding="utf-8")
    assert "grace" not in text and "Nguyễn" not in text and "linus" not in text
    assert all(r["student"].startswith("student-") for r in rows)
    views.rewrite(folder)
    assert read_csv(folder / "leaderboard.csv") == rows          # the same pseudonyms next time
    views.rewrite(folder, leaderboard_names=True)
    assert [r["student"] for r in read_csv(folder / "leaderboard.csv") if r["model"] == "trained model"] == [
        "grace", "Nguyễn Văn An"]


def test_report_and_gradescope_results_carry_the_leaderboard(tmp_path):
    folder = graded_folder(tmp_path)
    views.rewrite(folder)
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="leaderboard">'):]
    trained = section[section.index("lesson05 · trained model"):]
    assert trained.index("grace") < trained.index("91.87%") < trained.index("Nguyễn Văn An") < trained.index("90.12%")
    assert "lesson05 · logistic_regression_model.ckpt" in section and "92.33%" in section
    results = json.loads((folder / "Nguyễn Văn An" / "results.json").read_text(encoding="utf-8"))
    assert results["leaderboard"] == [
        {"name": "lesson05 trained model accuracy (%)", "value": 90.12, "order": "desc"},
        {"name": "lesson05 logistic_regression_model.ckpt accuracy (%)", "value": 92.33, "order": "desc"}]
    assert "leaderboard" not in json.loads((folder / "linus" / "results.json").read_text(encoding="utf-8"))
    stored = json.loads((folder / "grace" / "result.json").read_text(encoding="utf-8"))["result"]
    assert submission_from_dict(stored).lessons[0].trained_accuracy == 0.9187


def test_no_mnist_lesson_no_leaderboard(tmp_path):
    folder = tmp_path / "graded"
    conn = db.connect(folder)
    lesson = load_lesson("lesson03")
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "passed")
                   for c, d in planned_runs(lesson, ("cpu",)))
    record(conn, [Attempt("ada", LessonResult("lesson03", lesson.title, checks), "f", 1, {})])
    conn.close()
    views.rewrite(folder)
    assert not (folder / "leaderboard.csv").exists()
    assert 'id="leaderboard"' not in (folder / "report.html").read_text(encoding="utf-8")
