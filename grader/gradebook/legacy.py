"""Folders graded before the gradebook was a database: their DIR/<student>/result.json files are
adopted as attempts the first time the folder is opened, so no student or lesson is lost."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from grader.gradebook.db import get_meta, set_meta_once
from grader.gradebook.record import Attempt, record
from grader.results import submission_from_dict


def adopt_result_files(folder: Path, conn: sqlite3.Connection) -> int:
    """Record the results of a pre-database folder once; returns how many lessons were adopted."""
    if get_meta(conn, "legacy_adopted") is not None:
        return 0
    adopted = []
    for path in sorted(Path(folder).glob("*/result.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if "fingerprint" not in data:          # written from the database: not a legacy file
                continue
            result = submission_from_dict(data["result"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        when = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
        adopted += [Attempt(result.student, lesson, "legacy:" + data["fingerprint"], result.seed,
                            {"adopted_from": "result.json"}, source=str(path), grader_version=result.grader_version,
                            graded_at=when, ignored_files=result.ignored_files)
                    for lesson in result.lessons]
    if adopted:
        record(conn, adopted)
    set_meta_once(conn, "legacy_adopted", str(len(adopted)))
    return len(adopted)
