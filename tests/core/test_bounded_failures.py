"""A failing check reports the first failing example hypothesis generates: its work is bounded by
the examples it generates, not by how long shrinking takes, and the same submission gets the same
message on every run."""

from conftest import SOLUTIONS
from hypothesis import Phase, settings

from grader import strategies
from grader.checks import load_lesson
from grader.handle import LocalHandle
from grader.runner import DEFAULT_SEED, run_check

# right for one-element tensors (the course's example), wrong for larger ones: hypothesis finds it
WRONG_FOR_LARGER_SHAPES = '''

def squared_error(y_pred, y):
    d = (y_pred - y) ** 2
    return d.mean() + 0 * d
'''


class CountingHandle(LocalHandle):
    def __init__(self, source):
        super().__init__(source)
        self.calls = 0

    def _exchange(self, request, buffers):
        self.calls += request["op"] == "call"
        return super()._exchange(request, buffers)


def failing_run(tmp_path):
    source = tmp_path / "backprop.py"
    source.write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text() + WRONG_FOR_LARGER_SHAPES)
    check = next(c for c in load_lesson("lesson03").checks if c.name == "squared_error_matches_reference")
    student = CountingHandle(source)
    result = run_check(check, student, LocalHandle(SOLUTIONS / "lesson03" / "backprop.py"), device="cpu",
                       seed=DEFAULT_SEED)
    return result, student.calls


def test_a_failing_check_stops_at_the_first_failing_example_and_says_the_same_every_run(tmp_path):
    first, calls = failing_run(tmp_path)
    again, calls_again = failing_run(tmp_path)
    assert first.status == "failed" and "squared_error" in first.message
    assert (again.message, calls_again) == (first.message, calls)
    # the course's example, the generated examples up to the first failure, and its replay
    assert calls <= 1 + strategies.GRADING.max_examples + 1


def test_shrinking_would_have_asked_many_more_questions(tmp_path):
    """What the bound saves (and proof that the test above can tell the difference)."""
    _, unshrunk = failing_run(tmp_path)
    strategies.GRADING = settings(strategies.GRADING, phases=tuple(Phase))   # restored by conftest
    shrunk, shrinking = failing_run(tmp_path)
    assert shrunk.status == "failed"
    assert shrinking > unshrunk + 5
