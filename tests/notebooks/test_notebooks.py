"""The lesson notebooks: generated from the solutions and the prose, run headless with nbclient,
graded like the `.py` file (in the notebook's own score cell and in the batch judge)."""

import inspect
import json
import re
import shutil
import sys
import time
import unicodedata

import nbformat
import pytest
from conftest import EXERCISES, PROJECT, SOLUTIONS, written_lessons

from grader.authoring.cells import ProseError, split_cells
from grader.authoring.lesson_notebooks import (
    COMMON,
    LANGUAGES,
    lesson_notebook,
    load_prose,
    notebook_name,
    notebook_text,
    parse_prose,
)
from grader.authoring.stubs import solution_code, stub_code
from grader.checks import load_lesson
from grader.notebooks.as_module import notebook_as_module
from grader.notebooks.format import CHECKS_MARKER, CHECKS_TAG, code_cells
from grader.notebooks.submitted import is_untouched_stub

LESSONS = written_lessons()
SCORE = "GRADER-TEST-SCORE "


def solution_path(lesson_id):
    return SOLUTIONS / lesson_id / load_lesson(lesson_id).filename


# ---------------------------------------------------------------- generation


def test_every_language_has_the_shared_text():
    assert set(COMMON) == set(LANGUAGES) and LANGUAGES[0] == "en"
    assert all(set(COMMON[lang]) == set(COMMON["en"]) for lang in LANGUAGES)


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_prose_covers_every_definition_in_every_language(lesson_id):
    names = [name for name, _ in split_cells(stub_code(solution_path(lesson_id).read_text(), lesson_id))]
    assert names[0] == "setup"
    assert {todo.split(".")[0] for todo in load_lesson(lesson_id).todos} <= set(names)   # methods: their class
    sections = [set(load_prose(solution_path(lesson_id), names[1:], lang)) for lang in LANGUAGES]
    assert all(s == sections[0] for s in sections), "every language has the same sections"


