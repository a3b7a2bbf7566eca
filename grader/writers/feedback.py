"""feedback.md: what a student reads after a batch run."""

from __future__ import annotations

from grader.results import SubmissionResult, percent
from grader.writers.console import STATUS_WORDS


def feedback_markdown(result: SubmissionResult) -> str:
    lines = [f"# Feedback for {result.student}", "",
             f"**Total: {result.score:g} / {result.max_score:g} ({percent(result.score, result.max_score):g}%)**", ""]
    for note in result.notes:
        lines += [f"> {note}", ""]
    for lesson in result.lessons:
        lines += [f"## {lesson.lesson} · {lesson.title} — {lesson.score:g} / {lesson.max_score:g}", ""]
        if lesson.problem:
            lines += [lesson.problem, ""]
        lines += ["| TODO | status | points |", "|---|---|---|"]
        todos = lesson.todos()
        for todo, summary in todos.items():
            lines.append(f"| `{todo}` | {STATUS_WORDS[summary.status]} | {summary.score:g} / {summary.max_score:g} |")
        lines.append("")
        for todo, summary in todos.items():
            if summary.status in ("failed", "error"):
                for message in summary.messages:
                    lines.append(f"- **{todo}**: {message}")
        lines += [f"- {note}" for note in lesson.notes]
        lines.append("")
    if result.ignored_files:
        lines += ["Only the lesson files were graded; these were ignored: "
                  + ", ".join(f"`{f}`" for f in result.ignored_files), ""]
    return "\n".join(lines)
