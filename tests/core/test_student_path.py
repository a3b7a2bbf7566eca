"""The student's path: whichever file the student worked in is graded, by one rule
(grader/notebooks/submitted.py), with the same points for the same code in the module or the notebook."""

import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from catalogue import variants
from conftest import EXERCISES, PROJECT, SOLUTIONS, run_student_pytest

from grader.authoring.lesson_notebooks import lesson_notebook
from grader.checks import load_lesson
from grader.handle import LocalHandle
from grader.notebooks.submitted import (
    choose,
    code_fingerprint,
    handle_for,
    released_stub_fingerprints,
    stub_fingerprints,
)
from grader.runner import grade_lesson

pytest_plugins = ["pytester"]

ANSI = re.compile(r"\x1b\[[0-9;]*m")     # colour codes: pytest may end its error line with a reset on a line of its own
FAST_LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson07", "lesson08")


def student_folder(tmp_path, name, lesson_id="lesson03"):
    folder = tmp_path / name / lesson_id
    shutil.copytree(EXERCISES / lesson_id, folder)     # the stubs, as the student got them
    return folder


def test_the_committed_stubs_are_recognised_in_every_form():
    lesson = load_lesson("lesson03")
    stubs = stub_fingerprints(lesson)
    for name in ("backprop.py", "lesson03.ipynb", "lesson03.vi.ipynb"):
        assert code_fingerprint(EXERCISES / "lesson03" / name) in stubs, name


def test_the_file_the_student_changed_is_graded_and_named(tmp_path):
    lesson = load_lesson("lesson03")
    solved = lesson_notebook(SOLUTIONS / "lesson03" / "backprop.py", "en", solved=True)
    untouched = choose(student_folder(tmp_path, "untouched"), lesson)
    assert untouched.name == "backprop.py" and untouched.changed == ()
    assert "no file of this lesson is changed" in untouched.describe()

    folder = student_folder(tmp_path, "notebook")
    nbformat.write(solved, folder / "lesson03.ipynb")
    in_notebook = choose(folder, lesson)
    assert in_notebook.name == "lesson03.ipynb" and in_notebook.changed == ("lesson03.ipynb",)
    assert in_notebook.describe().startswith("Graded lesson03.ipynb, the file you changed")

    folder = student_folder(tmp_path, "vi")
    nbformat.write(lesson_notebook(SOLUTIONS / "lesson03" / "backprop.py", "vi", solved=True),
                   folder / "lesson03.vi.ipynb")
    assert choose(folder, lesson).name == "lesson03.vi.ipynb"

    folder = student_folder(tmp_path, "both")
    nbformat.write(solved, folder / "lesson03.ipynb")
    (folder / "backprop.py").write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text())
    both = choose(folder, lesson)
    assert both.name == "backprop.py" and set(both.changed) == {"backprop.py", "lesson03.ipynb"}
    assert "the .py file is graded" in both.describe()

    folder = student_folder(tmp_path, "outputs_only")     # run, saved, prose edited: still the stub
    notebook = nbformat.read(folder / "lesson03.ipynb", as_version=4)
    notebook.cells[0].source += "\n\nMy notes."
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    nbformat.write(notebook, folder / "lesson03.ipynb")
    assert choose(folder, lesson).changed == ()

    folder = student_folder(tmp_path, "broken")           # unreadable counts as changed: graded, reported
    (folder / "lesson03.ipynb").write_text("{not json")
    broken = choose(folder, lesson)
    assert broken.name == "lesson03.ipynb"
    result = grade_lesson(lesson, handle_for(broken, lesson), LocalHandle(SOLUTIONS / "lesson03" / "backprop.py"),
                          devices=("cpu",), todos=("forward",))
    assert "lesson03.ipynb could not be imported" in result.checks[0].message


def test_without_solutions_the_stub_fingerprints_recorded_at_release_decide(tmp_path):
    lessons = [load_lesson(lesson_id) for lesson_id in FAST_LESSONS]
    recorded = tmp_path / "stubs.json"
    recorded.write_text(json.dumps(released_stub_fingerprints(EXERCISES, lessons)))
    for lesson in lessons:
        assert stub_fingerprints(lesson, tmp_path / "no-solutions", recorded) == stub_fingerprints(lesson)
    assert stub_fingerprints(lessons[0], tmp_path / "no-solutions", tmp_path / "absent.json") == set()


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", FAST_LESSONS)
def test_same_code_same_points_in_the_module_or_the_notebook(lesson_id, tmp_path, reference_handles):
    """Every catalogued mistake (and the solution), handed in once as the `.py` file and once as
    the notebook beside the untouched stub: the rule picks the changed file, and the points match."""
    from grader.authoring.demo import lesson_notebook_text, lesson_source
    lesson = load_lesson(lesson_id)
    names = ["solution"] + [v.name for v in variants(lesson_id) if not v.correct]
    for name in names:
        points = {}
        for form in ("py", "notebook"):
            folder = student_folder(tmp_path / name, form, lesson_id)
            if form == "py":
                (folder / lesson.filename).write_text(lesson_source(lesson_id, name), encoding="utf-8")
            else:
                (folder / f"{lesson_id}.ipynb").write_text(lesson_notebook_text(lesson_id, name), encoding="utf-8")
            choice = choose(folder, lesson)
            assert choice.name == (lesson.filename if form == "py" else f"{lesson_id}.ipynb"), (name, form)
            result = grade_lesson(lesson, handle_for(choice, lesson), reference_handles(lesson_id), devices=("cpu",))
            points[form] = {todo: s.score for todo, s in result.todos().items()}
        assert points["py"] == points["notebook"], name


