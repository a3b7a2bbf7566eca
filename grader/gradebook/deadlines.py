"""Deadlines and late work, from `--course course.toml`:

    [lessons.lesson03]
    due = "2026-12-01T23:59:00+07:00"
    visibility = "after_due_date"   # on Gradescope: the checks' messages shown only after the due date
    [late]
    grace_minutes = 15
    penalty_per_day = 0.10     # fraction of the lesson's points, per started day late
    max_days_late = 7          # later than this: 0 for the lesson

Lateness is counted from the due time once the grace is over; a submission within the grace is
on time. When a submission was made comes from `submitted_at` (git, an LMS export, else mtime).
"""

from __future__ import annotations

import hashlib
import math
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from grader.checks import LESSON_IDS
from grader.i18n import tr

DAY = 86400.0
# Gradescope's values for when a student sees a test's result (`grader gradescope`)
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class CourseError(ValueError):
    """The course file cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Course:
    due: dict[str, datetime] = field(default_factory=dict)
    grace_minutes: float = 0.0
    penalty_per_day: float = 0.0
    max_days_late: float | None = None
    digest: str = ""          # of the file: a changed course file regrades (it can change points)
    visibility: dict[str, str] = field(default_factory=dict)   # lesson -> one of VISIBILITIES (Gradescope)


def load_course(path: Path) -> Course:
    try:
        import tomllib
    except ModuleNotFoundError:   # Python 3.10
        raise CourseError("--course needs Python 3.11 or later (tomllib)") from None
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"{path}: {exc}") from None
    unknown = set(data) - {"lessons", "late", "course"}
    if unknown:
        raise CourseError(f"{path}: unknown table(s) {', '.join(sorted(unknown))} "
                          "(expected [lessons.lessonNN] and [late])")
    due, visibility = {}, {}
    for lesson, table in (data.get("lessons") or {}).items():
        if lesson not in LESSON_IDS or not isinstance(table, dict):
            raise CourseError(f"{path}: [lessons.{lesson}] is not a lesson (use lesson01 … lesson08)")
        if "visibility" in table:
            if table["visibility"] not in VISIBILITIES:
                raise CourseError(f"{path}: lessons.{lesson}.visibility = {table['visibility']!r} must be one of "
                                  + ", ".join(VISIBILITIES))
            visibility[lesson] = table["visibility"]
        if "due" not in table:
            continue
        value = table["due"]
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise CourseError(f"{path}: lessons.{lesson}.due = {table['due']!r} is not a date and time") from None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise CourseError(f"{path}: lessons.{lesson}.due needs a date, a time and a UTC offset, "
                              f"e.g. 2026-12-01T23:59:00+07:00")
        due[lesson] = value
    late = data.get("late") or {}
    numbers = {}
    for key, low, high in (("grace_minutes", 0, math.inf), ("penalty_per_day", 0, 1), ("max_days_late", 0, math.inf)):
        if key in late:
            value = late[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
                    or not math.isfinite(value):
                raise CourseError(f"{path}: late.{key} = {value!r} must be a number from {low} to {high}")
            numbers[key] = float(value)
    if set(late) - {"grace_minutes", "penalty_per_day", "max_days_late"}:
        raise CourseError(f"{path}: unknown key(s) in [late]: {', '.join(sorted(set(late) - set(numbers)))}")
    return Course(due, numbers.get("grace_minutes", 0.0), numbers.get("penalty_per_day", 0.0),
                  numbers.get("max_days_late"), hashlib.sha256(raw).hexdigest(), visibility)


def lateness(course: Course | None, lesson: str, submitted_at: str | None) -> tuple[str | None, float, float]:
    """(due, seconds late, penalty fraction) of one lesson handed in at `submitted_at` (ISO 8601)."""
    if course is None or lesson not in course.due or not submitted_at:
        return None, 0.0, 0.0
    due = course.due[lesson]
    late = (datetime.fromisoformat(submitted_at) - due).total_seconds()
    if late <= course.grace_minutes * 60:
        return due.isoformat(), 0.0, 0.0
    if course.max_days_late is not None and late > course.max_days_late * DAY:
        return due.isoformat(), late, 1.0
    return due.isoformat(), late, min(1.0, math.ceil(late / DAY) * course.penalty_per_day)


def late_text(seconds: float, penalty: float) -> str:
    """What the student reads: "submitted 2 days 3 hours late: −20 %"."""
    minutes = int(seconds // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = []
    if days:
        parts.append(tr("{count} day", count=days) if days == 1 else tr("{count} days", count=days))
    if hours:
        parts.append(tr("{count} hour", count=hours) if hours == 1 else tr("{count} hours", count=hours))
    if not days and (minutes or not hours):
        parts.append(tr("{count} minute", count=minutes) if minutes == 1 else tr("{count} minutes", count=minutes))
    return tr("submitted {duration} late: −{percent:g} %", duration=" ".join(parts),
              percent=round(100 * penalty, 2))


# --- when a lesson was handed in ---------------------------------------------------------------------
def _git(repository: Path, *args: str) -> str:
    """Read-only git in a student's repository: no hooks, no fsmonitor, no pager, no config but ours."""
    env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_TERMINAL_PROMPT": "0",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": "/nonexistent", "LC_ALL": "C"}
    done = subprocess.run(["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
                           "-c", "safe.directory=*", "--no-pager", "-C", str(repository), *args],
                          capture_output=True, text=True, env=env, timeout=30, stdin=subprocess.DEVNULL)
    return done.stdout.strip() if done.returncode == 0 else ""


def submitted_at(root: Path, paths: list[Path], *, lms_time: str | None = None) -> tuple[str | None, str]:
    """(ISO 8601 time, where it came from) for the lesson files `paths` of a submission at `root`:
    the last commit touching them when `root` is a git repository, else the LMS export's own time,
    else the newest modification time."""
    if (root / ".git").exists():
        relative = [str(p.relative_to(root)) for p in paths if p.is_relative_to(root)]
        try:
            when = _git(root, "log", "-1", "--format=%cI", "--", *relative) if relative else ""
        except (OSError, subprocess.SubprocessError):
            when = ""
        if when:
            return when, "git"
    if lms_time:
        return lms_time, "lms export"
    times = [p.stat().st_mtime for p in paths if p.exists()]
    if not times:
        return None, ""
    return datetime.fromtimestamp(max(times), timezone.utc).isoformat(timespec="seconds"), "mtime"
