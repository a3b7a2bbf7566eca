"""The score table a student or instructor reads in a terminal."""

from __future__ import annotations

import textwrap

from grader.results import LessonResult, SubmissionResult, percent

STATUS_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "not_started": "not started",
    "skipped": "skipped",
    "error": "grader error",
}


def _points(value: float) -> str:
    return f"{value:g}"


def render_lesson(result: LessonResult, *, width: int = 88, show_messages: bool = True) -> str:
    todos = result.todos()
    name_width = max([len("TODO")] + [len(t) for t in todos]) + 2
    title = f" {result.lesson} · {result.title} "
    lines = [title.center(width, "─"), f" {'TODO':<{name_width}}{'status':<14}points"]
    for todo, summary in todos.items():
        lines.append(f" {todo:<{name_width}}{STATUS_WORDS[summary.status]:<14}"
                     f"{_points(summary.score):>4} / {_points(summary.max_score)}")
    if result.problem:
        lines.append(f" {result.problem}")
    lines.append(f" {'total':<{name_width + 14}}{_points(result.score):>4} / {_points(result.max_score)}"
                 f"   ({percent(result.score, result.max_score):g}%)")
    if show_messages:
        wrong = [(todo, s) for todo, s in todos.items() if s.status in ("failed", "error") and s.messages]
        if wrong:
            lines.append("")
        for todo, summary in wrong:
            lines.append(textwrap.fill(f"{todo}: {summary.messages[0]}", width=width,
                                       initial_indent=" ✗ ", subsequent_indent="   "))
    return "\n".join(lines)


def render_submission(result: SubmissionResult, *, width: int = 88) -> str:
    parts = [f"Student: {result.student}   status: {result.status}"]
    parts += [render_lesson(lesson, width=width) for lesson in result.lessons]
    parts.append(f"Total: {_points(result.score)} / {_points(result.max_score)}"
                 f" ({percent(result.score, result.max_score):g}%)")
    return "\n\n".join(parts)
