"""What run_autograder reads besides the code: submission_metadata.json, the upload's layout, the
course file's per-lesson visibility, and which submission counts per lesson under each policy."""

from __future__ import annotations

import json

import pytest

from grader.checks import load_lesson
from grader.gradebook.deadlines import CourseError, load_course
from grader.gradescope.autograde import counted_lessons, gradescope_results, stage
from grader.gradescope.metadata import read_metadata
from grader.judge.intake import lessons_in
from grader.results import CheckResult, LessonResult, SubmissionResult
from grader.runner import planned_runs


def lesson_result(lesson_id: str, passing: int, status: str = "graded") -> LessonResult:
    lesson = load_lesson(lesson_id)
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "passed" if i < passing else "failed")
                   for i, (c, d) in enumerate(planned_runs(lesson, ("cpu",))))
    return LessonResult(lesson.id, lesson.title, checks, status=status)


def metadata_file(tmp_path, created_at: str, previous=()) -> object:
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps({"id": 3, "created_at": created_at, "users": [{"name": "Trần Thị Bình", "id": 1}],
                                "previous_submissions": list(previous)}), encoding="utf-8")
    return read_metadata(path)


def earlier(time: str, lessons: dict) -> dict:
    return {"submission_time": time, "score": 1.0, "results": {"extra_data": {"lessons": lessons}}}


def test_metadata_gives_who_when_and_the_earlier_results(tmp_path):
    meta = metadata_file(tmp_path, "2026-12-02T10:00:00.365935-07:00",
                         [earlier("2026-11-30T09:00:00.1-07:00", {"lesson03": {"score": 4, "status": "graded"}}),
                          {"submission_time": "not a time"}])
    assert meta.student == "Trần Thị Bình"
    assert meta.created_at == "2026-12-02T10:00:00-07:00"
    assert [(e.submitted_at, e.lessons["lesson03"]["score"]) for e in meta.earlier] == [
        ("2026-11-30T09:00:00-07:00", 4)]
    missing = read_metadata(tmp_path / "nowhere.json")
    assert (missing.student, missing.created_at, missing.earlier) == ("submission", None, ())


def test_loose_lesson_files_are_put_in_their_lesson_folder_and_git_is_dropped(tmp_path):
    upload = tmp_path / "submission"
    (upload / ".git").mkdir(parents=True)
    (upload / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (upload / "backprop.py").write_text("# lesson 3\n")
    (upload / "NN_model.ckpt").write_bytes(b"\0")
    (upload / "lesson01.ipynb").write_text("{}")
    (upload / "lesson07").mkdir()
    (upload / "lesson07" / "gradient_descent.py").write_text("# in its folder\n")
    (upload / "gradient_descent.py").write_text("# a loose copy: the folder's wins\n")
    staged = stage(upload, tmp_path / "staged")
    assert not (staged / ".git").exists()
    assert (staged / "lesson03" / "backprop.py").is_file() and (staged / "lesson06" / "NN_model.ckpt").is_file()
    assert (staged / "lesson07" / "gradient_descent.py").read_text() == "# in its folder\n"
    assert set(lessons_in(staged)) == {"lesson01", "lesson03", "lesson06", "lesson07"}


def test_course_visibility_per_lesson_uses_gradescopes_values(tmp_path):
    course = tmp_path / "course.toml"
    course.write_text('[lessons.lesson03]\nvisibility = "after_due_date"\n[lessons.lesson05]\nvisibility = "hidden"\n')
    assert load_course(course).visibility == {"lesson03": "after_due_date", "lesson05": "hidden"}
    course.write_text('[lessons.lesson03]\nvisibility = "later"\n')
    with pytest.raises(CourseError, match="lessons.lesson03.visibility = 'later' must be one of visible, hidden"):
        load_course(course)


@pytest.mark.parametrize("policy, counts", [("latest", "now"), ("best", "earlier"), ("latest-on-time", "earlier")])
def test_which_submission_counts_follows_the_policy(tmp_path, policy, counts):
    lesson = load_lesson("lesson03")
    full = lesson_result("lesson03", 99)
    result = SubmissionResult("submission", (lesson_result("lesson03", 1, status="late"),))
    on_time = earlier("2026-12-01T10:00:00+07:00", {"lesson03": {"score": full.score, "status": "graded"}})
    meta = metadata_file(tmp_path, "2026-12-05T10:00:00+07:00", [on_time])
    chosen = counted_lessons(result, meta, policy)["lesson03"]
    assert chosen.current is (counts == "now")
    results = gradescope_results(result, {"policy": policy}, meta, None)
    expected = result.score if counts == "now" else full.score
    assert results["score"] == expected and full.score > result.score
    assert (f"{lesson.id}: your submission of 2026-12-01T10:00:00+07:00 counts" in results["output"]) is (
        counts == "earlier")
    assert results["extra_data"]["lessons"]["lesson03"] == {"status": "late", "score": result.score}


def test_a_lesson_left_out_of_this_upload_keeps_the_earlier_one(tmp_path):
    result = SubmissionResult("submission", (lesson_result("lesson01", 0, status="missing"),
                                             lesson_result("lesson03", 2)))
    meta = metadata_file(tmp_path, "2026-12-05T10:00:00+07:00",
                         [earlier("2026-12-01T10:00:00+07:00", {"lesson01": {"score": 7.0, "status": "graded"}})])
    results = gradescope_results(result, {}, meta, None)
    assert results["score"] == 7.0 + result.lessons[1].score


def test_earlier_submissions_are_ordered_by_time_not_by_their_text(tmp_path):
    # 20:00 at +07:00 is 13:00 UTC, after 09:00 at +00:00 though its text sorts first
    result = SubmissionResult("submission", (lesson_result("lesson03", 0, status="missing"),))
    meta = metadata_file(tmp_path, "2026-12-02T10:00:00+00:00", [
        earlier("2026-12-01T20:00:00+07:00", {"lesson03": {"score": 2.0, "status": "graded"}}),
        earlier("2026-12-01T09:00:00+00:00", {"lesson03": {"score": 5.0, "status": "graded"}})])
    assert gradescope_results(result, {"policy": "latest"}, meta, None)["score"] == 2.0
