"""The MNIST leaderboard: the test accuracy of each student's trained model and submitted checkpoints
(lessons 5 and 6), as Gradescope's `leaderboard` entries and as DIR/leaderboard.csv.

The CSV names students by a pseudonym unless asked otherwise: an HMAC of the name keyed by the
folder's secret seed, stable across runs, not reversible from the roster alone.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from dataclasses import dataclass

from grader.results import SubmissionResult

TRAINED = "trained model"


@dataclass(frozen=True)
class Entry:
    student: str
    lesson: str
    model: str          # TRAINED, or the checkpoint's file name
    accuracy: float     # on the 10,000 MNIST test images, 0 to 1


def entries(result: SubmissionResult) -> list[Entry]:
    out = []
    for lesson in result.lessons:
        if lesson.trained_accuracy is not None:
            out.append(Entry(result.student, lesson.lesson, TRAINED, lesson.trained_accuracy))
        out += [Entry(result.student, lesson.lesson, name, accuracy) for name, accuracy in lesson.checkpoints]
    return out


def gradescope_leaderboard(result: SubmissionResult) -> list[dict]:
    """Gradescope's top-level `leaderboard`: one column per lesson and model, higher is better."""
    return [{"name": f"{e.lesson} {e.model} accuracy (%)", "value": round(100 * e.accuracy, 2), "order": "desc"}
            for e in entries(result)]


def ranked(results: list[SubmissionResult]) -> dict[tuple[str, str], list[Entry]]:
    """(lesson, model) -> its entries, best first (ties by student name)."""
    boards: dict[tuple[str, str], list[Entry]] = {}
    for result in results:
        for entry in entries(result):
            boards.setdefault((entry.lesson, entry.model), []).append(entry)
    return {key: sorted(board, key=lambda e: (-e.accuracy, e.student)) for key, board in sorted(boards.items())}


def pseudonym(student: str, secret: str) -> str:
    return "student-" + hmac.new(secret.encode(), student.encode(), hashlib.sha256).hexdigest()[:8]


def leaderboard_csv(results: list[SubmissionResult], *, secret: str, names: bool = False) -> str:
    """lesson, model, rank, student (a pseudonym unless `names`), accuracy (%): one row per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["lesson", "model", "rank", "student", "accuracy"])
    for (lesson, model), board in ranked(results).items():
        for rank, entry in enumerate(board, start=1):
            writer.writerow([lesson, model, rank, entry.student if names else pseudonym(entry.student, secret),
                             f"{100 * entry.accuracy:.2f}"])
    return buffer.getvalue()
