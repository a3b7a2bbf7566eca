"""Generate each lesson's notebook from the same source as its `.py` stub.

    solutions/lessonNN/<module>.py     the code: split into one cell per top-level definition
    solutions/lessonNN/prose.en.md     the explanation, one section per cell (English)
    solutions/lessonNN/prose.vi.md     the same sections in Vietnamese
        ->  exercises/lessonNN/lessonNN.ipynb      (English, the default)
            exercises/lessonNN/lessonNN.vi.ipynb   (Vietnamese)

A notebook is: the lesson's introduction; the imports cell; for each top-level function or class a
short explanation and its code cell (the stub: signature, docstring, `# TODO` hint and
`raise NotImplementedError`); last, a cell that runs the lesson's checks on the notebook's own
definitions and prints the score (`grader.notebook_checks.check_notebook`). That last cell is
tagged `grader-checks` and starts with the comment `# grader-checks`, so the batch judge, which
runs a submitted notebook's code cells as a module, leaves it out (grader/notebooks.py).

A prose file is Markdown cut into sections by marker lines `<!-- cell: NAME -->`: `intro` (first,
required), `setup` (before the imports cell, optional), one per top-level definition (required)
and `checks` (before the score cell, optional). Missing, unknown or repeated sections are errors
naming the file and line. Text shared by every lesson (how to work, the score cell) is in
`COMMON` below.

Generation never depends on the current language setting (`GRADER_LANG`): every language's
notebook is written, so `grader stubs --check` compares the same files everywhere.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from grader.i18n import DEFAULT_LANGUAGE, LANGUAGES as _CATALOGUED

# The default first (lessonNN.ipynb), then the others (lessonNN.<lang>.ipynb): the languages of grader.i18n.
LANGUAGES = (DEFAULT_LANGUAGE, *(lang for lang in _CATALOGUED if lang != DEFAULT_LANGUAGE))
CHECKS_TAG = "grader-checks"      # cell metadata tag of the score cell ...
CHECKS_MARKER = "# grader-checks"  # ... and the comment its source starts with (kept when tags are lost)

SECTION = re.compile(r"^<!--\s*cell:\s*(?P<name>[A-Za-z_]\w*)\s*-->\s*$")
SPECIAL = ("intro", "setup", "checks")
BANNER = re.compile(r"^#\s*-{3}.*$")   # `# --- Autograd -----` section rules: the prose has headings instead

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


class ProseError(ValueError):
    """A lesson's prose file is missing, or its sections do not match the lesson's code."""


# ---------------------------------------------------------------- file names


def notebook_name(lesson: str, lang: str) -> str:
    return f"{lesson}.ipynb" if lang == LANGUAGES[0] else f"{lesson}.{lang}.ipynb"


def prose_path(solution: Path, lang: str) -> Path:
    return Path(solution).parent / f"prose.{lang}.md"


# ---------------------------------------------------------------- the code, cut into cells


def _definition_name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    return None


def _is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` — a script's demo; in a notebook it would run on import."""
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__")


def split_cells(source: str, path: str = "<source>") -> list[tuple[str, str]]:
    """[("setup", imports and constants), (name, code of that definition), ...] in file order.

    The module docstring, `if __name__ == "__main__":` demos and `# --- ... ---` banner comments are
    left out; comment lines directly above a definition stay with it; any other top-level statement
    joins the cell before it.
    """
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise ProseError(f"{path}:{exc.lineno}: cannot parse the lesson file: {exc.msg}") from None
    lines = source.splitlines()
    cells: list[list] = [["setup", []]]
    previous_end = 0
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        previous_end = body[0].end_lineno
        body = body[1:]
    for node in body:
        if _is_main_guard(node):
            previous_end = node.end_lineno
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        while start - 1 > previous_end and lines[start - 2].lstrip().startswith("#") \
                and not BANNER.match(lines[start - 2].strip()):
            start -= 1                      # comments directly above belong to the definition
        chunk = lines[start - 1:node.end_lineno]
        name = _definition_name(node)
        if name is not None:
            cells.append([name, chunk])
        else:
            cells[-1][1].extend(chunk)
        previous_end = node.end_lineno
    return [(name, "\n".join(chunk).strip("\n")) for name, chunk in cells]


def solution_code(source: str) -> str:
    """The solution without its TODO marker lines: the code a finished notebook holds."""
    from grader.stubs import BEGIN, END
    return "".join(line for line in source.splitlines(keepends=True) if not (BEGIN.match(line) or END.match(line)))


def stub_code(source: str, lesson: str, path: str = "<solution>") -> str:
    """The stub (grader.stubs.make_stub) without its first-line header for the `.py` file."""
    from grader.stubs import make_stub
    return make_stub(source, lesson, path).split("\n", 1)[1]


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
            "from grader.notebook_checks import check_notebook\n\n"
            f"result = check_notebook({lesson!r}, globals(){language})")


def build_notebook(cells: list[tuple[str, str]], prose: dict[str, str], lesson: str, lang: str):
    """The notebook (an nbformat node) for code `cells` (from `split_cells`) and their `prose`."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

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
    import nbformat
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
    from grader.stubs import lesson_files
    out = {}
    for path in lesson_files(solutions):
        lesson = path.parent.name
        for lang in LANGUAGES:
            out[exercises / lesson / notebook_name(lesson, lang)] = notebook_text(
                lesson_notebook(path, lang, project=solutions.parent))
    return out


# ---------------------------------------------------------------- reading notebooks back


def is_checks_cell(cell: dict) -> bool:
    """The score cell: tagged `grader-checks`, or its source starts with `# grader-checks`."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    if isinstance(tags, list) and CHECKS_TAG in tags:
        return True
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    return source.lstrip().startswith(CHECKS_MARKER)


def _normalized(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.replace("\r\n", "\n").strip().splitlines())


STUB_MAX_BYTES = 2**20   # a generated stub is a few KiB: anything larger was changed (and is not read here)


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
            from grader.notebooks import code_cells
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

