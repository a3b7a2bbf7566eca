"""The grader proves itself: reference 100%, stubs 0%, every known mistake loses points and its
message names it (the phrase its patch declares), every other correct style keeps full marks — all
through the runner real grading uses."""

import os

import pytest
from catalogue import variants
from conftest import EXERCISES, SOLUTIONS, written_lessons

from grader.checks import LESSON_IDS, load_lesson
from grader.handle import LocalHandle
from grader.runner import DEFAULT_SEED, grade_lesson

DEVICES = ("cpu", "cuda")


# GRADER_TEST_SEED=N runs the catalogue with another base seed: the judge's secret seed draws other
# examples, and each verdict should hold for them too.
SEED = int(os.environ.get("GRADER_TEST_SEED", DEFAULT_SEED))


def grade(lesson_id, path, reference, mnist_root, todos=None):
    lesson = load_lesson(lesson_id)
    root = mnist_root if lesson.needs_mnist else None
    return grade_lesson(lesson, LocalHandle(path), reference, devices=DEVICES, data_root=root, todos=todos,
                        seed=SEED)


def explain(result):
    return "\n".join(f"{c.label}: {c.status} {c.message} {c.detail[-800:]}" for c in result.checks
                     if c.status not in ("passed", "skipped"))


@pytest.mark.parametrize("lesson_id", written_lessons())
def test_reference_gets_full_marks(lesson_id, reference_handles, request):
    lesson = load_lesson(lesson_id)
    root = request.getfixturevalue("mnist_root") if lesson.needs_mnist else None
    result = grade(lesson_id, SOLUTIONS / lesson_id / lesson.filename, reference_handles(lesson_id), root)
    assert result.max_score > 0
    assert result.score == result.max_score, explain(result)


@pytest.mark.parametrize("lesson_id", written_lessons())
def test_stub_gets_zero_and_every_todo_reads_not_started(lesson_id, reference_handles, request):
    lesson = load_lesson(lesson_id)
    root = request.getfixturevalue("mnist_root") if lesson.needs_mnist else None
    result = grade(lesson_id, EXERCISES / lesson_id / lesson.filename, reference_handles(lesson_id), root)
    assert result.score == 0
    statuses = {todo: s.status for todo, s in result.todos().items()}
    assert statuses == {todo: "not_started" for todo in lesson.todos}, explain(result)


@pytest.mark.parametrize("lesson_id", written_lessons())
def test_every_todo_has_checks_and_three_mistakes(lesson_id):
    lesson = load_lesson(lesson_id)
    assert {c.todo for c in lesson.checks} == set(lesson.todos)
    mistakes = [v for v in variants(lesson_id) if not v.correct]
    assert len(mistakes) >= 3, f"{lesson_id} needs at least three catalogued mistakes"
    for mistake in mistakes:
        assert mistake.loses and set(mistake.loses) <= set(lesson.todos), mistake.name


def test_every_mistake_declares_the_phrase_its_message_must_contain():
    undeclared = [f"{v.lesson}/{v.name}" for v in variants() if not v.correct and not v.expect]
    assert not undeclared, "add an `Expect: <phrase>` line to the docstring of: " + ", ".join(undeclared)


def named_in_first_message(result, variant) -> bool:
    """Whether the first message of one of the TODOs it loses (what the score table shows) names it."""
    summaries = result.todos()
    return any(summaries[todo].messages and variant.expect in summaries[todo].messages[0] for todo in variant.loses)


def test_all_eight_lessons_are_written():
    assert written_lessons() == list(LESSON_IDS)


@pytest.mark.parametrize("variant", [v for v in variants() if v.lesson in written_lessons()],
                         ids=lambda v: f"{v.lesson}-{v.name}")
def test_catalogue_variant(variant, reference_handles, tmp_path, request):
    lesson = load_lesson(variant.lesson)
    root = request.getfixturevalue("mnist_root") if lesson.needs_mnist else None
    path = variant.build(SOLUTIONS / variant.lesson / lesson.filename, tmp_path / variant.lesson)
    todos = None if variant.correct else variant.loses
    result = grade(variant.lesson, path, reference_handles(variant.lesson), root, todos=todos)
    if variant.correct:
        assert result.score == result.max_score, f"{variant.description}\n{explain(result)}"
    else:
        summaries = result.todos()
        kept = [todo for todo in variant.loses if summaries[todo].score == summaries[todo].max_score]
        assert not kept, f"{variant.description}: {kept} kept full marks"
        assert named_in_first_message(result, variant), \
            f"{variant.description}: no TODO's first message says {variant.expect!r}:\n{explain(result)}"
        messages = [c.message for c in result.checks
                    if c.todo in variant.loses and c.status not in ("passed", "skipped")]
        unsaid = [text for text in variant.says if not any(text in message for message in messages)]
        assert not unsaid, f"{variant.description}: no message says {unsaid}\n{explain(result)}"
