-- Deadlines: the due time an attempt was judged against, how late it was, and the penalty taken.

ALTER TABLE attempts ADD COLUMN due TEXT;
ALTER TABLE attempts ADD COLUMN late_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN penalty REAL NOT NULL DEFAULT 0;   -- fraction of the lesson's points
ALTER TABLE attempts ADD COLUMN source_kind TEXT NOT NULL DEFAULT '';
