"""What happened to one (student, lesson) as a whole: graded, missing, not importable, refused,
timed out or judge error (`grader.results.LESSON_STATUSES`; "late" is added by the gradebook).

A problem that concerns the whole lesson (the file does not import, the lesson ran out of time)
becomes the lesson's `problem`, said once; the writers leave it out under each TODO.
"""

from __future__ import annotations

import dataclasses

from grader.results import LessonResult

TIME_LIMITS = ("call time", "lesson time", "cpu time")


def classify(result: LessonResult, *, import_failure: str = "",
             limits_hit: list[tuple[str, str]] = ()) -> LessonResult:
    """`result` with its status (and lesson-level problem) set from what the handle saw."""
    if import_failure:
        return dataclasses.replace(result, status="not importable", problem=result.problem or import_failure)
    if any(check.status == "error" for check in result.checks):
        return dataclasses.replace(result, status="judge error")
    timed = [(limit, message) for limit, message in limits_hit if limit in TIME_LIMITS]
    if timed:
        whole = next((message for limit, message in timed if limit == "lesson time"), "")
        return dataclasses.replace(result, status="timed out", problem=result.problem or whole)
    return result


def status_of_unstarted(limit: str | None) -> str:
    """The status of a lesson whose process never answered (`NoAnswer` while starting)."""
    return "timed out" if limit in TIME_LIMITS else "not importable"
