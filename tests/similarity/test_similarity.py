"""`grader similarity`: the demo class, plus a planted copy of one student's lessons (variables
renamed, functions reordered, reformatted), through the real command on real files."""

from __future__ import annotations

import ast
import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.authoring.demo import build_class
from grader.authoring.stubs import parse_todos
from grader.checks import LESSON_IDS, load_lesson
from grader.cli import main
from grader.results import CheckResult, LessonResult, SubmissionResult

PLANTED = ("lesson01", "lesson03", "lesson05")   # where alan wrote his own code (a catalogue "correct_" style)
COPIERS = {"mallory", "nina"}                     # mallory: lessons 1, 3, 5 as .py; nina: lesson 3 as a notebook
PROJECT = Path(__file__).resolve().parents[2]
EXERCISES = PROJECT / "exercises"
SHARED_ONLY = ("ada", "linus", "hedy", "ken")     # the reference and the stub, as .py and as notebooks


class _RenameLocals(ast.NodeTransformer):
    def visit_FunctionDef(self, node):
        names = {arg.arg for arg in node.args.args}
        names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        new = {name: f"my_{name}_{number}" for number, name in enumerate(sorted(names))}
        for child in ast.walk(node):
            if isinstance(child, ast.arg) and child.arg in new:
                child.arg = new[child.arg]
            elif isinstance(child, ast.Name) and child.id in new:
                child.id = new[child.id]
        return node


