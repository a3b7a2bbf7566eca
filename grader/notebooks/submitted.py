"""Which of a student's lesson files is graded: the one they worked in, by one rule everywhere.

A lesson folder holds the module (`backprop.py`) and the lesson's notebooks (`lesson03.ipynb`,
`lesson03.vi.ipynb`). The student worked in the one that is no longer the generated stub, so that
one is graded; when several changed, the module; when none did, the module (its TODOs then read
"not started"). `pytest exercises/lessonNN`, the notebook's score cell, `grader classroom` and the
judge all ask `choose` and say which file they graded (`Choice.describe`).

Whether a file is still the stub is decided on its code alone (a notebook's prose, outputs and score
cell, the module's first-line header and spaces at line ends aside): its fingerprint is compared
with the stub's, computed from `solutions/` where that has the lesson, else read from
`grader/answers/stubs.json`, which `grader release` writes from the stubs it ships. A file that
cannot be read counts as changed, so it is graded and its problem reported.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.handle import LocalHandle
from grader.i18n import tr
from grader.lesson import Lesson
from grader.notebooks.as_module import notebook_as_module
from grader.notebooks.format import NotANotebook, code_cells

PACKAGE = Path(__file__).resolve().parent.parent
STUBS_FILE = PACKAGE / "answers" / "stubs.json"      # written by `grader release` (grader/classroom/release.py)
PROJECT_SOLUTIONS = PACKAGE.parent / "solutions"
MAX_BYTES = 2**20        # a stub is a few KiB: anything larger was changed (and is not read here)


def _normalized(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.replace("\r\n", "\n").strip().splitlines())


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n\0\n".join(parts).encode("utf-8")).hexdigest()


def code_fingerprint(path: Path) -> str | None:
    """A digest of the code in a lesson module or notebook; None when it cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        if path.suffix == ".ipynb":
            return _digest([code for _, code in ((n, _normalized(c)) for n, c in code_cells(path)) if code])
        text = path.read_text(encoding="utf-8")
        return _digest([_normalized(text.split("\n", 1)[1] if text.startswith("# Lesson ") else text)])
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def stub_fingerprints_from_solution(solution: Path, lesson_id: str) -> list[str]:
    """The fingerprints of the module stub and of the notebooks' stub code, from the solution."""
    # the stub generator is authoring code that a student's repository does not hold (it reads
    # stubs.json instead): imported by name, so the release's import closure leaves it out
    stubs, cells = importlib.import_module("grader.authoring.stubs"), importlib.import_module("grader.authoring.cells")
    stub = stubs.stub_code(Path(solution).read_text(encoding="utf-8"), lesson_id)
    return [_digest([_normalized(stub)]),
            _digest([_normalized(code) for _, code in cells.split_cells(stub) if code.strip()])]


def stub_fingerprints(lesson: Lesson, solutions: Path | None = None, recorded: Path = STUBS_FILE) -> set[str]:
    """The stub's fingerprints: from `solutions` (default: the project's) when it has the lesson,
    else as recorded at release; empty when neither is there (then every file counts as changed)."""
    solution = Path(solutions or PROJECT_SOLUTIONS) / lesson.id / lesson.filename
    if solution.is_file():
        return set(stub_fingerprints_from_solution(solution, lesson.id))
    try:
        return set(json.loads(Path(recorded).read_text(encoding="utf-8")).get(lesson.id, []))
    except (OSError, ValueError):
        return set()


def released_stub_fingerprints(exercises: Path, lessons: list[Lesson]) -> dict[str, list[str]]:
    """What `grader release` stores in grader/answers/stubs.json: the fingerprints of the stubs it ships."""
    out = {}
    for lesson in lessons:
        folder = Path(exercises) / lesson.id
        out[lesson.id] = sorted({f for p in candidates(folder, lesson) if (f := code_fingerprint(p))})
    return out


def notebook_pattern(lesson: Lesson) -> re.Pattern:
    return re.compile(rf"{lesson.id}(?:\.(?P<lang>[a-z]{{2}}))?\.ipynb")


