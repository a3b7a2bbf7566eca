"""gradebook.csv (one row per student) and summary.json (the whole batch)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from grader.results import SubmissionResult, check_points, percent
from grader.writers.safe_text import csv_cell


def gradebook_csv(results: list[SubmissionResult], lessons: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *lessons, "total", "max", "percent", "status", "seed", "grader_version"])
    for result in sorted(results, key=lambda r: r.student):
        by_lesson = {lesson.lesson: lesson.score for lesson in result.lessons}
        writer.writerow([csv_cell(cell) for cell in (
            result.student, *(f"{by_lesson.get(l, 0):g}" for l in lessons), f"{result.score:g}",
            f"{result.max_score:g}", f"{percent(result.score, result.max_score):g}", result.status, result.seed,
            result.grader_version)])
    return buffer.getvalue()


def summary(results: list[SubmissionResult], *, timings: dict) -> dict:
    passes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        for lesson in result.lessons:
            groups: dict[str, list] = defaultdict(list)
            for check in lesson.checks:
                groups[check.check_id].append(check)
            for check_id, runs in groups.items():
                passes[check_id][0] += check_points(runs) == runs[0].max_points
                passes[check_id][1] += 1
    return {
        "submissions": len(results),
        "graded": sum(r.status == "graded" for r in results),
        "judge_errors": sum(r.status != "graded" for r in results),
        "timings": timings,
        "pass_rates": {check: round(ok / total, 4) for check, (ok, total) in sorted(passes.items())},
    }
