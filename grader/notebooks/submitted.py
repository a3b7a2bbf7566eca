"""Which of a student's lesson files is graded: the one the student worked in.

A lesson comes in several forms (`backprop.py`, `lesson03.ipynb`, `lesson03.vi.ipynb`), all
generated from the same solution. The one graded is the first that is no longer the untouched
stub; when every form is untouched, the first (the `.py` module).
"""

from __future__ import annotations

from pathlib import Path

from grader.authoring.cells import split_cells
from grader.authoring.stubs import stub_code
from grader.notebooks.format import code_cells

STUB_MAX_BYTES = 2**20   # a generated stub is a few KiB: anything larger was changed (and is not read here)


def _normalized(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.replace("\r\n", "\n").strip().splitlines())


def is_untouched_stub(path: Path, solution: Path) -> bool:
    """Whether the lesson file or notebook at `path` still holds exactly the generated stub's code
    (whitespace at line ends, outputs and prose aside): the student did not work in it. Files that
    cannot be read count as changed (so they are graded, and the problem is reported)."""
    path, solution = Path(path), Path(solution)
    try:
        if path.stat().st_size > STUB_MAX_BYTES:
            return False
        source = solution.read_text(encoding="utf-8")
        stub = stub_code(source, solution.parent.name)
        if path.suffix == ".ipynb":
            theirs = [_normalized(code) for _, code in code_cells(path)]
            return [c for c in theirs if c] == [_normalized(code) for _, code in split_cells(stub) if code.strip()]
        text = path.read_text(encoding="utf-8")
        return _normalized(text.split("\n", 1)[1] if text.startswith("# Lesson ") else text) == _normalized(stub)
    except (OSError, ValueError, UnicodeDecodeError):
        return False


def submitted_source(candidates: list[Path], solution: Path) -> Path | None:
    """Which of a student's lesson files to grade when the folder holds several forms of the lesson
    (`backprop.py`, `lesson03.ipynb`, `lesson03.vi.ipynb`, in that order of preference): the first
    one that is not the untouched stub, since the student worked there; if all are, the first."""
    for path in candidates:
        if not is_untouched_stub(path, solution):
            return path
    return candidates[0] if candidates else None
