"""Writing attempts: every (student, lesson) a run grades becomes one row of `attempts` and its
checks rows of `checks`, never overwritten; what counts is decided later (`policy.py`)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone

import grader
from grader.gradebook.db import transaction
from grader.results import CheckResult, LessonResult


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Attempt:
    student: str
    result: LessonResult          # its status, problem, notes, penalty and late text included
    fingerprint: str              # of the lesson's files and every setting that can change points
    seed: int
    settings: dict
    source: str = ""              # the file graded, as given (path, or archive/member)
    source_kind: str = ""         # "folder", "archive", "repository", "notebook", "lms export"
    submitted_at: str | None = None     # ISO 8601 with its offset
    submitted_from: str = ""      # where that time came from: "git", "lms export", "mtime"
    due: str | None = None
    late_seconds: float = 0.0
    ignored_files: tuple[str, ...] = ()
    seconds: float = 0.0
    grader_version: str = grader.__version__
    graded_at: str = field(default_factory=now)


@dataclass(frozen=True)
class Student:
    name: str
    github: str = ""
    lms_id: str = ""
    email: str = ""
    section: str = ""


def add_students(conn: sqlite3.Connection, students: list[Student]) -> None:
    """Register students (a roster, or those of a run); details of known ones are filled in, never erased."""
    with transaction(conn):
        for s in students:
            conn.execute("INSERT OR IGNORE INTO students (name, added_at) VALUES (?, ?)", (s.name, now()))
            for column in ("github", "lms_id", "email", "section"):
                if getattr(s, column):
                    conn.execute(f"UPDATE students SET {column} = ? WHERE name = ?", (getattr(s, column), s.name))


def record(conn: sqlite3.Connection, attempts: list[Attempt]) -> list[int]:
    """Store attempts (one transaction: a student's lessons land together or not at all)."""
    ids = []
    with transaction(conn):
        for a in attempts:
            conn.execute("INSERT OR IGNORE INTO students (name, added_at) VALUES (?, ?)", (a.student, now()))
            r = a.result
            cursor = conn.execute(
                "INSERT INTO attempts (student, lesson, title, status, problem, source, source_kind, fingerprint,"
                " submitted_at, submitted_from, graded_at, seed, grader_version, settings, notes, ignored_files,"
                " seconds, due, late_seconds, penalty, checkpoints) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (a.student, r.lesson, r.title, r.status, r.problem, a.source, a.source_kind, a.fingerprint,
                 a.submitted_at, a.submitted_from, a.graded_at, a.seed, a.grader_version,
                 json.dumps(a.settings, sort_keys=True), json.dumps(list(r.notes)), json.dumps(list(a.ignored_files)),
                 a.seconds, a.due, a.late_seconds, r.penalty, json.dumps([list(c) for c in r.checkpoints])))
            attempt = cursor.lastrowid
            conn.executemany(
                "INSERT INTO checks (attempt, position, check_id, todo, name, device, max_points, status, message,"
                " detail, duration, measured) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(attempt, i, c.check_id, c.todo, c.name, c.device, c.max_points, c.status, c.message, c.detail,
                  c.duration, c.measured) for i, c in enumerate(r.checks)])
            ids.append(attempt)
    return ids


def latest_fingerprints(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(student, lesson) -> the fingerprint of its latest attempt: what a re-run compares against."""
    rows = conn.execute("SELECT student, lesson, fingerprint FROM attempts a WHERE id = "
                        "(SELECT MAX(id) FROM attempts b WHERE b.student = a.student AND b.lesson = a.lesson)")
    return {(row["student"], row["lesson"]): row["fingerprint"] for row in rows}


@dataclass(frozen=True)
class StoredAttempt:
    """An attempt read back: the result as it was recorded, with where and when it came from."""
    id: int
    student: str
    result: LessonResult
    submitted_at: str | None
    submitted_from: str
    graded_at: str
    seed: int
    grader_version: str
    source: str
    due: str | None
    late_seconds: float
    ignored_files: tuple[str, ...]
    seconds: float
    settings: dict


def load_attempts(conn: sqlite3.Connection, student: str | None = None) -> list[StoredAttempt]:
    """Every attempt (of one student, if given), oldest first."""
    where, args = ("WHERE student = ?", (student,)) if student is not None else ("", ())
    checks: dict[int, list[CheckResult]] = {}
    for c in conn.execute(f"SELECT c.* FROM checks c JOIN attempts a ON a.id = c.attempt {where} "
                          "ORDER BY c.attempt, c.position", args):
        checks.setdefault(c["attempt"], []).append(CheckResult(
            c["check_id"], c["check_id"].split(".")[0], c["todo"], c["name"], c["device"], c["max_points"],
            c["status"], c["message"], c["detail"], c["duration"], c["measured"]))
    out = []
    for a in conn.execute(f"SELECT * FROM attempts {where} ORDER BY id", args):
        result = LessonResult(a["lesson"], a["title"], tuple(checks.get(a["id"], ())), a["problem"],
                              tuple(json.loads(a["notes"])), a["status"], a["penalty"],
                              checkpoints=tuple((name, accuracy) for name, accuracy in json.loads(a["checkpoints"])))
        out.append(StoredAttempt(a["id"], a["student"], result, a["submitted_at"], a["submitted_from"],
                                 a["graded_at"], a["seed"], a["grader_version"], a["source"], a["due"],
                                 a["late_seconds"], tuple(json.loads(a["ignored_files"])), a["seconds"],
                                 json.loads(a["settings"])))
    return out


def with_result(attempt: StoredAttempt, **changes) -> StoredAttempt:
    return dataclasses.replace(attempt, result=dataclasses.replace(attempt.result, **changes))
