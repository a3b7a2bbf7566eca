"""feedback.md: what a student reads after a batch run (student text through `safe_text.markdown`)."""

from __future__ import annotations

from grader.i18n import tr
from grader.results import SubmissionResult, percent
from grader.writers.console import lesson_title, status_word
from grader.writers.safe_text import markdown


def feedback_markdown(result: SubmissionResult) -> str:
    lines = [tr("# Feedback for {student}", student=markdown(result.student)), "",
             tr("**Total: {score:g} / {max_score:g} ({percent:g}%)**", score=result.score,
                max_score=result.max_score, percent=percent(result.score, result.max_score)), ""]
    for note in result.notes:
        lines += [f"> {markdown(note)}", ""]
    for lesson in result.lessons:
        lines += [f"## {lesson.lesson} · {lesson_title(lesson.title)} — {lesson.score:g} / {lesson.max_score:g}", ""]
        if lesson.late:
            lines += [f"**{lesson.late}**", ""]
        if lesson.problem:
            lines += [markdown(lesson.problem), ""]
        lines += [tr("| TODO | status | points |"), "|---|---|---|"]
        todos = lesson.todos()
        for todo, summary in todos.items():
            lines.append(f"| `{todo}` | {status_word(summary.status)} | {summary.score:g} / {summary.max_score:g} |")
        lines.append("")
        for todo, summary in todos.items():
            if summary.status in ("failed", "error"):
                for message in summary.messages:
                    if message != lesson.problem:     # a lesson-level problem is said once, above
                        lines.append(f"- **{todo}**: {markdown(message)}")
        lines += [f"- {markdown(note)}" for note in lesson.notes]
        lines.append("")
    if result.ignored_files:
        lines += [tr("Only the lesson files were graded; these were ignored: {files}",
                     files=markdown(", ".join(f"`{f}`" for f in result.ignored_files))), ""]
    return "\n".join(lines)
