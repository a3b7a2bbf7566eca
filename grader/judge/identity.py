"""Who each submission belongs to. A name is NFC-normalized and must be usable as one folder of
DIR (`.`, `..`, path separators and control characters are refused); with a roster, a submission
is matched to its student by name, GitHub login, LMS id or email (and the section folder it sits
in when that is ambiguous). Two submissions of one student in one run are refused up front,
naming both, never merged."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path


class IdentityError(ValueError):
    """One line for the instructor: which name, and why."""


def check_name(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or name != name.strip():
        raise IdentityError(f"{name!r} cannot be a student's name (empty, '.', '..', a path separator, "
                            "or spaces around it)")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise IdentityError(f"{name!r} cannot be a student's name (it holds control characters)")
    if len(name.encode()) > 200:
        raise IdentityError(f"{name[:40]!r}… is too long for a student's name")
    return name


def _origin(submission) -> str:
    return getattr(submission, "origin", "") or str(submission.root)


def identify(submissions: list, roster=None) -> list:
    """The submissions under their students' names; raises IdentityError for a bad name or a collision."""
    named, by_key = [], {}
    for submission in submissions:
        name = unicodedata.normalize("NFC", submission.student)
        if roster is not None:
            lms_id = getattr(submission, "lms_id", "")
            name = (lms_id and _on_roster(roster, lms_id, _origin(submission))) \
                or _on_roster(roster, name, _origin(submission)) or name
        check_name(name)
        key = name.casefold()
        if key in by_key:
            first = by_key[key]
            raise IdentityError(f"two submissions for {name!r}: {_origin(first)} and {_origin(submission)}; "
                                "rename one, or give a --roster that says who is who")
        submission = dataclasses.replace(submission, student=name)
        by_key[key] = submission
        named.append(submission)
    return named


def _on_roster(roster, name: str, origin: str) -> str | None:
    found = roster.matches(name)
    if len(found) > 1:       # the same login in two sections: the section folder decides
        parts = {p.casefold() for p in Path(origin).parts}
        found = [s for s in found if s.section and s.section.casefold() in parts]
    return found[0].name if len(found) == 1 else None
