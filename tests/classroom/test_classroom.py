"""`grader classroom`: the result GitHub Classroom's reporter reads, field by field, and the
recorded reference it can grade with when there are no solutions."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import EXERCISES, PROJECT, SOLUTIONS

from grader.checks import load_lesson
from grader.classroom.recorded import (
    AnswerStore,
    NotRecorded,
    RecordedHandle,
    RecordingHandle,
    bind_lesson,
    replayable_hypothesis,
    request_key,
)
from grader.classroom.reporter_result import encode, lesson_result, point_scale
from grader.handle import LocalHandle
from grader.lesson import Lesson
from grader.results import CheckResult
from grader.runner import DEFAULT_SEED, grade_lesson

# ---------------------------------------------------------------- the reporter's format and arithmetic

RESULT_FIELDS = {"version": int, "status": str, "max_score": int, "tests": list}
TEST_FIELDS = {"name": str, "status": str, "score": (int, float), "message": str, "test_code": str,
               "filename": str, "line_no": int, "duration": int}
STATUSES = {"pass", "fail", "error"}


def validate_result(result: dict, *, modified: bool = False) -> None:
    """Field by field, the runner result autograding-grading-reporter reads."""
    assert list(result) == list(RESULT_FIELDS)
    for name, kind in RESULT_FIELDS.items():
        assert type(result[name]) is kind, (name, result[name])
    assert result["version"] == 1
    assert result["status"] in STATUSES
    assert result["max_score"] >= 0 and result["tests"]
    for test in result["tests"]:
        assert list(test) == list(TEST_FIELDS), test
        for name, kind in TEST_FIELDS.items():
            assert isinstance(test[name], kind) and not isinstance(test[name], bool), (name, test)
        assert test["status"] in STATUSES
        # a test's status agrees with its score: the reporter's table and Classroom's points agree
        assert test["score"] == (1 if test["status"] == "pass" else 0), test
        assert test["name"] and test["duration"] >= 0 and test["line_no"] >= 0
        if test["status"] != "pass":
            assert test["message"], test
    statuses = {t["status"] for t in result["tests"]}
    expected = "error" if "error" in statuses else ("pass" if statuses == {"pass"} else "fail")
    assert result["status"] == expected or (result["status"] == "error" and expected == "fail")
    points, table = reporter_numbers([result])
    graded = [t for t in result["tests"] if t["name"] != "grading files modified"]
    assert len(graded) == result["max_score"]
    if not modified:
        assert points == table, (points, table)


def reporter_numbers(results: list[dict]) -> tuple[float, float]:
    """(points sent to Classroom, points in the reporter's table), computed as the reporter does:
    NotifyClassroom sums tests[].score of runners with a max_score; AggregateResults shows
    (tests passed / tests) x max_score per runner."""
    sent = sum(sum(t["score"] for t in r["tests"]) for r in results if r["max_score"])
    table = sum(sum(t["status"] == "pass" for t in r["tests"]) / len(r["tests"]) * (r["max_score"] or 1)
                for r in results if r["max_score"])
    return sent, table


def decode_runner(encoded: str) -> dict:
    return json.loads(base64.b64decode(encoded).decode("utf-8"))


# ---------------------------------------------------------------- the writer


def _results(lesson: Lesson, status_of) -> list[CheckResult]:
    return [CheckResult(c.id, c.lesson, c.todo, c.name, "cpu" if c.per_device else None, c.points,
                        status_of(c), "" if status_of(c) == "passed" else f"{c.name} went wrong", "", 0.0123)
            for c in lesson.checks]


def test_full_marks_one_test_per_point():
    lesson = load_lesson("lesson03")
    result = lesson_result(lesson, _results(lesson, lambda c: "passed"), root=PROJECT)
    validate_result(result)
    assert result["status"] == "pass" and result["max_score"] == 10 == lesson.max_score
    assert sum(t["score"] for t in result["tests"]) == 10
    double = [t["name"] for t in result["tests"] if "point" in t["name"]]
    assert double == ["backprop_step · backprop_step_updates_w_in_place (point 1 of 2)",
                      "backprop_step · backprop_step_updates_w_in_place (point 2 of 2)"]


def test_per_todo_points_and_locations():
    lesson = load_lesson("lesson03")
    results = _results(lesson, lambda c: "passed" if c.todo != "backprop_step" else
                       ("not_started" if c.name.endswith("returns_loss") else "failed"))
    result = lesson_result(lesson, results, root=PROJECT)
    validate_result(result)
    assert result["status"] == "fail"
    assert sum(t["score"] for t in result["tests"]) == 4
    first = result["tests"][0]
    assert first["filename"] == "exercises/lesson03/backprop.py"
    assert first["test_code"] == "pytest exercises/lesson03 -k forward_matches_reference"
    source = (EXERCISES / "lesson03" / "backprop.py").read_text().splitlines()
    assert source[first["line_no"] - 1].startswith("def forward(")
    assert first["duration"] == 12          # milliseconds


def test_fractional_points_are_scaled_to_a_whole_max_score():
    lesson = Lesson("lesson03", "backprop", "t", todos=("forward",))
    lesson.check("forward", points=0.5)(lambda t: None)

    def other(t):
        pass
    lesson.check("forward", points=1.5)(other)
    assert point_scale([0.5, 1.5]) == 2
    result = lesson_result(lesson, _results(lesson, lambda c: "passed" if c.points == 0.5 else "failed"))
    validate_result(result)
    assert result["max_score"] == 4 and sum(t["score"] for t in result["tests"]) == 1


def test_a_stopped_run_keeps_the_points_earned():
    lesson = load_lesson("lesson03")
    done = _results(lesson, lambda c: "passed")[:3]
    result = lesson_result(lesson, done, problem="not finished: stopped at the time limit")
    validate_result(result)
    assert result["status"] == "error" and result["max_score"] == 10
    assert sum(t["score"] for t in result["tests"]) == 3
    assert all(t["message"].startswith("not finished") for t in result["tests"][3:])


def test_modified_files_score_nothing_with_the_reason_and_keep_max_score():
    lesson = load_lesson("lesson03")
    result = lesson_result(lesson, _results(lesson, lambda c: "passed"), modified=["grader/expect.py was changed"],
                           manifest_digest="ab" * 32)
    validate_result(result, modified=True)
    assert result["max_score"] == 10 and result["status"] == "fail"
    assert reporter_numbers([result]) == (0, 0)          # neither Classroom nor the reporter's table counts them
    *checks, last = result["tests"]
    assert last["name"] == "grading files modified" and last["score"] == 0
    assert "grader/expect.py was changed" in last["message"]
    assert all(t["message"].startswith("not counted: the grading files differ from the release") and
               "this check said pass" in t["message"] for t in checks)


def test_base64_form_round_trips():
    lesson = load_lesson("lesson03")
    result = lesson_result(lesson, _results(lesson, lambda c: "passed"))
    assert decode_runner(encode(result)) == result


# ---------------------------------------------------------------- the command, with the live reference


def classroom(root: Path, lesson: str, *args, env=None, timeout=600):
    run = subprocess.run([sys.executable, "-m", "grader", "classroom", lesson, "--root", str(root), *args],
                         cwd=root, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), run.stderr


@pytest.fixture
def student(tmp_path):
    folder = tmp_path / "exercises" / "lesson03"
    folder.mkdir(parents=True)
    return folder / "backprop.py"


def test_solution_full_marks_and_github_output(student, tmp_path):
    student.write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text())
    output = tmp_path / "github_output"
    result, log = classroom(tmp_path, "lesson03", f"--solutions={SOLUTIONS}", "--github-output",
                            env={"GITHUB_OUTPUT": str(output)})
    validate_result(result)
    assert result["status"] == "pass" and sum(t["score"] for t in result["tests"]) == 10
    (line,) = output.read_text().splitlines()
    assert line.startswith("result=") and decode_runner(line.removeprefix("result=")) == result
    assert "10 / 10" in log


def test_stub_scores_zero_without_errors(student, tmp_path):
    student.write_text((EXERCISES / "lesson03" / "backprop.py").read_text())
    result, _ = classroom(tmp_path, "lesson03", f"--solutions={SOLUTIONS}")
    validate_result(result)
    assert result["status"] == "fail" and {t["status"] for t in result["tests"]} == {"fail"}
    assert all("not started" in t["message"] for t in result["tests"])


def test_endless_loop_is_stopped_with_points_so_far(student, tmp_path):
    student.write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text()
                       + "\n\ndef backprop_step(x, y, w, learning_rate):\n    while True:\n        pass\n")
    result, _ = classroom(tmp_path, "lesson03", f"--solutions={SOLUTIONS}", "--timeout=20")
    validate_result(result)
    assert result["status"] == "error" and result["max_score"] == 10
    assert sum(t["score"] for t in result["tests"]) == 4
    assert all("time limit" in t["message"] for t in result["tests"] if t["name"].startswith("backprop_step"))


def test_a_crash_costs_only_its_check(student, tmp_path):
    student.write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text()
                       + "\n\nimport os\n\ndef backprop_step(x, y, w, learning_rate):\n    os._exit(3)\n")
    result, _ = classroom(tmp_path, "lesson03", f"--solutions={SOLUTIONS}")
    validate_result(result)
    by_todo = {}
    for test in result["tests"]:
        by_todo.setdefault(test["name"].split(" · ")[0], set()).add(test["status"])
    # each check that crashes the process is an error on its own; the others are graded
    assert by_todo == {"forward": {"pass"}, "squared_error": {"pass"}, "backprop_step": {"error"}}
    assert sum(t["score"] for t in result["tests"]) == 4
    assert all("exit code 3" in t["message"] for t in result["tests"][4:])


def test_broken_grader_input_is_still_a_result(tmp_path):
    result, _ = classroom(tmp_path, "lesson03", f"--solutions={tmp_path / 'nowhere'}")
    validate_result(result)
    assert result["status"] == "error" and result["max_score"] == 10
    assert "missing" in result["tests"][0]["message"]


# ---------------------------------------------------------------- recording and replaying the reference


def test_request_key_ignores_where_mnist_lives(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name / "MNIST" / "raw").mkdir(parents=True)
    request = lambda root: {"op": "probe", "name": "mnist_train_loader", "keep": True, "payload": [root, 0, 250]}
    assert request_key(request(str(tmp_path / "a")), []) == request_key(request(str(tmp_path / "b")), [])
    assert request_key(request("relative/path"), []) != request_key(request(str(tmp_path / "a")), [])


def _record(lesson_id, submission, store):
    lesson = bind_lesson(load_lesson(lesson_id))
    solution = SOLUTIONS / lesson_id / lesson.filename
    return grade_lesson(lesson, LocalHandle(submission), RecordingHandle(LocalHandle(solution), store),
                        devices=("cpu",), seed=DEFAULT_SEED)


def _replay(lesson_id, submission, store, todos=None):
    lesson = bind_lesson(load_lesson(lesson_id))
    return grade_lesson(lesson, LocalHandle(submission), RecordedHandle(store, "recorded"), devices=("cpu",),
                        seed=DEFAULT_SEED, todos=todos)


def test_recorded_answers_replay_alone_and_after_a_save(tmp_path):
    replayable_hypothesis()
    store = AnswerStore("lesson03", {"seed": DEFAULT_SEED})
    solution, stub = SOLUTIONS / "lesson03" / "backprop.py", EXERCISES / "lesson03" / "backprop.py"
    recorded = _record("lesson03", solution, store)
    _record("lesson03", stub, store)
    assert not store.conflicts and len(store) > 0
    store.save(tmp_path)
    loaded = AnswerStore.load(tmp_path, "lesson03")
    replayed = _replay("lesson03", solution, loaded)
    assert [c.status for c in replayed.checks] == [c.status for c in recorded.checks]
    assert replayed.score == replayed.max_score == 10
    # one TODO alone: Ref ids are numbered per check, so nothing depends on the checks before it
    alone = _replay("lesson03", solution, loaded, todos=["backprop_step"])
    assert alone.score == alone.max_score == 6
    assert _replay("lesson03", stub, loaded).score == 0


def test_an_unrecorded_question_is_a_clear_error_not_a_guess(tmp_path):
    replayable_hypothesis()
    store = AnswerStore("lesson03", {"seed": DEFAULT_SEED})
    _record("lesson03", SOLUTIONS / "lesson03" / "backprop.py", store)
    handle = RecordedHandle(store, "recorded")
    handle.enter_check("lesson03.forward_matches_reference", "cpu", 1)
    with pytest.raises(NotRecorded, match="was not recorded at release"):
        handle.call("forward", torch.ones(2), torch.tensor(3.0))
    lesson = bind_lesson(load_lesson("lesson03"))
    other_seed = grade_lesson(lesson, LocalHandle(SOLUTIONS / "lesson03" / "backprop.py"), handle,
                              devices=("cpu",), seed=DEFAULT_SEED + 1, todos=["forward"])
    statuses = {c.name: c.status for c in other_seed.checks}
    assert statuses["forward_matches_reference"] == "error"     # needs the reference: not recorded
    assert statuses["forward_gradients"] == "passed"            # gradcheck runs live


def test_stateful_calls_replay_in_order_and_pure_ones_repeat():
    store = AnswerStore("x")
    store.add("c", "k", 0, {"value": 1.0}, [])
    store.add("c", "k", 1, {"value": 2.0}, [])
    store.add("c", "p", 0, {"value": 5.0}, [])
    assert store.lookup("c", "k", 1)[0] == {"value": 2.0}
    assert store.lookup("c", "k", 2) is None          # differed by occurrence: no guessing
    assert store.lookup("c", "p", 3)[0] == {"value": 5.0}
    store.add("c", "k", 0, {"value": 9.0}, [])
    assert store.conflicts
