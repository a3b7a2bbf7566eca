"""The files instructors and students read, rewritten from the database after every run:
DIR/gradebook.csv, DIR/summary.json, DIR/report.html and, per student, DIR/<student>/results.json
(Gradescope), feedback.md and result.json (what `grader report` reads). They cover every student
and lesson ever graded into DIR, the counted attempt of each (`policy.py`), and students on the
roster with nothing handed in. The seed is never written into any of them: it stays in the database.

Two runs finishing at once take turns (an exclusive lock on DIR/.grades.lock) and each reads the
database afresh inside the lock, so the last rewrite holds every attempt either run recorded.
"""

from __future__ import annotations

import fcntl
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from grader.checks import load_lesson
from grader.gradebook.db import connect, get_meta
from grader.gradebook.deadlines import late_text
from grader.gradebook.policy import counted_attempts
from grader.gradebook.record import StoredAttempt, load_attempts, with_result
from grader.gradebook.seed import KEY as SEED_KEY
from grader.i18n import tr
from grader.results import CheckResult, LessonResult, SubmissionResult
from grader.runner import planned_runs
from grader.writers.atomic import write_atomic
from grader.writers.feedback import feedback_markdown
from grader.writers.gradebook import gradebook_csv, summary
from grader.writers.gradescope import results_json
from grader.writers.leaderboard import entries, leaderboard_csv
from grader.writers.report import report_html

LOCK = ".grades.lock"


@contextmanager
def views_lock(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Gradebook:
    results: list[SubmissionResult]        # one per student, lessons sorted
    lessons: list[str]                     # every lesson graded into the folder
    counted: dict[tuple[str, str], StoredAttempt]
    sections: dict[str, str]


def missing_lesson(lesson_id: str) -> LessonResult:
    """A lesson nothing was handed in for: every check at zero, said once."""
    lesson = load_lesson(lesson_id)
    message = tr("No {filename} or {notebook} was submitted for {lesson}.", filename=lesson.filename,
                 notebook=f"{lesson.id}.ipynb", lesson=lesson.id)
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "failed", message)
                   for c, d in planned_runs(lesson, ("cpu",)))
    return LessonResult(lesson.id, lesson.title, checks, problem=message, status="missing")


def build(conn, policy: str = "latest") -> Gradebook:
    attempts = load_attempts(conn)
    counted = counted_attempts(attempts, policy)
    students = {row["name"]: row["section"] for row in conn.execute("SELECT name, section FROM students")}
    lessons = sorted({lesson for _, lesson in counted})
    results = []
    for student in sorted(students):
        parts, seconds, ignored, version = [], 0.0, [], ""
        for lesson in lessons:
            attempt = counted.get((student, lesson))
            if attempt is None:
                parts.append(missing_lesson(lesson))
                continue
            if attempt.late_seconds > 0:
                attempt = with_result(attempt, late=late_text(attempt.late_seconds, attempt.result.penalty))
            if attempt.due and attempt.submitted_at:
                attempt = with_result(attempt, submitted=f"{attempt.submitted_at} ({attempt.submitted_from})")
            parts.append(attempt.result)
            seconds += attempt.seconds
            ignored += [f for f in attempt.ignored_files if f not in ignored]
            version = max(version, attempt.grader_version)
        status = "judge error" if any(p.status == "judge error" for p in parts) else "graded"
        results.append(SubmissionResult(student, tuple(parts), status=status, seed=0, grader_version=version,
                                        ignored_files=tuple(ignored), execution_time=seconds))
    return Gradebook(results, lessons, counted, students)


def rewrite(folder: Path, *, policy: str = "latest", report: bool = True, leaderboard_names: bool = False) -> Gradebook:
    """Rewrite every view of `folder`'s database; returns what was written. leaderboard.csv (when an
    MNIST model was measured) names students by pseudonyms unless `leaderboard_names`."""
    folder = Path(folder)
    with views_lock(folder):
        conn = connect(folder)
        try:
            book = build(conn, policy)
            last_run = json.loads(get_meta(conn, "last_run") or "{}")
            secret = get_meta(conn, SEED_KEY) or ""
        finally:
            conn.close()
        links = {}
        for result in book.results:
            target = folder / result.student
            write_atomic(target / "results.json", json.dumps(results_json(result), indent=2))
            write_atomic(target / "feedback.md", feedback_markdown(result))
            write_atomic(target / "result.json", json.dumps({"policy": policy, "result": result.to_dict()}))
            links[result.student] = quote(result.student, safe="") + "/feedback.md"
        write_atomic(folder / "gradebook.csv", gradebook_csv(book.results, book.lessons, sections=book.sections))
        everything = dict(summary(book.results, timings=last_run.get("timings", {})), policy=policy,
                          skipped=last_run.get("skipped", []), protections=last_run.get("protections", []))
        write_atomic(folder / "summary.json", json.dumps(everything, indent=2))
        if any(entries(result) for result in book.results):
            write_atomic(folder / "leaderboard.csv",
                         leaderboard_csv(book.results, secret=secret, names=leaderboard_names))
        if report and book.results:
            write_atomic(folder / "report.html", report_html(book.results, everything, feedback_links=links))
    return book
