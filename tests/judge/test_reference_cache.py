"""The reference's answers and the checks' examples, cached once per worker, change nothing: every
check of the fast lessons' catalogue gets the same points and the same message with the caches as
with the live reference and hypothesis drawing every example."""

import pytest
from catalogue import variants
from conftest import EXERCISES, SOLUTIONS

from grader import strategies
from grader.checks import load_lesson
from grader.classroom.recorded import bind_lesson
from grader.handle import LocalHandle
from grader.judge import intake
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions, checks_fingerprint
from grader.judge.reference_cache import cached_reference
from grader.runner import DEFAULT_SEED, grade_lesson

pytestmark = pytest.mark.slow

FAST_LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson07", "lesson08")
DEVICES = ("cpu", "cuda")


def outcomes(result):
    return [(c.label, c.status, c.max_points if c.status == "passed" else 0, c.message) for c in result.checks]


def submissions(lesson_id, folder):
    """The reference, the stub and every catalogued variant of the lesson, as files."""
    lesson = load_lesson(lesson_id)
    solution = SOLUTIONS / lesson_id / lesson.filename
    built = [("reference", solution), ("stub", EXERCISES / lesson_id / lesson.filename)]
    return built + [(v.name, v.build(solution, folder / v.name)) for v in variants(lesson_id)]


@pytest.mark.parametrize("lesson_id", FAST_LESSONS)
def test_cached_reference_grades_the_catalogue_exactly_as_the_live_one(lesson_id, tmp_path):
    lesson = load_lesson(lesson_id)
    solution = SOLUTIONS / lesson_id / lesson.filename
    live = LocalHandle(solution)
    cached = cached_reference(LocalHandle(solution), lesson=lesson_id, checks=checks_fingerprint(),
                              seed=DEFAULT_SEED, device=None, solutions=SOLUTIONS,
                              skip_cheap=False)   # every pure answer cached, however cheap
    bound = bind_lesson(lesson)
    for name, path in submissions(lesson_id, tmp_path):   # the reference first: its run records the examples
        plain = grade_lesson(lesson, LocalHandle(path), live, devices=DEVICES)
        with strategies.examples_remembered(cached.examples):
            with_cache = grade_lesson(bound, LocalHandle(path), cached, devices=DEVICES)
        assert outcomes(with_cache) == outcomes(plain), name
    if lesson_id != "lesson04":    # lesson 4 asks the reference only about live models: nothing is pure
        assert cached.hits > 0, "the cache answered nothing: the test proves nothing"
    assert cached.examples.replayed > 0, "no examples were replayed: the test proves nothing"


def test_a_judge_batch_with_the_cache_grades_as_the_live_reference_in_process(tmp_path):
    """One worker grades every job of the batch, so all jobs after the first are answered from its cache."""
    lessons = ("lesson01", "lesson03")
    expected = {}
    for lesson_id in lessons:
        lesson = load_lesson(lesson_id)
        live = LocalHandle(SOLUTIONS / lesson_id / lesson.filename)
        chosen = [s for s in submissions(lesson_id, tmp_path / "built" / lesson_id)
                  if s[0] in ("reference", "stub") or s[0].startswith("mistake_")][:5]
        for name, path in chosen:
            target = tmp_path / "class" / name / "exercises" / lesson_id / lesson.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text())
            expected[(name, lesson_id)] = outcomes(grade_lesson(lesson, LocalHandle(target), live,
                                                                devices=("cpu",), seed=DEFAULT_SEED))
    options = GradeOptions(out=tmp_path / "out", lessons=lessons, jobs=1, progress=False, seed=DEFAULT_SEED,
                           device="cpu")
    report = grade_batch(intake.find_submissions([tmp_path / "class"]), options)
    got = {(s.student, r.lesson): outcomes(r) for s in report.graded for r in s.lessons
           if (s.student, r.lesson) in expected}
    assert got == expected
