"""gradebook.csv (one row per student) and summary.json (the whole batch).

The CSV is UTF-8 with a byte-order mark, so Excel shows Vietnamese names as they are, and every
cell that could start a formula is neutralized (`safe_text.csv_cell`). Per lesson: the points
counted, the lesson's status and, once any lesson was late, the points before the penalty and the
penalty; where a deadline applied, when the lesson was submitted and where that time came from.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from grader.results import SubmissionResult, check_points, percent
from grader.writers.safe_text import csv_cell

BOM = "\ufeff"


def gradebook_csv(results: list[SubmissionResult], lessons: list[str], *,
                  sections: dict[str, str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with_sections = bool(sections) and any(sections.values())
    late = any(lesson.penalty for r in results for lesson in r.lessons)
    header = ["student", *(["section"] if with_sections else []), *lessons, "total", "max", "percent", "status",
              *(f"{lesson} status" for lesson in lessons)]
    if late:
        header += [f"{lesson} {part}" for lesson in lessons for part in ("before penalty", "penalty")]
    dated = any(lesson.submitted for r in results for lesson in r.lessons)
    if dated:
        header += [f"{lesson} submitted" for lesson in lessons]
    writer.writerow(header + ["grader_version"])
    for result in sorted(results, key=lambda r: r.student):
        by_lesson = {lesson.lesson: lesson for lesson in result.lessons}
        row = [result.student, *([sections.get(result.student, "")] if with_sections else [])]
        row += [f"{by_lesson[lid].score:g}" if lid in by_lesson else "" for lid in lessons]
        row += [f"{result.score:g}", f"{result.max_score:g}", f"{percent(result.score, result.max_score):g}",
                result.status]
        row += [by_lesson[lid].status if lid in by_lesson else "missing" for lid in lessons]
        if late:
            for lid in lessons:
                lesson = by_lesson.get(lid)
                row += [f"{lesson.raw_score:g}", f"{round(100 * lesson.penalty, 2):g}%"] if lesson else ["", ""]
        if dated:
            row += [by_lesson[lid].submitted if lid in by_lesson else "" for lid in lessons]
        writer.writerow([csv_cell(cell) for cell in row + [result.grader_version]])
    return BOM + buffer.getvalue()


def summary(results: list[SubmissionResult], *, timings: dict) -> dict:
    passes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    statuses: dict[str, int] = defaultdict(int)
    for result in results:
        for lesson in result.lessons:
            statuses[lesson.status] += 1
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
        "lesson_statuses": dict(sorted(statuses.items())),
        "timings": timings,
        "pass_rates": {check: round(ok / total, 4) for check, (ok, total) in sorted(passes.items())},
    }