# --- pytest, as the student runs it -----------------------------------------------------------

def test_pytest_grades_the_notebook_the_student_worked_in_and_says_so(pytester, lesson03):
    nbformat.write(lesson_notebook(SOLUTIONS / "lesson03" / "backprop.py", "en", solved=True),
                   lesson03 / "lesson03.ipynb")
    result = run_student_pytest(pytester, lesson03)
    text = result.stdout.str()
    assert "Graded lesson03.ipynb, the file you changed (backprop.py, lesson03.vi.ipynb: still the stub)." in text
    assert "total                          10 / 10" in text or " 10 / 10   (100%)" in text, text


def test_a_partial_run_says_so_under_its_total(pytester, lesson03):
    (lesson03 / "backprop.py").write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text())
    text = run_student_pytest(pytester, lesson03, "-k", "forward_matches").stdout.str()
    assert "(100%)" in text and "partial run: 2 of 16 checks" in text, text
    assert "partial run" not in run_student_pytest(pytester, lesson03).stdout.str()


@pytest.mark.slow
def test_pytest_in_a_python_without_torch_names_the_python_to_use(pytester, lesson03):
    """The plugin reachable (an earlier install) but no torch: one line, not an INTERNALERROR."""
    python3 = shutil.which("python3")
    probe = subprocess.run([python3, "-c", "import pytest, importlib.util, sys; "
                            "sys.exit(importlib.util.find_spec('torch') is not None)"], capture_output=True)
    if python3 is None or probe.returncode != 0:
        pytest.skip("needs a python3 with pytest and without torch")
    venv = pytester.path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)
    # the grader package alone on the path: the project root may hold an .egg-info whose entry point
    # would register the plugin a second time beside -p
    shim = pytester.path / "shim"
    shim.mkdir()
    (shim / "grader").symlink_to(PROJECT / "grader")
    env = {**os.environ, "PYTHONPATH": str(shim)}
    done = subprocess.run([python3, "-m", "pytest", "-p", "grader.pytest_plugin", "-p", "no:cacheprovider",
                           "lesson03"], cwd=pytester.path, env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "INTERNALERROR" not in out, out
    (line,) = [line for line in ANSI.sub("", out).splitlines() if line.strip()]   # as a terminal shows it
    assert "has no torch" in line and (f"({python3}" in line or "python3" in line)
    assert ".venv/bin/python -m pytest lesson03" in line


@pytest.mark.slow
def test_pytest_in_a_python_without_the_grader_is_one_line_naming_the_python_to_use(tmp_path):
    """The student's python3 outside the environment: neither the plugin nor torch, only pytest. The
    released template's exercises/conftest.py turns the session into one line."""
    from grader.classroom.generated import TEMPLATES
    python3 = shutil.which("python3")
    probe = subprocess.run([python3, "-c", "import pytest, importlib.util, sys; "
                            "sys.exit(importlib.util.find_spec('torch') is not None)"], capture_output=True)
    if python3 is None or probe.returncode != 0:
        pytest.skip("needs a python3 with pytest and without torch")
    executable = subprocess.run([python3, "-c", "import sys; print(sys.executable)"], capture_output=True,
                                text=True).stdout.strip()       # behind a pyenv shim, the real one
    root = tmp_path / "template"
    shutil.copytree(EXERCISES / "lesson03", root / "exercises" / "lesson03")
    shutil.copyfile(TEMPLATES / "exercises-conftest.py", root / "exercises" / "conftest.py")
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["exercises"]\n')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def lines():
        done = subprocess.run([python3, "-m", "pytest", "-p", "no:cacheprovider", "exercises/lesson03"], cwd=root,
                              env=env, capture_output=True, text=True, timeout=120)
        shown = [line for line in ANSI.sub("", done.stdout + done.stderr).splitlines() if line.strip()]
        assert done.returncode != 0 and len(shown) == 1, shown
        return shown

    (line,) = lines()      # no grader importable at all
    assert "does not have the course grader" in line and f"({executable})" in line
    assert ".venv/bin/python -m pytest exercises/lesson03" in line
    (root / "grader").symlink_to(PROJECT / "grader")     # the template's grader, found from its root
    (line,) = lines()
    assert "has no torch" in line and f"({executable})" in line
    assert ".venv/bin/python -m pytest exercises/lesson03" in line


@pytest.mark.slow
def test_missing_mnist_is_one_setup_message_and_every_mnist_check_is_skipped(tmp_path, monkeypatch,
                                                                             reference_handles):
    from grader import data
    monkeypatch.setattr(data, "PROJECT_ROOT", tmp_path / "repo")
    monkeypatch.setenv("GRADER_SHARED_DATA", str(tmp_path / "no-shared-copy"))
    monkeypatch.delenv("GRADER_DATA", raising=False)
    monkeypatch.delenv("GRADER_ALLOW_DOWNLOAD", raising=False)
    problem = data.setup_problem()
    assert problem.startswith("MNIST is missing") and "-m grader.data" in problem
    assert str(tmp_path / "repo" / "datasets" / "MNIST" / "raw") in problem
    lesson = load_lesson("lesson05")
    result = grade_lesson(lesson, LocalHandle(SOLUTIONS / "lesson05" / lesson.filename), reference_handles("lesson05"),
                          devices=("cpu",))
    statuses = {c.name: c.status for c in result.checks}
    assert "error" not in statuses.values(), statuses
    skipped = [c for c in result.checks if c.status == "skipped"]
    assert skipped and all(c.message.startswith("skipped: no data") for c in skipped)
    assert all("instructor" not in c.message for c in result.checks)
    assert any(s == "passed" for s in statuses.values())      # what needs no data still runs
