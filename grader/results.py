"""The result model: what a grading run produced, and pure functions that score it.

Writers (console, Gradescope JSON, CSV, feedback) all read these; none of them lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Literal

Status = Literal["passed", "failed", "not_started", "skipped", "error"]
# What happened to one (student, lesson) as a whole; "late" is a graded lesson that lost points to a deadline.
LESSON_STATUSES = ("graded", "late", "missing", "not importable", "refused", "timed out", "judge error")


@dataclass(frozen=True)
class CheckResult:
    """One check on one device."""

    check_id: str          # "lesson03.backprop_step_updates_w"
    lesson: str
    todo: str
    name: str
    device: str | None     # None for device-independent checks
    max_points: float
    status: Status
    message: str = ""      # what the student reads
    detail: str = ""       # what the instructor reads (a traceback when the grader broke)
    duration: float = 0.0
    measured: float | None = None   # a number the check measured, reported not scored (a trained model's accuracy)

    @property
    def label(self) -> str:
        return f"{self.name}[{self.device}]" if self.device else self.name


@dataclass(frozen=True)
class LessonResult:
    lesson: str
    title: str
    checks: tuple[CheckResult, ...]
    problem: str = ""      # set when the lesson could not be graded at all (judge side), said once
    notes: tuple[str, ...] = ()   # reported, not scored (e.g. a trained checkpoint's accuracy)
    status: str = "graded"        # one of LESSON_STATUSES
    penalty: float = 0.0          # fraction of the points taken for lateness (0 to 1)
    late: str = ""                # "submitted 2 days 3 hours late: −20 %", for the student
    submitted: str = ""           # when, and from where that time came, where a deadline applied: "… (git)"
    checkpoints: tuple[tuple[str, float], ...] = ()   # (file, MNIST test accuracy) of each submitted checkpoint

    @property
    def trained_accuracy(self) -> float | None:
        """The test accuracy of the model the lesson's checks trained with the student's code, if one did."""
        return next((c.measured for c in self.checks if c.measured is not None), None)

    # Cached, since the writers ask for a lesson's score thousands of times over a class and each
    # answer regroups every check. The instance is frozen, so the cache cannot go stale (cached_property
    # stores it in the instance's __dict__, which a frozen dataclass leaves writable).
    @cached_property
    def raw_score(self) -> float:
        """The points the checks gave, before any late penalty."""
        return sum(check_points(group) for group in _by_check(self.checks).values())

    @property
    def score(self) -> float:
        raw = self.raw_score
        return round(raw * (1.0 - self.penalty), 2) if self.penalty else raw

    @cached_property
    def max_score(self) -> float:
        return sum(group[0].max_points for group in _by_check(self.checks).values())

    def todos(self) -> dict[str, TodoSummary]:
        out: dict[str, list[CheckResult]] = {}
        for check in self.checks:
            out.setdefault(check.todo, []).append(check)
        return {todo: summarize_todo(todo, results) for todo, results in out.items()}


@dataclass(frozen=True)
class TodoSummary:
    todo: str
    status: Status
    score: float
    max_score: float
    messages: tuple[str, ...]


@dataclass(frozen=True)
class SubmissionResult:
    student: str
    lessons: tuple[LessonResult, ...]
    status: Literal["graded", "judge error"] = "graded"
    seed: int = 0
    grader_version: str = ""
    ignored_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return sum(lesson.score for lesson in self.lessons)

    @property
    def max_score(self) -> float:
        return sum(lesson.max_score for lesson in self.lessons)

    def to_dict(self) -> dict:
        """What `dataclasses.asdict` returns, built directly: asdict's generic recursion and deep
        copies were an eighth of rewriting a class's views. Every field but the nested results is
        immutable (strings, numbers, tuples of those), so it is shared, not copied."""
        out = {name: getattr(self, name) for name in _SUBMISSION_FIELDS}
        out["lessons"] = tuple(_lesson_dict(lesson) for lesson in self.lessons)
        return out


_SUBMISSION_FIELDS = tuple(f.name for f in fields(SubmissionResult))
_LESSON_FIELDS = tuple(f.name for f in fields(LessonResult))
_CHECK_FIELDS = tuple(f.name for f in fields(CheckResult))


def _lesson_dict(lesson: LessonResult) -> dict:
    out = {name: getattr(lesson, name) for name in _LESSON_FIELDS}
    out["checks"] = tuple({name: getattr(check, name) for name in _CHECK_FIELDS} for check in lesson.checks)
    return out


def _by_check(checks: tuple[CheckResult, ...]) -> dict[str, list[CheckResult]]:
    groups: dict[str, list[CheckResult]] = {}
    for check in checks:
        groups.setdefault(check.check_id, []).append(check)
    return groups


def check_points(runs: list[CheckResult]) -> float:
    """A check earns its points when every device it ran on passed (skipped runs don't count)."""
    ran = [r for r in runs if r.status != "skipped"]
    return runs[0].max_points if ran and all(r.status == "passed" for r in ran) else 0.0


def summarize_todo(todo: str, results: list[CheckResult]) -> TodoSummary:
    ran = [r for r in results if r.status != "skipped"]
    if ran and all(r.status == "not_started" for r in ran):
        status: Status = "not_started"
    elif any(r.status == "error" for r in ran):
        status = "error"
    elif ran and all(r.status == "passed" for r in ran):
        status = "passed"
    elif not ran:
        status = "skipped"
    else:
        status = "failed"
    groups = _by_check(tuple(results))
    messages = tuple(dict.fromkeys(r.message for r in ran if r.status != "passed" and r.message))
    return TodoSummary(
        todo=todo,
        status=status,
        score=sum(check_points(g) for g in groups.values()),
        max_score=sum(g[0].max_points for g in groups.values()),
        messages=messages,
    )


def percent(score: float, max_score: float) -> float:
    return round(100.0 * score / max_score, 2) if max_score else 0.0


def submission_from_dict(data: dict) -> SubmissionResult:
    """Inverse of `SubmissionResult.to_dict` (for results the judge wrote itself)."""
    lessons = tuple(
        LessonResult(lesson["lesson"], lesson["title"], tuple(CheckResult(**c) for c in lesson["checks"]),
                     lesson.get("problem", ""), tuple(lesson.get("notes", ())), lesson.get("status", "graded"),
                     lesson.get("penalty", 0.0), lesson.get("late", ""), lesson.get("submitted", ""),
                     tuple((name, accuracy) for name, accuracy in lesson.get("checkpoints", ())))
        for lesson in data["lessons"])
    fields = {k: v for k, v in data.items() if k != "lessons"}
    fields["ignored_files"] = tuple(fields.get("ignored_files", ()))
    fields["notes"] = tuple(fields.get("notes", ()))
    return SubmissionResult(lessons=lessons, **fields)
