"""Generate each lesson's notebook from the same source as its `.py` stub.

    solutions/lessonNN/<module>.py     the code: one cell per top-level definition (cells.py)
    solutions/lessonNN/prose.en.md     the explanation, one section per cell (English)
    solutions/lessonNN/prose.vi.md     the same sections in Vietnamese
        ->  exercises/lessonNN/lessonNN.ipynb      (English, the default)
            exercises/lessonNN/lessonNN.vi.ipynb   (Vietnamese)

A notebook is: the lesson's introduction; the imports cell; for each top-level function or class a
short explanation and its code cell (the stub: signature, docstring, `# TODO` hint and
`raise NotImplementedError`); last, a cell that runs the lesson's checks on the notebook's own
definitions and prints the score (`grader.notebooks.score_cell.check_notebook`). That last cell
is tagged `grader-checks` and starts with the comment `# grader-checks`, so the batch judge, which
runs a submitted notebook's code cells as a module, leaves it out (grader/notebooks/format.py).

A prose file is Markdown cut into sections by marker lines `<!-- cell: NAME -->`: `intro` (first,
required), `setup` (before the imports cell, optional), one per top-level definition (required)
and `checks` (before the score cell, optional). Missing, unknown or repeated sections are errors
naming the file and line. Text shared by every lesson (how to work, the score cell) is in
`COMMON` below.

Generation never depends on the current language setting (`GRADER_LANG`): every language's
notebook is written, so `grader stubs --check` compares the same files everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.authoring.cells import ProseError, split_cells
from grader.authoring.stubs import lesson_files, solution_code, stub_code
from grader.i18n import DEFAULT_LANGUAGE
from grader.i18n import LANGUAGES as _CATALOGUED
from grader.notebooks.format import CHECKS_MARKER, CHECKS_TAG

__all__ = ["LANGUAGES", "COMMON", "ProseError", "notebook_name", "prose_path", "parse_prose", "load_prose",
           "checks_source", "build_notebook", "notebook_text", "lesson_notebook", "expected_notebooks"]

# The default first (lessonNN.ipynb), then the others (lessonNN.<lang>.ipynb): the languages of grader.i18n.
LANGUAGES = (DEFAULT_LANGUAGE, *(lang for lang in _CATALOGUED if lang != DEFAULT_LANGUAGE))

SECTION = re.compile(r"^<!--\s*cell:\s*(?P<name>[A-Za-z_]\w*)\s*-->\s*$")
SPECIAL = ("intro", "setup", "checks")

COMMON = {
    "en": {
        "how": (
            "**How to work.** Each code cell with a `TODO` raises `NotImplementedError` until you write "
            "its body: replace the `# TODO` comment and the `raise` line with your code, and keep the "
            "names and signatures, because the checks call them. Run the cells from top to bottom, then "
            "the last cell to see your score. You may work in the `.py` file next to this notebook "
            "instead: both are graded the same way, and your instructor grades the one you changed "
            "(the `.py` file if you changed both)."),
        "setup": "Run this cell first: it imports what the lesson needs.",
        "checks": (
            "**Your score.** This cell runs the lesson's checks on the functions defined above and "
            "prints a table: for each TODO, passed, failed (with what was expected and a hint) or not "
            "started. After a change, run the cell you changed again, then this one. This cell itself "
            "is not graded."),
        "comment": "runs this lesson's checks on the code above and prints your score (not graded)",
    },
    "vi": {
        "how": (
            "**Cách làm.** Mỗi ô code có `TODO` sẽ báo lỗi `NotImplementedError` cho đến khi bạn viết "
            "phần thân của nó: thay dòng chú thích `# TODO` và dòng `raise` bằng code của bạn, giữ "
            "nguyên tên và chữ ký (signature) của hàm, vì các bài kiểm tra gọi đúng những hàm đó. Chạy "
            "lần lượt các ô từ trên xuống, rồi chạy ô cuối cùng để xem điểm. Bạn cũng có thể làm bài "
            "trong tệp `.py` nằm cạnh notebook này: hai cách được chấm như nhau, và giảng viên chấm tệp "
            "mà bạn đã sửa (nếu sửa cả hai thì chấm tệp `.py`). Docstring trong code vẫn bằng tiếng "
            "Anh, giống như trong tệp `.py`."),
        "setup": "Chạy ô này trước tiên: nó import những gì bài học cần.",
        "checks": (
            "**Điểm của bạn.** Ô này chạy các bài kiểm tra của bài học trên những hàm đã định nghĩa ở "
            "trên và in ra một bảng: với mỗi TODO là đạt, chưa đúng (kèm kết quả mong đợi và gợi ý) "
            "hoặc chưa làm. Mỗi khi sửa code, hãy chạy lại ô vừa sửa rồi chạy lại ô này. Bản thân ô "
            "này không được chấm điểm."),
        "comment": "chạy các bài kiểm tra của bài học trên code ở trên và in điểm (ô này không được chấm)",
    },
}


# ---------------------------------------------------------------- file names


def notebook_name(lesson: str, lang: str) -> str:
    return f"{lesson}.ipynb" if lang == LANGUAGES[0] else f"{lesson}.{lang}.ipynb"


def prose_path(solution: Path, lang: str) -> Path:
    return Path(solution).parent / f"prose.{lang}.md"


# ---------------------------------------------------------------- the prose


def parse_prose(text: str, path: str = "<prose>") -> dict[str, str]:
    """Section name -> its Markdown, from `<!-- cell: NAME -->` marker lines."""
    sections: dict[str, str] = {}
    lines: dict[str, int] = {}
    name, chunk = None, []
    for number, line in enumerate(text.splitlines(), start=1):
        match = SECTION.match(line.strip())
        if match:
            if name is not None:
                sections[name] = "\n".join(chunk).strip()
            name, chunk = match["name"], []
            if name in lines:
                raise ProseError(f"{path}:{number}: section {name!r} appears twice (first at line {lines[name]})")
            lines[name] = number
        elif name is None:
            if line.strip():
                raise ProseError(f"{path}:{number}: text before the first `<!-- cell: intro -->` marker")
        else:
            chunk.append(line)
    if name is not None:
        sections[name] = "\n".join(chunk).strip()
    for name, text_ in sections.items():
        if not text_:
            raise ProseError(f"{path}:{lines[name]}: section {name!r} is empty")
    return sections


def load_prose(solution: Path, definitions: list[str], lang: str) -> dict[str, str]:
    """The prose of one lesson in one language, checked against the lesson's definitions."""
    path = prose_path(solution, lang)
    shown = f"{path.parent.name}/{path.name}"
    if not path.exists():
        raise ProseError(f"{shown} is missing: every lesson needs its explanation in each of "
                         f"{', '.join(LANGUAGES)} (sections: intro, {', '.join(definitions)})")
    sections = parse_prose(path.read_text(encoding="utf-8"), shown)
    known = set(SPECIAL) | set(definitions)
    unknown = [name for name in sections if name not in known]
    if unknown:
        raise ProseError(f"{shown}: section(s) {', '.join(unknown)} name nothing in the lesson "
                         f"(known: {', '.join(sorted(known))})")
    missing = [name for name in ["intro", *definitions] if name not in sections]
    if missing:
        raise ProseError(f"{shown}: no section for {', '.join(missing)}")
    return sections