KEY_FACTS = {   # language-neutral code that each lesson's explanation must mention
    "lesson01": ["torch.from_numpy", ".numpy()", ".detach()", ".cpu()"],
    "lesson02": [".grad.zero_()", "detach()", "torch.no_grad()", "requires_grad_(False)"],
    "lesson03": ["torch.no_grad()", ".grad.zero_()", "backward()"],
    "lesson04": ["state_dict", "weights_only=True", "torch.from_numpy"],
    "lesson05": [".reshape(-1, 784)", "torch.no_grad()", "nn.CrossEntropyLoss"],
    "lesson06": ["(batch, 784)", "device"],
    "lesson07": ["torch.no_grad()", ".grad.zero_()"],
    "lesson08": ["torch.save(model, path)", "state_dict", "weights_only=False", "torch.from_numpy"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson_id", LESSONS)
def test_the_key_facts_are_explained(lesson_id, lang):
    prose = (SOLUTIONS / lesson_id / f"prose.{lang}.md").read_text(encoding="utf-8")
    assert [fact for fact in KEY_FACTS[lesson_id] if fact not in prose] == []
    assert prose == unicodedata.normalize("NFC", prose)
    if lang == "vi":
        assert re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", prose), "Vietnamese has diacritics"


def test_the_prose_gives_away_no_solution_line():
    """No line of a TODO body (12+ characters, not in the grader's own public code nor quoted by
    the stubs' docstrings and hints) appears in the prose, as a line or as inline code (the
    release's rule, made stricter)."""
    from grader.authoring.stubs import parse_todos
    public = {line.strip() for path in (PROJECT / "grader").rglob("*.py")
              for line in path.read_text(encoding="utf-8").splitlines()}
    stubs = "".join((EXERCISES / lesson_id / load_lesson(lesson_id).filename).read_text() for lesson_id in LESSONS)
    leaks = []
    for lesson_id in LESSONS:
        secret = {line.strip() for todo in parse_todos(solution_path(lesson_id).read_text())
                  for line in todo.body if len(line.strip()) >= 12 and not line.strip().startswith("#")
                  and line.strip() not in stubs} - public
        for lang in LANGUAGES:
            prose = (SOLUTIONS / lesson_id / f"prose.{lang}.md").read_text(encoding="utf-8")
            shown = {line.strip() for line in prose.splitlines()} | set(re.findall(r"`([^`]+)`", prose))
            leaks += [f"{lesson_id} {lang}: {line}" for line in secret & shown]
    assert leaks == []


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_stub_notebook_has_the_py_stubs_code_and_signatures(lesson_id):
    lesson = load_lesson(lesson_id)
    stub_py = (EXERCISES / lesson_id / lesson.filename).read_text()
    py_namespace, nb_namespaces = {}, {}
    exec(compile(stub_py, lesson.filename, "exec"), py_namespace)
    for lang in LANGUAGES:
        notebook = nbformat.read(EXERCISES / lesson_id / notebook_name(lesson_id, lang), as_version=4)
        nbformat.validate(notebook)
        cells = [c for c in notebook.cells if c.cell_type == "code"]
        assert cells[-1].metadata["tags"] == [CHECKS_TAG] and cells[-1].source.startswith(CHECKS_MARKER)
        assert f"check_notebook({lesson_id!r}, globals()" in cells[-1].source
        assert "BEGIN TODO" not in notebook_text(notebook) and "END TODO" not in notebook_text(notebook)
        nb_namespaces[lang] = namespace = {}
        for cell in cells[:-1]:
            exec(compile(cell.source, f"{lang} cell", "exec"), namespace)
            assert "NotImplementedError" in cell.source or cell.id == "setup"
        for todo in lesson.todos:
            owner, _, method = todo.partition(".")
            ours, theirs = py_namespace[owner], namespace[owner]
            if method:
                ours, theirs = getattr(ours, method), getattr(theirs, method)
            assert str(inspect.signature(theirs)) == str(inspect.signature(ours)), todo
            assert inspect.getdoc(theirs) == inspect.getdoc(ours), todo
    code = [[c.source for c in nbformat.read(EXERCISES / lesson_id / notebook_name(lesson_id, lang),
                                              as_version=4).cells if c.cell_type == "code"][:-1] for lang in LANGUAGES]
    assert all(c == code[0] for c in code), "the languages differ in prose only"


def test_the_judge_skips_the_score_cell_and_keeps_cell_numbers(tmp_path):
    path = EXERCISES / "lesson03" / "lesson03.ipynb"
    cells = code_cells(path)
    assert all("grader" not in source for _, source in cells)
    total = sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells)
    assert [n for n, _ in cells] == list(range(1, total))
    # the marker comment alone (tags lost by copying the cell) is enough
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].metadata = {}
    nbformat.write(notebook, tmp_path / "lesson03.ipynb")
    assert all("check_notebook" not in s for _, s in code_cells(tmp_path / "lesson03.ipynb"))
    assert "check_notebook" not in notebook_as_module(tmp_path / "lesson03.ipynb")


def write_notebook(path, cells):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    return path


def test_the_judge_runs_a_notebook_in_an_ipython_kernel(tmp_path):
    """In the sandbox, nbclient runs the cells on an in-process IPython kernel: magics and
    get_ipython() work (the plain per-cell runner would skip the `%time` line, then stop at
    get_ipython), `!` lines and `%pip` installs are skipped, and the kernel's namespace is the
    graded module's, so lesson 1's probe, which patches a name get_device uses, is seen by it."""
    from grader.judge import intake
    from grader.judge.batch import grade_batch
    from grader.judge.jobs import GradeOptions

    write_notebook(tmp_path / "class" / "magic" / "lesson03.ipynb", [
        "!pip install torch\n%pip install torch\n%matplotlib inline\nimport torch",
        solution_path("lesson03").read_text(),
        "%time answer = 6 * 7\nassert get_ipython().user_ns is globals() and answer == 42\nanswer"])
    tensors = solution_path("lesson01").read_text().replace("torch.cuda.is_available()", "is_available()")
    write_notebook(tmp_path / "class" / "bound" / "lesson01.ipynb", ["from torch.cuda import is_available", tensors])
    options = GradeOptions(out=tmp_path / "out", lessons=("lesson01", "lesson03"), jobs=2, progress=False)
    batch = grade_batch(intake.find_submissions([tmp_path / "class"]), options)
    scores = {(r.student, lesson.lesson): lesson.score for r in batch.graded for lesson in r.lessons}
    assert scores[("magic", "lesson03")] == 10
    assert scores[("bound", "lesson01")] == load_lesson("lesson01").max_score


