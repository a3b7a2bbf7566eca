"""The gradebook database without the judge: schema and migrations, recording, policies, the views
rewritten from it, two writers at once. Real SQLite files and real processes; lesson results are
built from the lessons' real checks."""

from __future__ import annotations

import csv
import json
import multiprocessing
import sqlite3

import pytest

from grader.checks import load_lesson
from grader.gradebook import db, views
from grader.gradebook.policy import counted
from grader.gradebook.record import Attempt, Student, add_students, latest_fingerprints, load_attempts, record
from grader.results import CheckResult, LessonResult
from grader.runner import planned_runs


def lesson_result(lesson_id: str, passing: int, *, status: str = "graded", problem: str = "",
                  message: str = "wrong") -> LessonResult:
    """The lesson's real checks, the first `passing` of them passed."""
    lesson = load_lesson(lesson_id)
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points,
                               "passed" if i < passing else "failed", "" if i < passing else message)
                   for i, (c, d) in enumerate(planned_runs(lesson, ("cpu",))))
    return LessonResult(lesson.id, lesson.title, checks, problem=problem, status=status)


def attempt(student: str, lesson_id: str, passing: int, fingerprint: str = "f", **kw) -> Attempt:
    result = lesson_result(lesson_id, passing, status=kw.pop("status", "graded"))
    if "penalty" in kw:
        import dataclasses
        result = dataclasses.replace(result, penalty=kw.pop("penalty"))
    return Attempt(student, result, fingerprint, seed=123456, settings={"lang": "en"}, **kw)


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


