"""The student's run, through pytest itself (pytester)."""

import shutil

import pytest
from conftest import SOLUTIONS, run_student_pytest

pytest_plugins = ["pytester"]


def test_stub_collects_and_reads_not_started(pytester, lesson03):
    result = run_student_pytest(pytester, lesson03)
    result.stdout.fnmatch_lines(["*grader: seed *", "*lesson03 · Backpropagation*",
                                 "*forward*not started*0 / 2*", "*total*0 / 10*", "*not started*"])
    assert "Traceback" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_solution_gets_full_marks(pytester, lesson03):
    shutil.copy(SOLUTIONS / "lesson03" / "backprop.py", lesson03 / "backprop.py")
    result = run_student_pytest(pytester, lesson03)
    result.stdout.fnmatch_lines(["*total*10 / 10*(100%)*"])
    assert result.ret == pytest.ExitCode.OK


def test_a_mistake_shows_a_short_message_naming_the_todo(pytester, lesson03):
    source = (SOLUTIONS / "lesson03" / "backprop.py").read_text().replace("(y_pred - y) ** 2", "(y_pred - y).abs()")
    (lesson03 / "backprop.py").write_text(source)
    result = run_student_pytest(pytester, lesson03)
    result.stdout.fnmatch_lines(["*TODO squared_error — squared_error for tensors of shape*wrong values*Hint:*",
                                 "*squared_error*failed*"])
    assert "Traceback" not in result.stdout.str()


def test_syntax_error_is_one_clear_message(pytester, lesson03):
    (lesson03 / "backprop.py").write_text("def forward(x, w)\n    return x * w\n")
    result = run_student_pytest(pytester, lesson03)
    result.stdout.fnmatch_lines(["*backprop.py could not be imported: SyntaxError*"])
    assert "Traceback" not in result.stdout.str()


def test_device_option_selects_cuda_only(pytester, lesson03):
    result = run_student_pytest(pytester, lesson03, "--device=cuda")
    if not __import__("torch").cuda.is_available():
        result.stdout.fnmatch_lines(["*total*0 / 10*"])
    assert "[cpu]" not in result.stdout.str()


def test_bad_seed_in_ini_is_a_usage_error(pytester, lesson03):
    pytester.makeini("[pytest]\ngrader_seed = soon\n")
    result = run_student_pytest(pytester, lesson03)
    assert "grader_seed must be an integer" in result.stderr.str() + result.stdout.str()
