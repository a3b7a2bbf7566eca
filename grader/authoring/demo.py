"""A sample class, assembled from the reference solutions, the stubs and the catalogue.

Nothing here is a second copy of a solution: each sample student's lesson file is built from
`solutions/` plus a catalogue patch (`tests/catalogue/`), or is the generated stub.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nbformat.v4 import new_code_cell

from grader.authoring.cells import split_cells
from grader.authoring.lesson_notebooks import lesson_notebook, notebook_text
from grader.authoring.stubs import make_stub
from grader.checks import LESSON_IDS, load_lesson

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = PROJECT_ROOT / "tests" / "catalogue"

# Per student and lesson: "solution", "stub", "correct" / "first-mistake" (the first catalogue
# patch of that kind) or the name of a catalogue patch ("mistake_abs_error").
# A lesson a student did not hand in is simply absent.
CLASS = {
    "ada": {lesson: "solution" for lesson in LESSON_IDS},
    "grace": {lesson: "first-mistake" for lesson in LESSON_IDS},
    "linus": {lesson: "stub" for lesson in LESSON_IDS},
    "alan": {lesson: ("correct" if int(lesson[-2:]) % 2 else "first-mistake") for lesson in LESSON_IDS[:6]},
}


def _patch(lesson_id: str, variant: str) -> Path | None:
    """"correct" / "first-mistake": the first such patch; otherwise the patch of that name."""
    if variant in ("correct", "first-mistake"):
        prefix = "correct_" if variant == "correct" else "mistake_"
        found = sorted((CATALOGUE / lesson_id).glob(f"{prefix}*.py"))
        return found[0] if found else None
    named = CATALOGUE / lesson_id / f"{variant}.py"
    if not named.is_file():
        raise ValueError(f"{lesson_id} has no catalogue patch {variant!r}")
    return named


def catalogue_variants(lesson_id: str) -> list[str]:
    """The names of a lesson's catalogue patches: mistake_... and correct_..."""
    return sorted(p.stem for p in (CATALOGUE / lesson_id).glob("*.py") if p.stem.startswith(("mistake_", "correct_")))


def lesson_source(lesson_id: str, variant: str) -> str:
    lesson = load_lesson(lesson_id)
    solution = PROJECT_ROOT / "solutions" / lesson_id / lesson.filename
    text = solution.read_text(encoding="utf-8")
    if variant == "stub":
        return make_stub(text, lesson_id, str(solution))
    if variant == "solution":
        return text
    patch = _patch(lesson_id, variant)
    return text if patch is None else text + "\n\n# --- sample patch ---\n" + patch.read_text(encoding="utf-8")


def lesson_notebook_text(lesson_id: str, variant: str) -> str:
    """The lesson's notebook as a student hands it in: the stub notebook, or the solved one with
    a catalogue patch's code in cells added after the lesson's own (as the patch follows the
    solution in the `.py` file), before the score cell."""
    solution = PROJECT_ROOT / "solutions" / lesson_id / load_lesson(lesson_id).filename
    if variant == "stub":
        return notebook_text(lesson_notebook(solution))
    notebook = lesson_notebook(solution, solved=True)
    patch = None if variant == "solution" else _patch(lesson_id, variant)
    added = [new_code_cell(code, id=f"patch-{number}")
             for number, (_, code) in enumerate(split_cells(patch.read_text(encoding="utf-8")) if patch else [])
             if code.strip()]
    notebook.cells[-2:-2] = added    # the last two cells: the score cell and its text
    return notebook_text(notebook)


def build_class(out: Path, students: dict[str, dict[str, str]] | None = None, *, notebooks: bool = False) -> Path:
    """Write one folder per sample student, laid out like their repository (with `notebooks`,
    each lesson handed in as its notebook instead of the .py file)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    for student, lessons in (students or CLASS).items():
        for lesson_id, variant in lessons.items():
            lesson = load_lesson(lesson_id)
            folder = out / student / "exercises" / lesson_id
            folder.mkdir(parents=True, exist_ok=True)
            if notebooks:
                (folder / f"{lesson_id}.ipynb").write_text(lesson_notebook_text(lesson_id, variant), encoding="utf-8")
            else:
                (folder / lesson.filename).write_text(lesson_source(lesson_id, variant), encoding="utf-8")
    return out
