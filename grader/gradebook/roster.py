"""roster.csv: who is who. One row per student: the name used in the gradebook (`name`), and any
of `github` (a Classroom repository's login), `lms_id`, `email` (what an LMS export carries) and
`section`. Students on the roster without a submission appear in the gradebook as `missing`."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.gradebook.record import Student
from grader.judge.identity import IdentityError, check_name

COLUMNS = ("name", "github", "lms_id", "email", "section")
ALIASES = {"student": "name", "login": "github", "username": "github", "github_username": "github",
           "lms id": "lms_id", "id": "lms_id", "student_id": "lms_id", "e-mail": "email"}


class RosterError(ValueError):
    """The roster cannot be used; the message is one line."""


@dataclass(frozen=True)
class Roster:
    students: tuple[Student, ...]

    def matches(self, key: str) -> list[Student]:
        """Roster students whose name, GitHub login, LMS id or email is `key` (case-insensitive)."""
        key = normalize(key).casefold()
        return [s for s in self.students
                if key in {normalize(v).casefold() for v in (s.name, s.github, s.lms_id, s.email) if v}]


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def load_roster(path: Path) -> Roster:
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
            header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in (rows and rows[0].keys() or [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"{path}: {exc}") from None
    if "name" not in header:
        raise RosterError(f"{path}: needs a `name` column (the name in the gradebook), "
                          f"and any of github, lms_id, email, section")
    students, seen = [], {}
    for number, row in enumerate(rows, start=2):
        values = {ALIASES.get(k.strip().lower(), k.strip().lower()): normalize(v or "") for k, v in row.items() if k}
        if not any(values.values()):
            continue
        try:
            check_name(values.get("name", ""))
        except IdentityError as exc:
            raise RosterError(f"{path}, line {number}: {exc}") from None
        student = Student(**{c: values.get(c, "") for c in COLUMNS})
        for column in ("name", "github", "lms_id", "email"):
            value = getattr(student, column).casefold()
            if value and (column, value) in seen:
                raise RosterError(f"{path}, line {number}: {column} {getattr(student, column)!r} is also on "
                                  f"line {seen[column, value]}")
            if value:
                seen[column, value] = number
        students.append(student)
    if not students:
        raise RosterError(f"{path}: no students")
    return Roster(tuple(students))
