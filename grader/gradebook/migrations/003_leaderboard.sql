-- The leaderboard: what a check measured (a trained model's test accuracy) and each submitted
-- checkpoint's accuracy, reported, never scored.

ALTER TABLE checks ADD COLUMN measured REAL;
ALTER TABLE attempts ADD COLUMN checkpoints TEXT NOT NULL DEFAULT '[]';   -- [[file, accuracy], ...]