def candidates(folder: Path, lesson: Lesson) -> list[Path]:
    """The lesson's files in `folder`, in order of preference: the module, `lessonNN.ipynb`, then
    the notebooks in other languages (regular files only)."""
    folder = Path(folder)
    pattern = notebook_pattern(lesson)
    try:
        notebooks = sorted((m.group("lang") is not None, p.name, p) for p in folder.iterdir()
                           if (m := pattern.fullmatch(p.name)))
    except OSError:
        notebooks = []
    return [p for p in [folder / lesson.filename] + [n[-1] for n in notebooks] if p.is_file() and not p.is_symlink()]


@dataclass(frozen=True)
class Choice:
    path: Path                      # the file graded
    changed: tuple[str, ...]        # the names of the lesson's files changed from the stub
    files: tuple[str, ...]          # the names of all the lesson's files found

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"

    def describe(self) -> str:
        """One line for the student: which file was graded, and why that one."""
        if not self.changed:
            return tr("Graded {file}: no file of this lesson is changed from the stub yet.", file=self.name)
        if len(self.changed) > 1:
            return tr("Graded {file}: you changed {files}; when several are changed, the .py file is graded.",
                      file=self.name, files=", ".join(self.changed))
        others = [f for f in self.files if f != self.name]
        if others:
            return tr("Graded {file}, the file you changed ({others}: still the stub).", file=self.name,
                      others=", ".join(others))
        return tr("Graded {file}.", file=self.name)


def choose(folder: Path, lesson: Lesson, solutions: Path | None = None,
           fingerprints: set[str] | None = None) -> Choice | None:
    """The file of `lesson` in `folder` to grade (None when the folder has none of its files)."""
    found = candidates(folder, lesson)
    if not found:
        return None
    stubs = stub_fingerprints(lesson, solutions) if fingerprints is None else fingerprints
    changed = [p for p in found if code_fingerprint(p) not in stubs]
    return Choice((changed or found)[0], tuple(p.name for p in changed), tuple(p.name for p in found))


_scratch: list[Path] = []


def _cleanup() -> None:
    for folder in _scratch:
        shutil.rmtree(folder, ignore_errors=True)


def handle_for(choice: Choice, lesson: Lesson):
    """A LocalHandle on the chosen file: the module itself, or a notebook run as a module
    (its code cells in order, as the judge runs it: grader/notebooks.py)."""
    if not choice.is_notebook:
        return LocalHandle(choice.path)
    if not _scratch:
        atexit.register(_cleanup)
    folder = Path(tempfile.mkdtemp(prefix=f"grader-{lesson.id}-notebook-"))
    _scratch.append(folder)
    target = folder / lesson.filename
    try:
        module = notebook_as_module(choice.path)
    except NotANotebook as exc:     # reported as the file failing to import, like any broken file
        module = f"raise ImportError({str(exc)!r})\n"
    target.write_text(module, encoding="utf-8")
    return LocalHandle(target, display_name=choice.name)


def for_score_cell(folder: Path, lesson: Lesson) -> tuple[Choice | None, str]:
    """What a notebook's score cell grades, by the same rule: the lesson module when the student
    changed it (it wins when both changed), else the notebook's own definitions. Returns the
    module's Choice (None: grade the notebook) and the line that says which."""
    choice = choose(folder, lesson)
    if choice is not None and not choice.is_notebook and choice.changed:
        return choice, tr("Graded {file}: you changed it, and when the .py file is changed it is the file "
                          "graded, not this notebook.", file=choice.name)
    return None, tr("Graded this notebook's code ({file} is still the stub); save the notebook: the saved file "
                    "is what is handed in.", file=lesson.filename)


# --- the judge's form of the same rule (grader/judge/plan.py) -------------------------------------

def is_untouched_stub(path: Path, solution: Path) -> bool:
    """Whether the lesson file or notebook at `path` still holds exactly the generated stub's code
    (whitespace at line ends, outputs and prose aside). Files that cannot be read count as changed."""
    fingerprint = code_fingerprint(path)
    stubs = stub_fingerprints_from_solution(solution, Path(solution).parent.name)
    return fingerprint is not None and fingerprint in stubs


def submitted_source(candidates: list[Path], solution: Path) -> Path | None:
    """Which of `candidates` (the module, then the notebooks) to grade: the first one changed from
    the stub; if none is, the first."""
    stubs = set(stub_fingerprints_from_solution(solution, Path(solution).parent.name))
    for path in candidates:
        if code_fingerprint(path) not in stubs:
            return path
    return candidates[0] if candidates else None
