"""`grader history DIR STUDENT`: every attempt of one student, oldest first (for instructors:
the seed is shown here, as it is kept in the database)."""

from __future__ import annotations

from pathlib import Path

from grader.gradebook.db import connect
from grader.gradebook.record import load_attempts


def history_lines(folder: Path, student: str) -> list[str]:
    conn = connect(folder, create=False)
    try:
        attempts = load_attempts(conn, student)
    finally:
        conn.close()
    lines = []
    for a in attempts:
        r = a.result
        points = f"{r.raw_score:g}" + (f" − {100 * r.penalty:g}% = {r.score:g}" if r.penalty else "")
        when = f"submitted {a.submitted_at} ({a.submitted_from})" if a.submitted_at else "not submitted"
        lines.append(f"#{a.id:<5} {r.lesson}  {r.status:<14} {points:>14} / {r.max_score:g}  graded {a.graded_at}  "
                     f"{when}  seed {a.seed}  grader {a.grader_version}  {a.source or '–'}")
    return lines
