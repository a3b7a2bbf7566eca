"""Gradescope's results.json: one test per check, uploadable as is."""

from __future__ import annotations

from grader.i18n import tr
from grader.results import SubmissionResult, check_points


def results_json(result: SubmissionResult) -> dict:
    tests, number = [], 0
    for lesson in result.lessons:
        groups: dict[str, list] = {}
        for check in lesson.checks:
            groups.setdefault(check.check_id, []).append(check)
        for runs in groups.values():
            number += 1
            first = runs[0]
            ran = [r for r in runs if r.status != "skipped"]
            failing = [r for r in ran if r.status != "passed"]
            output = " ".join(f"[{r.device}] {r.message}" if r.device else r.message for r in failing) \
                or (tr("passed") if ran else first.message)
            tests.append({
                "name": f"{lesson.lesson} · {first.todo} · {first.name}",
                "number": f"{lesson.lesson[-2:].lstrip('0')}.{number}",
                "score": check_points(runs),
                "max_score": first.max_points,
                "status": "passed" if ran and not failing else "failed",
                "output": output,
                "visibility": "visible",
            })
    notes = list(result.notes) + [note for lesson in result.lessons for note in lesson.notes]
    if result.ignored_files:
        notes.append(tr("Ignored files (only lesson files are graded): {files}", files=", ".join(result.ignored_files)))
    return {
        "score": result.score,
        "execution_time": round(result.execution_time, 3),
        "output": "\n".join(notes) or tr("Graded {count} lesson(s).", count=len(result.lessons)),
        "tests": tests,
    }
