"""The graded checks, one module per lesson. Each module defines `lesson = Lesson(...)`."""

from __future__ import annotations

import importlib

from grader.lesson import Lesson

LESSON_IDS = tuple(f"lesson{n:02d}" for n in range(1, 9))


def load_lesson(lesson_id: str) -> Lesson:
    if lesson_id not in LESSON_IDS:
        raise KeyError(f"unknown lesson {lesson_id!r}; lessons are {', '.join(LESSON_IDS)}")
    return importlib.import_module(f"grader.checks.{lesson_id}").lesson


def parse_lessons(spec: str | None) -> list[str]:
    """'1,5' or 'lesson01,lesson05' or None (all) -> ['lesson01', 'lesson05']."""
    if not spec:
        return list(LESSON_IDS)
    out = []
    for part in spec.split(","):
        part = part.strip().lower().removeprefix("lesson")
        if not part.isdigit() or f"lesson{int(part):02d}" not in LESSON_IDS:
            raise ValueError(f"unknown lesson {part!r}: use numbers 1-8, e.g. --lessons 1,5")
        out.append(f"lesson{int(part):02d}")
    return out