def test_every_catalogue_variant_scores_the_same_as_notebook_and_as_py(tmp_path):
    """The solution, the stub and each catalogue patch of the fast lessons, handed in once as the
    .py file and once as the notebook with the same code in its cells
    (grader.authoring.demo.lesson_notebook_text): equal points, lesson by lesson."""
    from grader.authoring.demo import build_class, catalogue_variants
    from grader.judge import intake
    from grader.judge.batch import grade_batch
    from grader.judge.jobs import GradeOptions

    lessons = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson07", "lesson08")
    students = {f"{lesson}-{variant}": {lesson: variant} for lesson in lessons
                for variant in ["solution", "stub", *catalogue_variants(lesson)]}
    points = {}
    for form in ("py", "notebook"):
        klass = build_class(tmp_path / form, students, notebooks=form == "notebook")
        batch = grade_batch(intake.find_submissions([klass]), GradeOptions(
            out=tmp_path / f"out-{form}", lessons=lessons, jobs=2, progress=False))
        points[form] = {r.student: {lesson.lesson: lesson.score for lesson in r.lessons if lesson.max_score}
                        for r in batch.graded}
    assert points["notebook"] == points["py"]
    for lesson in lessons:
        full = load_lesson(lesson).max_score
        assert points["py"][f"{lesson}-solution"][lesson] == full and points["py"][f"{lesson}-stub"][lesson] == 0
        assert any(0 < points["py"][s][lesson] < full for s in students if s.startswith(lesson))


def test_without_nbclient_the_cells_run_as_plain_python(tmp_path, monkeypatch):
    from grader.session import load_module
    monkeypatch.setitem(sys.modules, "grader.notebooks.kernel", None)   # import fails: the fallback
    cells = ["%matplotlib inline\nimport math", "!ls\ndef root(x):\n    return math.sqrt(x)", "two = root(4)"]
    path = write_notebook(tmp_path / "lesson03.ipynb", cells)
    (tmp_path / "ok.py").write_text(notebook_as_module(path))
    assert load_module(tmp_path / "ok.py").two == 2
    write_notebook(path, cells + ["1 / 0"])
    (tmp_path / "broken.py").write_text(notebook_as_module(path))
    with pytest.raises(Exception, match="lesson03.ipynb: code cell 4 raised ZeroDivisionError: division by zero"):
        load_module(tmp_path / "broken.py")


@pytest.mark.parametrize("text, message", [
    ("intro text\n", "before the first"),
    ("<!-- cell: intro -->\nx\n<!-- cell: intro -->\ny\n", "appears twice"),
    ("<!-- cell: intro -->\n\n<!-- cell: f -->\nx\n", "'intro' is empty"),
])
def test_bad_prose_is_reported_with_file_and_line(text, message):
    with pytest.raises(ProseError, match=message) as error:
        parse_prose(text, "lesson99/prose.en.md")
    assert re.match(r"lesson99/prose\.en\.md:\d+: ", str(error.value))


def test_missing_or_unknown_sections_name_the_file(tmp_path):
    solution = tmp_path / "lesson99" / "mod.py"
    solution.parent.mkdir()
    solution.write_text("import torch\n\n\ndef f(x):\n    # BEGIN TODO f: hint\n    return x\n    # END TODO\n")
    with pytest.raises(ProseError, match="prose.en.md is missing"):
        lesson_notebook(solution, "en")
    (solution.parent / "prose.en.md").write_text("<!-- cell: intro -->\nHi\n<!-- cell: g -->\nG\n")
    with pytest.raises(ProseError, match="section\\(s\\) g name nothing"):
        lesson_notebook(solution, "en")
    (solution.parent / "prose.en.md").write_text("<!-- cell: intro -->\nHi\n")
    with pytest.raises(ProseError, match="no section for f"):
        lesson_notebook(solution, "en")
    (solution.parent / "prose.en.md").write_text("<!-- cell: intro -->\nHi\n<!-- cell: f -->\nF\n")
    notebook = lesson_notebook(solution, "en")
    assert [c.id for c in notebook.cells] == ["intro", "setup-text", "setup", "f-text", "f", "checks-text", "checks"]
    assert notebook_text(notebook) == notebook_text(lesson_notebook(solution, "en")), "deterministic"


