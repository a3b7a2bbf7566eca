"""DIR/grades.sqlite: the one place a term's grades live.

The schema is versioned by SQLite's `user_version` and built by the plain-SQL files in
`migrations/` (`NNN_what.sql`), applied in order, each in its own transaction: a database
written by an older grader is brought up to date when it is opened, never discarded. WAL lets
a reader (a report, `grader history`) run beside a grading run; `busy_timeout` makes a second
writer wait for the first instead of failing.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path

DATABASE = "grades.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 120_000


class GradebookError(Exception):
    """The database cannot be used (newer than this grader, not a gradebook, unreadable)."""


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in MIGRATIONS.glob("*.sql"):
        if match := re.fullmatch(r"(\d{3})_\w+\.sql", path.name):
            found.append((int(match.group(1)), path))
    return sorted(found)


def schema_version() -> int:
    """The version this grader writes: that of its last migration."""
    return migrations()[-1][0]


def statements(script: str) -> list[str]:
    """A SQL script cut into whole statements (so they run inside one transaction of ours;
    `executescript` would commit between them)."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    leftover = [line for line in pending.splitlines() if line.strip() and not line.strip().startswith("--")]
    if leftover:
        raise GradebookError(f"unfinished SQL statement in a migration: {pending.strip()[:60]!r}")
    return out


def connect(folder: Path, *, create: bool = True) -> sqlite3.Connection:
    """An open, migrated connection to `folder/grades.sqlite` (autocommit; use `transaction`)."""
    path = Path(folder) / DATABASE
    if not create and not path.is_file():
        raise GradebookError(f"no {DATABASE} in {folder}: run `grader grade --out {folder}` first")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise GradebookError(f"{path}: {exc}") from None
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations the database has not seen yet; returns the version it ends at."""
    target = schema_version()
    with transaction(conn):        # one writer migrates; a second waits and then finds nothing to do
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > target:
            raise GradebookError(f"{DATABASE} has schema version {version}, newer than this grader's "
                                 f"{target}: upgrade the grader")
        for number, path in migrations():
            if number > version:
                for statement in statements(path.read_text(encoding="utf-8")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
    return target


@contextmanager
def transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE … COMMIT: the write lock is taken up front, so two runs never deadlock
    upgrading a read to a write; the second waits (busy_timeout) and then goes on."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta_once(conn: sqlite3.Connection, key: str, value: str) -> str:
    """Store `value` under `key` unless a value is there already; returns the stored one."""
    with transaction(conn):
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
        return get_meta(conn, key)