# --- schema ----------------------------------------------------------------------------------------
def test_a_new_database_is_at_the_latest_version_in_wal_mode(tmp_path):
    conn = db.connect(tmp_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.schema_version() >= 2
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_version_1_database_is_migrated_never_discarded(tmp_path):
    """A gradebook written by the first schema (built here from 001_initial.sql alone, by hand)
    opens with the current code: its attempts are kept and the new columns appear."""
    path = tmp_path / "grades.sqlite"
    old = sqlite3.connect(path)
    old.executescript((db.MIGRATIONS / "001_initial.sql").read_text())
    old.execute("PRAGMA user_version = 1")
    old.execute("INSERT INTO students (name, added_at) VALUES ('ada', '2026-11-01T00:00:00+00:00')")
    old.execute("INSERT INTO attempts (id, student, lesson, title, status, fingerprint, graded_at, seed,"
                " grader_version, settings) VALUES (1, 'ada', 'lesson03', 'Backpropagation', 'graded', 'abc',"
                " '2026-11-01T00:00:00+00:00', 99, '0.0.9', '{}')")
    old.execute("INSERT INTO checks (attempt, position, check_id, todo, name, device, max_points, status)"
                " VALUES (1, 0, 'lesson03.forward_values', 'forward', 'forward_values', NULL, 1, 'passed')")
    old.commit()
    old.close()

    conn = db.connect(tmp_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.schema_version()
    [kept] = load_attempts(conn)
    assert (kept.student, kept.result.lesson, kept.seed, kept.grader_version) == ("ada", "lesson03", 99, "0.0.9")
    assert kept.result.raw_score == 1 and kept.result.penalty == 0 and kept.due is None
    conn.close()
    book = views.rewrite(tmp_path)
    assert [r.student for r in book.results] == ["ada"]


def test_a_database_from_a_newer_grader_is_refused(tmp_path):
    conn = db.connect(tmp_path)
    conn.execute(f"PRAGMA user_version = {db.schema_version() + 1}")
    conn.close()
    with pytest.raises(db.GradebookError, match="newer than this grader"):
        db.connect(tmp_path)


# --- attempts and policies ---------------------------------------------------------------------------
def test_every_attempt_is_kept_and_the_policy_picks_one(tmp_path):
    conn = db.connect(tmp_path)
    record(conn, [attempt("ada", "lesson03", 3, "one", late_seconds=0)])
    record(conn, [attempt("ada", "lesson03", 5, "two", late_seconds=0)])
    record(conn, [attempt("ada", "lesson03", 1, "three", late_seconds=3600, penalty=0.1)])
    attempts = load_attempts(conn, "ada")
    assert [a.result.raw_score for a in attempts] == [
        sum(c.max_points for c in lesson_result("lesson03", n).checks if c.status == "passed") for n in (3, 5, 1)]
    assert counted(attempts, "latest").id == attempts[2].id
    assert counted(attempts, "best").id == attempts[1].id
    assert counted(attempts, "latest-on-time").id == attempts[1].id
    assert latest_fingerprints(conn) == {("ada", "lesson03"): "three"}
    record(conn, [attempt("ada", "lesson03", 0, "four", status="missing")])   # next week's export lacks it
    assert counted(load_attempts(conn, "ada"), "latest").id == attempts[2].id
    conn.close()


# --- the views -------------------------------------------------------------------------------------------
def test_the_views_hold_every_student_and_lesson_ever_graded(tmp_path):
    conn = db.connect(tmp_path)
    record(conn, [attempt("ada", "lesson03", 4), attempt("linus", "lesson03", 0)])   # week 1: lesson 3
    record(conn, [attempt("ada", "lesson07", 2)])                                       # week 2: lesson 7
    record(conn, [attempt("zoe", "lesson03", 4)])                                       # a late student, alone
    add_students(conn, [Student("mai", section="sec2")])                                # on the roster only
    conn.close()
    views.rewrite(tmp_path)
    rows = read_csv(tmp_path / "gradebook.csv")
    assert sorted(rows) == ["ada", "linus", "mai", "zoe"]
    assert rows["ada"]["lesson03 status"] == rows["ada"]["lesson07 status"] == "graded"
    assert rows["linus"]["lesson07 status"] == "missing" and rows["linus"]["lesson07"] == "0"
    assert rows["mai"]["lesson03 status"] == rows["mai"]["lesson07 status"] == "missing"
    assert rows["mai"]["section"] == "sec2"
    for student in rows:
        assert (tmp_path / student / "feedback.md").is_file() and (tmp_path / student / "results.json").is_file()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["submissions"] == 4 and summary["lesson_statuses"]["missing"] == 4   # linus, zoe: 7; mai: both
    assert "ada" in (tmp_path / "report.html").read_text()


def test_the_seed_reaches_no_view(tmp_path):
    conn = db.connect(tmp_path)
    record(conn, [Attempt("ada", lesson_result("lesson03", 2), "f", seed=918273645, settings={})])
    conn.close()
    views.rewrite(tmp_path)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "grades.sqlite":
            assert "918273645" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_the_gradebook_opens_in_a_spreadsheet(tmp_path):
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese as it is); no cell is a formula."""
    conn = db.connect(tmp_path)
    record(conn, [attempt("Nguyễn Thị Ánh", "lesson03", 1), attempt('=HYPERLINK("http://x","y")', "lesson03", 1),
                  attempt("+cmd", "lesson03", 0), attempt("@sum", "lesson03", 0)])
    conn.close()
    views.rewrite(tmp_path)
    raw = (tmp_path / "gradebook.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Nguyễn Thị Ánh".encode() in raw
    students = sorted(read_csv(tmp_path / "gradebook.csv"))
    assert "'=HYPERLINK(\"http://x\",\"y\")" in students and "'+cmd" in students and "'@sum" in students
    assert not any(s.startswith(("=", "+", "-", "@")) for s in students)


def test_late_work_shows_points_before_the_penalty_and_the_reason(tmp_path):
    conn = db.connect(tmp_path)
    late = attempt("ada", "lesson03", 99, penalty=0.3, status="late", late_seconds=2 * 86400 + 3 * 3600 + 60,
                   submitted_at="2026-12-04T03:00:00+07:00", submitted_from="git", due="2026-12-01T23:59:00+07:00")
    record(conn, [late])
    conn.close()
    views.rewrite(tmp_path)
    row = read_csv(tmp_path / "gradebook.csv")["ada"]
    assert row["lesson03 before penalty"] == "10" and row["lesson03 penalty"] == "30%" and row["lesson03"] == "7"
    assert row["lesson03 status"] == "late" and row["lesson03 submitted"] == "2026-12-04T03:00:00+07:00 (git)"
    assert "submitted 2 days 3 hours late: −30 %" in (tmp_path / "ada" / "feedback.md").read_text()
    assert json.loads((tmp_path / "ada" / "results.json").read_text())["score"] == 7


def test_gradescope_numbers_restart_per_lesson(tmp_path):
    conn = db.connect(tmp_path)
    record(conn, [attempt("ada", "lesson07", 1), attempt("ada", "lesson03", 1)])
    conn.close()
    views.rewrite(tmp_path)
    numbers = [t["number"] for t in json.loads((tmp_path / "ada" / "results.json").read_text())["tests"]]
    three = [n for n in numbers if n.startswith("3.")]
    seven = [n for n in numbers if n.startswith("7.")]
    assert three[:2] == ["3.1", "3.2"] and seven[:2] == ["7.1", "7.2"] and len(three) + len(seven) == len(numbers)


def test_a_lesson_level_problem_is_said_once(tmp_path):
    problem = "backprop.py could not be imported: SyntaxError. Fix this first."
    conn = db.connect(tmp_path)
    result = lesson_result("lesson03", 0, status="not importable", problem=problem, message=problem)
    record(conn, [Attempt("ada", result, "f", seed=1, settings={})])
    conn.close()
    views.rewrite(tmp_path)
    assert (tmp_path / "ada" / "feedback.md").read_text().count("could not be imported") == 1
    gradescope = json.loads((tmp_path / "ada" / "results.json").read_text())
    assert json.dumps(gradescope).count("could not be imported") == 1
    assert "not importable" in gradescope["output"]
    report = (tmp_path / "report.html").read_text()
    assert "could not be graded at all" in report and "could not be imported" in report


# --- two runs at once ---------------------------------------------------------------------------------------
def _a_run(folder, students, lesson_id):
    conn = db.connect(folder)
    for student in students:
        record(conn, [attempt(student, lesson_id, 2)])
    conn.close()
    views.rewrite(folder, report=False)


def test_two_runs_at_once_both_land(tmp_path):
    context = multiprocessing.get_context("spawn")
    runs = [context.Process(target=_a_run, args=(tmp_path, [f"{prefix}{i}" for i in range(15)], lesson))
            for prefix, lesson in (("a", "lesson03"), ("b", "lesson07"))]
    for run in runs:
        run.start()
    for run in runs:
        run.join(120)
        assert run.exitcode == 0
    rows = read_csv(tmp_path / "gradebook.csv")
    assert len(rows) == 30 and rows["a0"]["lesson03 status"] == "graded" and rows["b0"]["lesson07 status"] == "graded"


def test_every_setting_that_can_change_points_makes_a_rerun_grade_again(tmp_path):
    import dataclasses

    from grader.judge.fingerprint import job_fingerprint, settings_of
    from grader.judge.jobs import GradeOptions, Job
    source = tmp_path / "backprop.py"
    source.write_text("x = 1\n")
    job = Job("ada", "lesson03", source)
    base = GradeOptions(out=tmp_path, lessons=("lesson03",), seed=5)
    variants = [base, dataclasses.replace(base, call_timeout=1.0), dataclasses.replace(base, lesson_timeout=9.0),
                dataclasses.replace(base, device="cpu"), dataclasses.replace(base, lang="vi"),
                dataclasses.replace(base, memory_mb=512)]
    prints = {job_fingerprint(job, settings_of(v, "checks"), v.seed) for v in variants}
    prints |= {job_fingerprint(job, settings_of(base, "checks", course_digest="c"), base.seed),
               job_fingerprint(job, settings_of(base, "other checks"), base.seed),
               job_fingerprint(job, settings_of(base, "checks"), 6)}
    assert len(prints) == len(variants) + 3
    assert job_fingerprint(job, settings_of(base, "checks"), 5) in prints      # and nothing else does


def test_a_folder_graded_before_the_database_keeps_its_students(tmp_path):
    """DIR/<student>/result.json files from the previous version are adopted once, as attempts."""
    from grader.gradebook.legacy import adopt_result_files
    from grader.results import SubmissionResult
    old = SubmissionResult("ada", (lesson_result("lesson03", 2),), seed=20261127, grader_version="0.0.9")
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "result.json").write_text(json.dumps({"fingerprint": "f" * 64, "result": old.to_dict()}))
    conn = db.connect(tmp_path)
    assert adopt_result_files(tmp_path, conn) == 1 and adopt_result_files(tmp_path, conn) == 0
    conn.close()
    views.rewrite(tmp_path)
    row = read_csv(tmp_path / "gradebook.csv")["ada"]
    assert row["lesson03"] == f"{old.score:g}" and row["lesson03 status"] == "graded"
    assert "fingerprint" not in json.loads((tmp_path / "ada" / "result.json").read_text())
