"""Which of a student's attempts at a lesson counts.

- `latest` (default): the last one graded;
- `best`: the one with the most points after any late penalty (the later one on a tie);
- `latest-on-time`: the last one submitted by the deadline (and its grace); the latest when none was.

Under every policy, an attempt that found nothing handed in counts only when there is no other.
"""

from __future__ import annotations

from grader.gradebook.record import StoredAttempt

POLICIES = ("latest", "best", "latest-on-time")


def counted(attempts: list[StoredAttempt], policy: str = "latest") -> StoredAttempt:
    """The attempt that counts among one student's attempts at one lesson (oldest first)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}: use one of {', '.join(POLICIES)}")
    if not attempts:
        raise ValueError("no attempts")
    # A run that found nothing for the lesson (a weekly export holds only that week's files) never
    # replaces work handed in before: "missing" counts only when nothing else was ever recorded.
    attempts = [a for a in attempts if a.result.status != "missing"] or attempts
    if policy == "best":
        return max(reversed(attempts), key=lambda a: a.result.score)   # max keeps the first of equals
    if policy == "latest-on-time":
        on_time = [a for a in attempts if a.late_seconds <= 0 and a.result.status != "missing"]
        return on_time[-1] if on_time else attempts[-1]
    return attempts[-1]


def counted_attempts(attempts: list[StoredAttempt], policy: str = "latest") -> dict[tuple[str, str], StoredAttempt]:
    """(student, lesson) -> the attempt that counts."""
    grouped: dict[tuple[str, str], list[StoredAttempt]] = {}
    for attempt in attempts:
        grouped.setdefault((attempt.student, attempt.result.lesson), []).append(attempt)
    return {key: counted(group, policy) for key, group in grouped.items()}
