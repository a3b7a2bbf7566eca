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


ENGINE_AND_OWN_ASSERTS = '''
import hypothesis.core


def test_the_engine_was_imported_without_assertion_rewriting():
    assert "@py_builtins" not in vars(hypothesis.core)


def test_a_test_file_of_the_same_run_still_has_its_asserts_rewritten():
    width = 3
    assert width == 4
'''


def test_the_engine_skips_assertion_rewriting_and_test_files_keep_it(pytester, lesson03):
    """pytest rewrites hypothesis and grader (plugin distributions): ~1 s a student's run where no
    bytecode is cached. The engine is imported without it; a test file collected after the lesson
    still gets pytest's assert introspection."""
    shutil.copy(SOLUTIONS / "lesson03" / "backprop.py", lesson03 / "backprop.py")
    (pytester.path / "test_after_the_lesson.py").write_text(ENGINE_AND_OWN_ASSERTS)
    result = run_student_pytest(pytester, lesson03, str(pytester.path / "test_after_the_lesson.py"))
    result.stdout.fnmatch_lines(["*assert 3 == 4*", "*total*10 / 10*(100%)*"])
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1 and "test_the_engine_was_imported_without_assertion_rewriting" not in \
        result.stdout.str().split("short test summary")[-1]