def disguised(source: str) -> str:
    """What a copier hands in: each function's last definition kept, their order reversed, every
    argument and local variable renamed, comments gone, the layout ast.unparse's."""
    tree = ast.parse(source)
    definitions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    rest = [node for node in tree.body if not isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    tree.body = rest + [_RenameLocals().visit(node) for node in reversed(definitions.values())]
    return ast.unparse(tree)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The demo class with mallory's planted copy of alan's lessons 1, 3 and 5; hedy and ken, who hand
    in the reference and the stub as notebooks, and nina, whose lesson 3 notebook is another disguised
    copy of alan's (one function a cell); one `grader similarity` run over both folders."""
    root = tmp_path_factory.mktemp("similarity")
    klass = build_class(root / "class")
    for lesson in PLANTED:
        name = load_lesson(lesson).filename
        copy = klass / "mallory" / "exercises" / lesson / name
        copy.parent.mkdir(parents=True)
        copy.write_text(disguised((klass / "alan" / "exercises" / lesson / name).read_text(encoding="utf-8")),
                        encoding="utf-8")
    notebooks = build_class(root / "notebooks", {"hedy": dict.fromkeys(LESSON_IDS, "solution"),
                                                 "ken": dict.fromkeys(LESSON_IDS, "stub")}, notebooks=True)
    cells = disguised(lesson_text(klass, "alan", "lesson03")).split("\n\ndef ")
    notebook = new_notebook(cells=[new_code_cell(("def " if number else "") + cell)
                                   for number, cell in enumerate(cells)])
    (notebooks / "nina" / "exercises" / "lesson03").mkdir(parents=True)
    nbformat.write(notebook, notebooks / "nina" / "exercises" / "lesson03" / "lesson03.ipynb")
    stub = EXERCISES / "lesson03" / load_lesson("lesson03").filename    # beside it, untouched: not compared
    (notebooks / "nina" / "exercises" / "lesson03" / stub.name).write_bytes(stub.read_bytes())
    out = root / "out"
    assert main(["similarity", str(klass), str(notebooks), "--out", str(out)]) == 0
    data = json.loads((out / "similarity.json").read_text(encoding="utf-8"))
    return klass, out, data


def lesson_text(klass: Path, student: str, lesson: str) -> str:
    return (klass / student / "exercises" / lesson / load_lesson(lesson).filename).read_text(encoding="utf-8")


def test_the_planted_copy_ranks_above_every_honest_pair_of_its_lesson(run):
    _, _, data = run
    for lesson in PLANTED:
        pairs = [p for p in data["pairs"] if p["lesson"] == lesson]
        planted = [p for p in pairs if {p["a"], p["b"]} <= {"alan"} | COPIERS]
        honest = [p for p in pairs if COPIERS.isdisjoint((p["a"], p["b"]))]
        assert len(planted) == (3 if lesson == "lesson03" else 1), (lesson, pairs)
        assert honest, (lesson, pairs)    # the grace-alan pair shares some own code too
        assert pairs[:len(planted)] == planted, (lesson, pairs)
        assert all(p["source_b"] == "lesson03.ipynb" for p in planted if p["b"] == "nina"), planted
        assert min(p["similarity"] for p in planted) > max(p["similarity"] for p in honest) + 0.2, (lesson, pairs)


def test_only_identical_files_rank_above_a_planted_copy(run):
    """In the whole ranking, whatever is above a planted pair is a pair of identical files (the demo
    gives alan and grace the same catalogue mistake in lessons 2, 4 and 6)."""
    klass, _, data = run
    lowest = max(p["rank"] for p in data["pairs"] if {p["a"], p["b"]} == {"alan", "mallory"}
                 and p["lesson"] in PLANTED)
    above = [p for p in data["pairs"] if p["rank"] < lowest and COPIERS.isdisjoint((p["a"], p["b"]))]
    assert above, "the even lessons' identical alan-grace files rank first"
    for pair in above:
        assert lesson_text(klass, pair["a"], pair["lesson"]) == lesson_text(klass, pair["b"], pair["lesson"]), pair


def test_reference_and_stub_never_pair_up(run):
    _, _, data = run
    paired = {student for pair in data["pairs"] for student in (pair["a"], pair["b"])}
    assert paired.isdisjoint(SHARED_ONLY), paired
    for lesson in LESSON_IDS:
        assert set(SHARED_ONLY) <= set(data["shared_only"][lesson]), (lesson, data["shared_only"])
        assert set(SHARED_ONLY).isdisjoint(data["compared"][lesson])


class _SideBySide(HTMLParser):
    """The rows of each `<details id="pair-N">` view: (left cell text, right cell text)."""

    def __init__(self):
        super().__init__()
        self.views: dict[str, list[list[str]]] = {}
        self.view = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            self.view = self.views.setdefault(attrs["id"], [])
        elif tag == "tr" and self.view is not None:
            self.view.append([])
        elif tag == "pre" and self.view is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "pre" and self.cell is not None:
            self.view[-1].append("".join(self.cell))
            self.cell = None
        elif tag == "details":
            self.view = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def numbered_lines(cell: str) -> dict[int, str]:
    found = {}
    for line in cell.split("\n"):
        number, _, text = line.lstrip().partition("  ")
        found[int(number)] = text
    return found


def test_the_html_shows_the_matching_lines_side_by_side(run):
    klass, out, data = run
    pair = next(p for p in data["pairs"] if p["lesson"] == "lesson03" and {p["a"], p["b"]} == {"alan", "mallory"})
    parser = _SideBySide()
    parser.feed((out / "similarity.html").read_text(encoding="utf-8"))
    rows = [row for row in parser.views[f"pair-{pair['rank']}"] if row]
    assert rows and all(len(row) == 2 for row in rows)
    files = [lesson_text(klass, pair[side], "lesson03").splitlines() for side in ("a", "b")]
    for row in rows:      # every line shown is that file's line of that number
        for cell, lines in zip(row, files):
            for number, text in numbered_lines(cell).items():
                assert lines[number - 1] == text, (number, text)
    # alan's own loss line faces mallory's renamed copy of it in the same row
    left, right = ("a", "b") if pair["a"] == "alan" else ("b", "a")
    index = {"a": 0, "b": 1}
    assert any("loss = pow(y_predict - y, 2)" in row[index[left]]
               and re.search(r"my_loss_\d+ = pow\(my_y_predict_\d+ - my_y_\d+, 2\)", row[index[right]])
               for row in rows), rows


def test_csv_and_console_follow_the_ranking(run, capsys, tmp_path):
    _, out, data = run
    with (out / "similarity.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(r["rank"]), r["lesson"], r["student_a"], r["student_b"]) for r in rows] == \
        [(p["rank"], p["lesson"], p["a"], p["b"]) for p in data["pairs"]]
    similarities = [p["similarity"] for p in data["pairs"]]
    assert similarities == sorted(similarities, reverse=True)
    klass = out.parent / "class"
    assert main(["similarity", str(klass), "--out", str(tmp_path / "o"), "--lessons", "3", "--top", "1"]) == 0
    table = [line for line in capsys.readouterr().out.splitlines() if re.match(r"\s+\d+\s+lesson", line)]
    assert len(table) == 1 and "lesson03" in table[0] and "alan" in table[0] and "mallory" in table[0], table


def test_a_graded_folder_gets_the_report_section(run, tmp_path):
    klass, _, _ = run
    graded = tmp_path / "graded"
    check = CheckResult("lesson03.x", "lesson03", "forward", "x", "cpu", 1.0, "passed")
    result = SubmissionResult("alan", (LessonResult("lesson03", "Backprop", (check,)),), status="graded")
    (graded / "alan").mkdir(parents=True)
    (graded / "alan" / "result.json").write_text(json.dumps({"fingerprint": "f" * 64, "result": result.to_dict()}),
                                                 encoding="utf-8")
    assert main(["similarity", str(klass), "--out", str(graded), "--lessons", "3"]) == 0
    page = (graded / "report.html").read_text(encoding="utf-8")
    assert 'id="similarity"' in page and "mallory" in page and 'id="pair-1"' in page
    assert main(["report", str(graded)]) == 0     # rewritten later, the section stays
    assert 'id="similarity"' in (graded / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["{missing}"], "no such file or folder"),
    (["{klass}", "--lessons", "9"], "unknown lesson"),
    (["{klass}", "--top", "0"], "--top must be at least 1"),
    (["{klass}", "--out-file"], "is a file, not a folder"),
    (["{one}"], "at least two submissions"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_work(run, tmp_path, capsys, args, message):
    klass, _, _ = run
    one = build_class(tmp_path / "one", {"ada": {"lesson01": "solution"}})
    out_file = tmp_path / "a-file"
    out_file.write_text("x", encoding="utf-8")
    paths = {"{missing}": str(tmp_path / "nowhere"), "{klass}": str(klass), "{one}": str(one)}
    argv = ["similarity", *(paths.get(a, a) for a in args if a != "--out-file")]
    argv += ["--out", str(out_file if "--out-file" in args else tmp_path / "out")]
    capsys.readouterr()
    assert main(argv) == 2
    said = capsys.readouterr()
    assert said.out == "" and len(said.err.strip().splitlines()) == 1 and message in said.err, said
    assert not (tmp_path / "out").exists()


def test_names_and_code_are_escaped_in_the_html(tmp_path):
    evil_name, evil_code = '<img src=x onerror="alert(1)">', "</pre><script>alert(2)</script>"
    own = (f"\n\ndef squared_error(y_pred, y):\n    note = '{evil_code}'\n    difference = y_pred - y\n"
           "    return difference * difference + 0 * len(note)\n")
    klass = build_class(tmp_path / "class", {"x": {"lesson03": "solution"}, "y": {"lesson03": "solution"}})
    for student in ("x", "y"):
        path = klass / student / "exercises" / "lesson03" / load_lesson("lesson03").filename
        path.write_text(path.read_text(encoding="utf-8") + own, encoding="utf-8")
    (klass / "y").rename(klass / evil_name)
    assert main(["similarity", str(klass), "--out", str(tmp_path / "out"), "--lessons", "3"]) == 0
    page = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "out" / "similarity.json").read_text(encoding="utf-8"))
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [(evil_name, "x")]
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(2)" in page and "&lt;img src=x" in page


@pytest.mark.parametrize("lesson", ["lesson01", "lesson08"])   # TODOs close together: seams
def test_students_who_stopped_at_the_same_todo_do_not_pair_up(tmp_path, lesson):
    """Half-done files: the first TODOs as the reference has them, the rest still the stub, two
    students per place they stopped at. The seams between the two parts are nobody's own code."""
    filename = load_lesson(lesson).filename
    solution = (PROJECT / "solutions" / lesson / filename).read_text(encoding="utf-8")
    stub = (EXERCISES / lesson / filename).read_text(encoding="utf-8")
    todos = parse_todos(solution)

    def solved(count: int) -> str:
        text = stub
        for todo in todos[:count]:
            stubbed = re.compile(rf"^([ \t]*)(# TODO {todo.name}:.*\n\1)?"
                                 rf'raise NotImplementedError\("TODO {todo.name}"\)\n', re.MULTILINE)
            body = "".join(line + "\n" for line in todo.body)
            text, replaced = stubbed.subn(lambda _, body=body: body, text)
            assert replaced == 1, todo.name
        return text

    klass = tmp_path / "class"
    students = [f"{who}{count}" for count in range(1, len(todos)) for who in ("pat", "sam")]
    for student in students:
        folder = klass / student / "exercises" / lesson
        folder.mkdir(parents=True)
        (folder / filename).write_text(solved(int(student[3:])), encoding="utf-8")
    assert main(["similarity", str(klass), "--out", str(tmp_path / "out"), "--lessons", lesson]) == 0
    data = json.loads((tmp_path / "out" / "similarity.json").read_text(encoding="utf-8"))
    assert data["pairs"] == [] and data["shared_only"][lesson] == sorted(students), data