# ---------------------------------------------------------------- the notebook


def _cell_id(name: str, suffix: str = "") -> str:
    return (re.sub(r"[^A-Za-z0-9_-]", "-", name) + suffix)[:64]


def checks_source(lesson: str, lang: str) -> str:
    language = "" if lang == LANGUAGES[0] else f", lang={lang!r}"
    return (f"{CHECKS_MARKER}: {COMMON[lang]['comment']}\n"
            "from grader.notebooks.score_cell import check_notebook\n\n"
            f"result = check_notebook({lesson!r}, globals(){language})")


def build_notebook(cells: list[tuple[str, str]], prose: dict[str, str], lesson: str, lang: str):
    """The notebook (an nbformat node) for code `cells` (from `split_cells`) and their `prose`."""
    common = COMMON[lang]
    out = [new_markdown_cell(prose["intro"] + "\n\n" + common["how"], id="intro")]
    for name, code in cells:
        if name == "setup":
            out.append(new_markdown_cell(prose.get("setup", common["setup"]), id="setup-text"))
            out.append(new_code_cell(code, id="setup"))
        else:
            out.append(new_markdown_cell(prose[name], id=_cell_id(name, "-text")))
            out.append(new_code_cell(code, id=_cell_id(name)))
    out.append(new_markdown_cell(prose.get("checks", common["checks"]), id="checks-text"))
    out.append(new_code_cell(checks_source(lesson, lang), id="checks", metadata={"tags": [CHECKS_TAG]}))
    notebook = new_notebook(cells=out, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "grader": {"lesson": lesson, "language": lang},
    })
    nbformat.validate(notebook)
    return notebook


def notebook_text(notebook) -> str:
    return nbformat.writes(notebook) + "\n"


def lesson_notebook(solution: Path, lang: str = LANGUAGES[0], *, solved: bool = False,
                    project: Path | None = None):
    """The notebook of the lesson whose reference is `solution`: the stub's code, or with
    `solved` the solution's (for tests only: a solved notebook is never written to exercises/)."""
    solution = Path(solution)
    lesson = solution.parent.name
    shown = str(solution.relative_to(project)) if project else f"{lesson}/{solution.name}"
    source = solution.read_text(encoding="utf-8")
    code = solution_code(source) if solved else stub_code(source, lesson, shown)
    cells = split_cells(code, shown)
    definitions = [name for name, _ in cells if name != "setup"]
    return build_notebook(cells, load_prose(solution, definitions, lang), lesson, lang)


def expected_notebooks(solutions: Path, exercises: Path) -> dict[Path, str]:
    """What exercises/ must hold besides the `.py` stubs: every lesson's notebook in every language."""
    out = {}
    for path in lesson_files(solutions):
        lesson = path.parent.name
        for lang in LANGUAGES:
            out[exercises / lesson / notebook_name(lesson, lang)] = notebook_text(
                lesson_notebook(path, lang, project=solutions.parent))
    return out
