"""exercises/, generated from solutions/: what `grader stubs` writes and `grader stubs --check` compares.

Per lesson: the `.py` stub (grader/authoring/stubs.py), the `test_lessonNN.py` that runs its checks
through the pytest plugin, and the lesson's notebooks (grader/authoring/lesson_notebooks.py).
"""

from __future__ import annotations

from pathlib import Path

from grader.authoring.lesson_notebooks import expected_notebooks
from grader.authoring.stubs import STUDENT_TESTS, lesson_files, make_stub


def expected_stubs(solutions: Path, exercises: Path) -> dict[Path, str]:
    """What exercises/ must contain, generated from solutions/: the stubs, the test files, and each
    lesson's notebooks."""
    out = {}
    for path in lesson_files(solutions):
        lesson = path.parent.name
        out[exercises / lesson / f"test_{lesson}.py"] = STUDENT_TESTS.format(lesson=lesson)
        out[exercises / lesson / path.name] = make_stub(path.read_text(encoding="utf-8"), lesson,
                                                        str(path.relative_to(solutions.parent)))
    out.update(expected_notebooks(solutions, exercises))
    return out


def write_stubs(solutions: Path, exercises: Path) -> list[Path]:
    written = []
    for target, text in expected_stubs(solutions, exercises).items():
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def drifted_stubs(solutions: Path, exercises: Path) -> list[Path]:
    """Stubs whose committed text differs from what the generator makes."""
    return [target for target, text in expected_stubs(solutions, exercises).items()
            if not target.exists() or target.read_text(encoding="utf-8") != text]
