"""The score table a student or instructor reads in a terminal."""

from __future__ import annotations

import textwrap

from grader.i18n import N_, tr, tr_marked
from grader.results import LessonResult, SubmissionResult, percent
from grader.writers.safe_text import plain

STATUS_WORDS = {        # English here (the instructors' report uses them as they are); `status_word` translates
    "passed": N_("passed"),
    "failed": N_("failed"),
    "not_started": N_("not started"),
    "skipped": N_("skipped"),
    "error": N_("grader error"),
}
SUBMISSION_STATUS_WORDS = {"graded": N_("graded"), "judge error": N_("judge error")}


def status_word(status: str) -> str:
    """A TODO's status in the active language."""
    return tr_marked(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def lesson_title(title: str) -> str:
    """A lesson's title (marked with N_ where the lesson is defined) in the active language."""
    return tr_marked(title)


def format_points(value: float) -> str:
    """Points as every writer shows them: 2, 0.5, 12.25 (no trailing zeros)."""
    return f"{value:g}"


def render_lesson(result: LessonResult, *, width: int = 88, show_messages: bool = True) -> str:
    todos = result.todos()
    status_heading, total = tr("status"), tr("total")
    name_width = max([len("TODO")] + [len(t) for t in todos]) + 2
    status_width = max(len(word) for word in [status_heading] + [status_word(s) for s in STATUS_WORDS]) + 2
    title = f" {result.lesson} · {lesson_title(result.title)} "
    lines = [title.center(width, "─"), f" {'TODO':<{name_width}}{status_heading:<{status_width}}{tr('points')}"]
    for todo, summary in todos.items():
        lines.append(f" {todo:<{name_width}}{status_word(summary.status):<{status_width}}"
                     f"{format_points(summary.score):>4} / {format_points(summary.max_score)}")
    if result.problem:
        lines.append(f" {result.problem}")
    lines.append(f" {total:<{name_width + status_width}}{format_points(result.score):>4} / "
                 f"{format_points(result.max_score)}   ({percent(result.score, result.max_score):g}%)")
    if show_messages:
        wrong = [(todo, s) for todo, s in todos.items() if s.status in ("failed", "error") and s.messages
                 and s.messages[0] != result.problem]     # a lesson-level problem is said once, above
        if wrong:
            lines.append("")
        for todo, summary in wrong:
            lines.append(textwrap.fill(f"{todo}: {summary.messages[0]}", width=width,
                                       initial_indent=" ✗ ", subsequent_indent="   "))
    return plain("\n".join(lines))


def render_submission(result: SubmissionResult, *, width: int = 88) -> str:
    status = tr_marked(SUBMISSION_STATUS_WORDS[result.status]) if result.status in SUBMISSION_STATUS_WORDS \
        else result.status
    parts = [tr("Student: {student}   status: {status}", student=result.student, status=status)]
    parts += [render_lesson(lesson, width=width) for lesson in result.lessons]
    parts.append(tr("Total: {score} / {max_score} ({percent:g}%)", score=format_points(result.score),
                    max_score=format_points(result.max_score), percent=percent(result.score, result.max_score)))
    return plain("\n\n".join(parts))


def student_line(result: SubmissionResult) -> str:
    """One line per student for the instructor's console, printed as soon as the student is graded:
    the points and each lesson whose status is not plain "graded"."""
    unusual = [f"{lesson.lesson} {lesson.status}" + (f" −{100 * lesson.penalty:g}%" if lesson.penalty else "")
               for lesson in result.lessons if lesson.status != "graded"]
    return plain(f"  {result.student:<24} {result.score:>6g} / {result.max_score:<5g} "
                 f"({percent(result.score, result.max_score):g}%)  " + (", ".join(unusual) or result.status))
