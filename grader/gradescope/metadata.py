"""submission_metadata.json, as Gradescope writes it beside the submission: who submitted, when,
and the earlier submissions (their time, score and the results.json this autograder wrote then)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class EarlierSubmission:
    submitted_at: str
    score: float
    lessons: dict[str, dict]     # lesson -> {"status", "score"}, from the extra_data this autograder wrote then


@dataclass(frozen=True)
class SubmissionMetadata:
    student: str                       # the submitters' names ("submission" when none is given)
    created_at: str | None             # ISO 8601 with its offset
    earlier: tuple[EarlierSubmission, ...] = ()


def _iso(value) -> str | None:
    """Gradescope's times (microseconds, an offset) as ISO 8601 the late policy reads; None if not a time."""
    try:
        return datetime.fromisoformat(str(value)).isoformat(timespec="seconds")
    except ValueError:
        return None


def read_metadata(path: Path) -> SubmissionMetadata:
    """What the grade needs from `path`; a missing or unreadable file gives an anonymous, undated submission."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SubmissionMetadata("submission", None)
    if not isinstance(raw, dict):
        return SubmissionMetadata("submission", None)
    users = [u for u in raw.get("users") or () if isinstance(u, dict)]
    names = " & ".join(str(u.get("name") or u.get("email") or "") for u in users).strip(" &")
    earlier = []
    for previous in raw.get("previous_submissions") or ():
        if not isinstance(previous, dict) or _iso(previous.get("submission_time")) is None:
            continue
        results = previous.get("results") if isinstance(previous.get("results"), dict) else {}
        lessons = (results.get("extra_data") or {}).get("lessons") or {}
        earlier.append(EarlierSubmission(_iso(previous["submission_time"]), float(previous.get("score") or 0.0),
                                         lessons if isinstance(lessons, dict) else {}))
    return SubmissionMetadata(names or "submission", _iso(raw.get("created_at")), tuple(earlier))
