"""What the similarity report compares: each student's code of a lesson, and the lesson's shared
code (the generated stub and the reference solution), which must never count as alike.

A student's lesson is the lesson module (`exercises/lessonNN/<module>.py`) or, when there is no
module, the lesson notebook's code cells (score cell left out, as the judge runs it). Files are
read without following links and only up to the judge's size limit, as the judge reads them.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.authoring.demo import PROJECT_ROOT
from grader.authoring.stubs import make_stub
from grader.checks import load_lesson
from grader.judge.intake import LESSON_NOTEBOOK, MAX_LESSON_FILE_BYTES, Submission
from grader.notebooks.format import NotANotebook, code_cells


@dataclass(frozen=True)
class LessonCode:
    student: str
    lesson: str
    source: str        # the file compared: "backprop.py" or "lesson03.ipynb"
    text: str          # its code (a notebook's code cells, one after the other)


def _read_regular(path: Path) -> str | None:
    """The text of a regular file of at most MAX_LESSON_FILE_BYTES, never through a link; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_LESSON_FILE_BYTES:
            return None
        return handle.read(MAX_LESSON_FILE_BYTES + 1).decode("utf-8", errors="replace")


def _notebook_lesson(name: str) -> str | None:
    match = LESSON_NOTEBOOK.fullmatch(name)
    return f"lesson{int(match.group(1)):02d}" if match else None


def _notebook(folder: Path, lesson: str) -> Path | None:
    """The lesson's notebook in `folder`: lessonNN.ipynb first, then one in another language."""
    found = sorted((entry for entry in folder.iterdir()
                    if _notebook_lesson(entry.name) == lesson and not entry.is_symlink() and entry.is_file()),
                   key=lambda entry: (entry.name.count(".") > 1, entry.name))   # lesson03.ipynb before .vi.
    return found[0] if found else None


def lesson_code(submission: Submission, lesson: str) -> LessonCode | None:
    """The student's code of `lesson`, or None when they handed in no readable lesson file."""
    folder = submission.lessons.get(lesson)
    if folder is None:
        return None
    module = folder / load_lesson(lesson).filename
    if not module.is_symlink() and module.is_file() and (text := _read_regular(module)) is not None:
        return LessonCode(submission.student, lesson, module.name, text)
    notebook = _notebook(folder, lesson)
    if notebook is None or _read_regular(notebook) is None:
        return None
    try:
        cells = code_cells(notebook)
    except NotANotebook:
        return None
    return LessonCode(submission.student, lesson, notebook.name, "\n\n".join(source for _, source in cells))


@cache
def shared_code(lesson: str) -> tuple[str, ...]:
    """The code every student starts from or may legitimately end with: the stub and the reference."""
    solution = PROJECT_ROOT / "solutions" / lesson / load_lesson(lesson).filename
    text = solution.read_text(encoding="utf-8")
    return text, make_stub(text, lesson, str(solution))
