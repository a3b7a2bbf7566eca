"""A lesson's status from what the handle saw: said once, for the lesson."""

from grader.judge.outcome import classify, status_of_unstarted
from grader.results import CheckResult, LessonResult


def lesson(*statuses):
    checks = tuple(CheckResult(f"lesson03.c{i}", "lesson03", "forward", f"c{i}", None, 1, s, "msg")
                   for i, s in enumerate(statuses))
    return LessonResult("lesson03", "Backpropagation", checks)


def test_statuses():
    assert classify(lesson("passed", "failed")).status == "graded"
    broken = classify(lesson("failed"), import_failure="backprop.py could not be imported")
    assert broken.status == "not importable" and broken.problem == "backprop.py could not be imported"
    assert classify(lesson("passed", "error")).status == "judge error"
    slow = classify(lesson("failed", "failed"), limits_hit=[("lesson time", "No answer: out of time.")])
    assert slow.status == "timed out" and slow.problem == "No answer: out of time."
    one_call = classify(lesson("passed", "failed"), limits_hit=[("call time", "No answer: one call.")])
    assert one_call.status == "timed out" and one_call.problem == ""     # the lesson was graded otherwise
    assert classify(lesson("failed"), limits_hit=[("memory", "No answer: memory.")]).status == "graded"
    assert status_of_unstarted("lesson time") == "timed out" and status_of_unstarted("crashed") == "not importable"
