"""A sample class, assembled from the reference solutions, the stubs and the catalogue.

Nothing here is a second copy of a solution: each sample student's lesson file is built from
`solutions/` plus a catalogue patch (`tests/catalogue/`), or is the generated stub.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.checks import LESSON_IDS, load_lesson
from grader.stubs import make_stub

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT_ROOT / "tests" / "catalogue"

# Per student and lesson: "solution", "stub", or the name of a catalogue patch.
# A lesson a student did not hand in is simply absent.
CLASS = {
    "ada": {lesson: "solution" for lesson in LESSON_IDS},
    "grace": {lesson: "first-mistake" for lesson in LESSON_IDS},
    "linus": {lesson: "stub" for lesson in LESSON_IDS},
    "alan": {lesson: ("correct" if int(lesson[-2:]) % 2 else "first-mistake") for lesson in LESSON_IDS[:6]},
}


def _patch(lesson_id: str, kind: str) -> Path | None:
    prefix = "correct_" if kind == "correct" else "mistake_"
    found = sorted((CATALOGUE / lesson_id).glob(f"{prefix}*.py"))
    return found[0] if found else None


def lesson_source(lesson_id: str, variant: str) -> str:
    lesson = load_lesson(lesson_id)
    solution = PROJECT_ROOT / "solutions" / lesson_id / lesson.filename
    text = solution.read_text(encoding="utf-8")
    if variant == "stub":
        return make_stub(text, lesson_id, str(solution))
    if variant == "solution":
        return text
    patch = _patch(lesson_id, "correct" if variant == "correct" else "mistake")
    return text if patch is None else text + "\n\n# --- sample patch ---\n" + patch.read_text(encoding="utf-8")


def build_class(out: Path, students: dict[str, dict[str, str]] | None = None) -> Path:
    """Write one folder per sample student, laid out like their repository."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    for student, lessons in (students or CLASS).items():
        for lesson_id, variant in lessons.items():
            lesson = load_lesson(lesson_id)
            target = out / student / "exercises" / lesson_id / lesson.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(lesson_source(lesson_id, variant), encoding="utf-8")
    return out
