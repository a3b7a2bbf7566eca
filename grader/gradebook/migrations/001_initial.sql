-- The first gradebook: who was graded, each attempt at a lesson, and each check of an attempt.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE students (
    name    TEXT PRIMARY KEY,
    github  TEXT NOT NULL DEFAULT '',
    lms_id  TEXT NOT NULL DEFAULT '',
    email   TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL
);

CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    student        TEXT NOT NULL REFERENCES students(name),
    lesson         TEXT NOT NULL,
    title          TEXT NOT NULL,
    status         TEXT NOT NULL,
    problem        TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    fingerprint    TEXT NOT NULL,
    submitted_at   TEXT,
    submitted_from TEXT NOT NULL DEFAULT '',
    graded_at      TEXT NOT NULL,
    seed           INTEGER NOT NULL,
    grader_version TEXT NOT NULL,
    settings       TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '[]',
    ignored_files  TEXT NOT NULL DEFAULT '[]',
    seconds        REAL NOT NULL DEFAULT 0
);

CREATE INDEX attempts_by_student_lesson ON attempts(student, lesson, id);

CREATE TABLE checks (
    attempt    INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    check_id   TEXT NOT NULL,
    todo       TEXT NOT NULL,
    name       TEXT NOT NULL,
    device     TEXT,
    max_points REAL NOT NULL,
    status     TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    duration   REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (attempt, position)
);
