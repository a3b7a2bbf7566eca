"""The official grade's seed: drawn in secret the first time a folder is graded into, kept in its
database, reused by every later run on that folder (so a regrade reproduces), never written into
anything a student receives. The release and a student's local pytest keep the course's public
seed (`grader.runner.DEFAULT_SEED`), whose inputs and answers anyone can log."""

from __future__ import annotations

import secrets
from pathlib import Path

from grader.gradebook.db import connect, set_meta_once

KEY = "secret_seed"


def folder_seed(folder: Path) -> int:
    """The folder's secret seed, drawn now if it has none yet (two runs racing keep the first)."""
    conn = connect(folder)
    try:
        return int(set_meta_once(conn, KEY, str(secrets.randbelow(2**31 - 1) + 1)))
    finally:
        conn.close()
