"""Every setting of `grader grade` checked before anything is graded: a bad one stops the run
with one line (exit 2) instead of zeros, a traceback after the grading, or results written
where they would be graded next time."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from grader.checks import parse_lessons
from grader.gradebook.deadlines import CourseError, load_course
from grader.gradebook.roster import RosterError, load_roster


class PreflightError(ValueError):
    """One line saying which setting is wrong and how to fix it."""


@dataclass(frozen=True)
class Checked:
    lessons: tuple[str, ...]
    notes: tuple[str, ...] = ()     # said before grading (e.g. a lesson given twice, graded once)
    course: object = None
    roster: object = None


def check_lessons(spec: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if spec is not None and not spec.strip(" ,"):
        raise PreflightError("--lessons is empty: name lessons like 3,7 (or leave it out for all eight)")
    try:
        lessons = parse_lessons(spec)
    except ValueError as exc:
        raise PreflightError(str(exc)) from None
    unique = tuple(dict.fromkeys(lessons))
    twice = sorted({lesson for lesson in lessons if lessons.count(lesson) > 1})
    notes = (f"--lessons names {', '.join(twice)} more than once: each is graded once",) if twice else ()
    return unique, notes


def check_out(out: Path, graded: list[Path]) -> None:
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise PreflightError(f"--out {out} is a file: give a folder")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise PreflightError(f"--out {out}: cannot write in {existing}")
    for path in graded:
        path = Path(path).resolve()
        if not path.is_dir():
            continue
        if out == path or out.is_relative_to(path):
            raise PreflightError(f"--out {out} is inside the graded folder {path}: the next run would grade "
                                 "it as a student; choose a folder outside it")
        if path.is_relative_to(out):
            raise PreflightError(f"the graded folder {path} is inside --out {out}: choose another --out")


def check_grade_settings(*, timeout: float, jobs: int | None, lessons: str | None, out: Path,
                         submissions: list[Path], course: Path | None = None,
                         roster: Path | None = None, max_reply_mb: float = 64.0) -> Checked:
    if not (math.isfinite(timeout) and timeout > 0):
        raise PreflightError(f"--timeout {timeout:g} must be a positive number of seconds")
    if not (math.isfinite(max_reply_mb) and max_reply_mb > 0):
        raise PreflightError(f"--max-reply-mb {max_reply_mb:g} must be a positive number of megabytes")
    if jobs is not None and jobs < 1:
        raise PreflightError(f"--jobs {jobs} must be at least 1")
    chosen, notes = check_lessons(lessons)
    check_out(out, submissions)
    loaded_course = loaded_roster = None
    if course is not None:
        try:
            loaded_course = load_course(course)
        except CourseError as exc:
            raise PreflightError(f"--course {exc}") from None
    if roster is not None:
        try:
            loaded_roster = load_roster(roster)
        except RosterError as exc:
            raise PreflightError(f"--roster {exc}") from None
    return Checked(chosen, notes, loaded_course, loaded_roster)
