"""Gradescope's results.json: one test per check, uploadable as is."""

from __future__ import annotations

from grader.i18n import tr
from grader.results import SubmissionResult, check_points
from grader.writers.console import status_word
from grader.writers.leaderboard import gradescope_leaderboard
from grader.writers.safe_text import plain_tree


def results_json(result: SubmissionResult, *, visibility: dict[str, str] | None = None) -> dict:
    """Tests numbered per lesson (`3.1`, `3.2`, …, in the lesson's check order, whichever lessons were
    graded); a lesson-level problem (not submitted, not importable, out of time) and a late penalty
    are said once, in the output, not under each test. `visibility`: lesson -> Gradescope's visibility
    of its tests (default "visible"). The MNIST lessons' measured accuracies make the `leaderboard`."""
    tests, lesson_lines = [], []
    for lesson in result.lessons:
        if lesson.problem or lesson.late or lesson.status != "graded":
            lesson_lines.append(f"{lesson.lesson} ({status_word(lesson.status)}): "
                                + " ".join(t for t in (lesson.late, lesson.problem) if t))
        groups: dict[str, list] = {}
        for check in lesson.checks:
            groups.setdefault(check.check_id, []).append(check)
        for number, runs in enumerate(groups.values(), start=1):
            first = runs[0]
            ran = [r for r in runs if r.status != "skipped"]
            failing = [r for r in ran if r.status != "passed" and r.message != lesson.problem]
            output = " ".join(f"[{r.device}] {r.message}" if r.device else r.message for r in failing) \
                or (tr("passed") if ran and not lesson.problem else "" if lesson.problem else first.message)
            tests.append({
                "name": f"{lesson.lesson} · {first.todo} · {first.name}",
                "number": f"{lesson.lesson[-2:].lstrip('0')}.{number}",
                "score": check_points(runs),
                "max_score": first.max_points,
                "status": "passed" if ran and all(r.status == "passed" for r in ran) else "failed",
                "output": output,
                "visibility": (visibility or {}).get(lesson.lesson, "visible"),
            })
    notes = lesson_lines + list(result.notes) + [note for lesson in result.lessons for note in lesson.notes]
    if result.ignored_files:
        notes.append(tr("Ignored files (only lesson files are graded): {files}", files=", ".join(result.ignored_files)))
    leaderboard = gradescope_leaderboard(result)
    return plain_tree({
        "score": result.score,
        "execution_time": round(result.execution_time, 3),
        "output": "\n".join(notes) or tr("Graded {count} lesson(s).", count=len(result.lessons)),
        "tests": tests,
        **({"leaderboard": leaderboard} if leaderboard else {}),
    })