def test_demo_blocks_and_banners_stay_out_of_the_cells():
    cells = dict(split_cells(solution_code(solution_path("lesson04").read_text())))
    assert not any("__main__" in code for code in cells.values())
    cells = dict(split_cells(solution_code(solution_path("lesson08").read_text())))
    assert not any("# ---" in code for code in cells.values())
    assert cells["setup"].startswith("import numpy as np")


# ---------------------------------------------------------------- which file the judge grades


def test_the_judge_grades_the_form_the_student_changed(tmp_path):
    from grader.judge import intake
    from grader.judge.plan import plan

    def folder(name, py=None, notebooks=()):
        lesson = tmp_path / name / "exercises" / "lesson03"
        shutil.copytree(EXERCISES / "lesson03", lesson)
        if py is not None:
            (lesson / "backprop.py").write_text(py)
        for notebook_file, notebook in notebooks:
            nbformat.write(notebook, lesson / notebook_file)
        return lesson

    solved_en = lesson_notebook(solution_path("lesson03"), "en", solved=True)
    solved_vi = lesson_notebook(solution_path("lesson03"), "vi", solved=True)
    solution = solution_path("lesson03").read_text()
    folder("all_stubs")
    folder("in_py", py=solution)
    folder("in_notebook", notebooks=[("lesson03.ipynb", solved_en)])
    folder("in_vi_notebook", notebooks=[("lesson03.vi.ipynb", solved_vi)])
    folder("in_both", py=solution.replace("(y_pred - y) ** 2", "(y_pred - y).abs()"),
           notebooks=[("lesson03.ipynb", solved_en)])
    jobs = {student: jobs[0] for student, (_, jobs) in plan(intake.find_submissions([tmp_path]), ("lesson03",)).items()}
    assert {student: job.source.name for student, job in jobs.items()} == {
        "all_stubs": "backprop.py", "in_py": "backprop.py", "in_notebook": "lesson03.ipynb",
        "in_vi_notebook": "lesson03.vi.ipynb", "in_both": "backprop.py"}
    assert is_untouched_stub(EXERCISES / "lesson03" / "lesson03.vi.ipynb", solution_path("lesson03"))
    assert not is_untouched_stub(tmp_path / "in_notebook" / "exercises" / "lesson03" / "lesson03.ipynb",
                                 solution_path("lesson03"))


def test_intake_keeps_each_language_of_notebook(tmp_path):
    from grader.judge import intake
    source = tmp_path / "sub" / "lesson03"
    shutil.copytree(EXERCISES / "lesson03", source)
    (source / "Lesson3.VI.ipynb").write_bytes((source / "lesson03.vi.ipynb").read_bytes())
    (source / "lesson03.vi.ipynb").unlink()
    submission = intake.find_submissions([tmp_path / "sub"])[0]
    copied, _ = intake.copy_lesson_files(submission, "lesson03", tmp_path / "dest", {"backprop.py"})
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["backprop.py", "lesson03.ipynb",
                                                                     "lesson03.vi.ipynb"]


# ---------------------------------------------------------------- running the notebooks


