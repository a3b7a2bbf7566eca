"""What the similarity report compares: each student's code of a lesson, and the lesson's shared
code (the generated stub and the reference solution), which must never count as alike.

A student's lesson is the file `grader grade` grades: of the module (`exercises/lessonNN/<module>.py`)
and the lesson's notebooks, the one changed from the stub (grader/notebooks/submitted.py); of a
notebook, its code cells (score cell left out, as the judge runs it). Files are read without
following links and only up to the judge's size limit.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.authoring.stubs import make_stub, parse_todos
from grader.checks import load_lesson
from grader.judge.intake import MAX_LESSON_FILE_BYTES, Submission
from grader.notebooks.format import NotANotebook, code_cells
from grader.notebooks.submitted import candidates, submitted_source

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


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


def lesson_code(submission: Submission, lesson: str) -> LessonCode | None:
    """The student's code of `lesson`, or None when they handed in no readable lesson file. Of a
    module and notebooks, the file compared is the one graded (grader/notebooks/submitted.py)."""
    folder = submission.lessons.get(lesson)
    if folder is None:
        return None
    folder = Path(folder)
    found = [folder] if folder.is_file() else candidates(folder, load_lesson(lesson))
    path = submitted_source(found, SOLUTIONS / lesson / load_lesson(lesson).filename)
    if path is None or (text := _read_regular(path)) is None:
        return None
    if path.suffix == ".ipynb":
        try:
            text = "\n\n".join(source for _, source in code_cells(path))
        except NotANotebook:
            return None
    return LessonCode(submission.student, lesson, path.name, text)


def _half_done(source: str, lesson: str, solved: set[str], path: str) -> str:
    """The stub with the TODOs named in `solved` filled in as the reference fills them."""
    todos = parse_todos(source, path)
    markers = {line for todo in todos if todo.name in solved for line in (todo.first_line, todo.last_line)}
    kept = "".join(line for number, line in enumerate(source.splitlines(keepends=True), start=1)
                   if number not in markers)
    return make_stub(kept, lesson, path) if len(solved) < len(todos) else kept


@cache
def shared_code(lesson: str) -> tuple[str, ...]:
    """The code every student starts from or may legitimately end with: the stub, the reference, and
    the stub half done with the reference's TODO bodies (every other TODO, both ways). Without the
    half-done files, the seams between a stub part and a reference part (k-grams that span both)
    would be "own code", and every student who stopped at the same TODO would pair up."""
    solution = SOLUTIONS / lesson / load_lesson(lesson).filename
    text = solution.read_text(encoding="utf-8")
    names = [todo.name for todo in parse_todos(text, str(solution))]
    halves = [set(names[0::2]), set(names[1::2])] if len(names) > 1 else []
    return (text, make_stub(text, lesson, str(solution)),
            *(_half_done(text, lesson, solved, str(solution)) for solved in halves))