@pytest.fixture(scope="session")
def kernel(tmp_path_factory):
    """A kernel spec for this very Python (so the notebooks see this grader), found first."""
    import os
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "grader-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "grader test", "language": "python"}))
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "PYDEVD_DISABLE_FILE_VALIDATION")}
    os.environ["JUPYTER_PATH"] = str(folder)
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    yield "grader-test"
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def execute(notebook, kernel, cwd, timeout=600):
    """Run every cell, as Jupyter's "Run All" does, plus one cell that reports the score; returns
    (the notebook with outputs, the score report, seconds)."""
    from nbclient import NotebookClient
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import json\n"
        f"print({SCORE!r} + json.dumps(None if result is None else "
        "{'score': result.score, 'max': result.max_score, "
        "'statuses': sorted({r.status for r in result.checks})}))", id="test-score"))
    started = time.perf_counter()
    NotebookClient(notebook, kernel_name=kernel, timeout=timeout, allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    seconds = time.perf_counter() - started
    errors = [(c.id, o.ename, o.evalue) for c in notebook.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert errors == [], errors
    text = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    report = json.loads(text.split(SCORE, 1)[1])
    return notebook, report, seconds


def printed(notebook, cell_id="checks") -> str:
    cell = next(c for c in notebook.cells if c.id == cell_id)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson_id", LESSONS)
def test_committed_stub_notebook_runs_clean_and_scores_zero(lesson_id, lang, kernel):
    path = EXERCISES / lesson_id / notebook_name(lesson_id, lang)
    notebook, report, seconds = execute(nbformat.read(path, as_version=4), kernel, path.parent)
    assert report is not None, printed(notebook)
    assert report["score"] == 0 and report["max"] == load_lesson(lesson_id).max_score
    assert report["statuses"] in (["not_started"], ["not_started", "skipped"]), report
    table = printed(notebook)
    assert lesson_id in table and "Traceback" not in table
    print(f"{path.name}: {seconds:.1f} s")


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_solution_notebook_runs_top_to_bottom_with_full_marks(lesson_id, kernel, tmp_path):
    notebook = lesson_notebook(solution_path(lesson_id), "en", solved=True)
    notebook, report, seconds = execute(notebook, kernel, tmp_path)
    assert report is not None, printed(notebook)
    assert report["score"] == report["max"] == load_lesson(lesson_id).max_score, printed(notebook)
    assert "(100%)" in printed(notebook)
    print(f"{lesson_id} solution notebook: {seconds:.1f} s")


def test_a_notebook_grades_the_same_in_its_score_cell_and_in_the_judge_as_the_py(kernel, tmp_path):
    """One mistake (|error| for the squared error): the notebook's score cell, the judge on that
    notebook and the judge on the same code as a `.py` all give 5 / 10 (pytest on the `.py` too:
    tests/test_plugin.py); the solved notebook, submitted beside the stubs, gets 10."""
    from grader.judge import intake
    from grader.judge.batch import grade_batch
    from grader.judge.jobs import GradeOptions

    mistaken = solution_path("lesson03").read_text().replace("(y_pred - y) ** 2", "(y_pred - y).abs()")
    notebook = lesson_notebook(solution_path("lesson03"), "vi", solved=True)
    for cell in notebook.cells:
        if cell.id == "squared_error":
            cell.source = cell.source.replace("(y_pred - y) ** 2", "(y_pred - y).abs()")
    executed, report, _ = execute(notebook, kernel, tmp_path)
    assert report["score"] == 5 and report["max"] == 10, printed(executed)

    for student, files in {"nb": {"lesson03.vi.ipynb": notebook}, "py": {"backprop.py": mistaken},
                           "solved_nb": {"lesson03.ipynb": lesson_notebook(solution_path("lesson03"), "en",
                                                                         solved=True)}}.items():
        folder = tmp_path / "class" / student / "exercises" / "lesson03"
        shutil.copytree(EXERCISES / "lesson03", folder)    # the stubs stay beside what was changed
        for name, content in files.items():
            if name.endswith(".ipynb"):
                nbformat.write(content, folder / name)
            else:
                (folder / name).write_text(content)
    options = GradeOptions(out=tmp_path / "out", lessons=("lesson03",), jobs=2, progress=False, seed=20261127)
    batch = grade_batch(intake.find_submissions([tmp_path / "class"]), options)
    assert {r.student: r.score for r in batch.graded} == {"nb": 5, "py": 5, "solved_nb": 10}


def test_the_score_cell_grades_the_py_file_when_the_student_changed_it(kernel, tmp_path):
    """One rule everywhere (grader/notebooks/submitted.py): the `.py` file changed, the notebook
    untouched — the score cell grades the `.py` file, as pytest and the judge do, and says so."""
    folder = tmp_path / "lesson03"
    shutil.copytree(EXERCISES / "lesson03", folder)
    (folder / "backprop.py").write_text(solution_path("lesson03").read_text())
    executed, report, _ = execute(nbformat.read(folder / "lesson03.ipynb", as_version=4), kernel, folder)
    assert report["score"] == report["max"] == 10, printed(executed)
    assert "Graded backprop.py: you changed it" in printed(executed)
