"""Grade one Gradescope submission: ROOT/submission through the judge, ROOT/results/results.json out.

ROOT is laid out as Gradescope lays out `/autograder`: source/ (the unzipped package), submission/
(a zip upload or a GitHub repository: lesson modules, lesson folders or notebooks),
submission_metadata.json and results/. The submission's time is Gradescope's `created_at`, judged
by the course file's deadlines; which of the student's submissions counts for each lesson follows
the package's policy (`grader.gradebook.policy`), over the earlier submissions' results too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader import data
from grader.checks import LESSON_IDS, load_lesson
from grader.gradebook.deadlines import load_course
from grader.gradebook.policy import counted
from grader.gradescope.metadata import SubmissionMetadata, read_metadata
from grader.gradescope.package import CONFIG
from grader.i18n import tr
from grader.judge import checkpoints, intake
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions
from grader.results import SubmissionResult
from grader.writers.atomic import write_atomic
from grader.writers.gradescope import results_json

STUDENT = "submission"     # the judge's name for it: results.json never shows it


@dataclass(frozen=True)
class LessonScore:
    status: str
    score: float


@dataclass(frozen=True)
class Submitted:
    """One submission's result for one lesson, as `policy.counted` weighs it."""
    result: LessonScore
    submitted_at: str | None
    current: bool

    @property
    def late_seconds(self) -> float:     # all the policy asks: late or not
        return 1.0 if self.result.status == "late" else 0.0


def stage(upload: Path, dest: Path) -> Path:
    """A copy of the upload the intake reads: without .git (the submission's time is Gradescope's), and
    lesson modules and checkpoints lying loose at its top moved into their lessonNN/ folder."""
    shutil.copytree(upload, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    lesson_of = {load_lesson(lesson).filename: lesson for lesson in LESSON_IDS} | checkpoints.LESSON_OF
    for entry in sorted(dest.iterdir()):
        lesson = lesson_of.get(entry.name)
        if lesson and entry.is_file() and not entry.is_symlink() and not (dest / lesson / entry.name).exists():
            (dest / lesson).mkdir(exist_ok=True)
            entry.rename(dest / lesson / entry.name)
    return dest


def _mnist(source: Path) -> Path:
    root = data.data_root(source / "data")
    data.ensure_extracted(root)
    return root


def grade(root: Path, scratch: Path) -> tuple[SubmissionResult, dict, SubmissionMetadata]:
    """This submission's result, the package's settings and the submission's metadata."""
    source = root / "source"
    config = json.loads((source / CONFIG).read_text(encoding="utf-8"))
    lessons = tuple(config["lessons"])
    metadata = read_metadata(root / "submission_metadata.json")
    staged = stage(root / "submission", scratch / STUDENT)
    found = intake.find_submissions([staged], scratch=scratch / "intake")
    submission = found[0] if found else intake.Submission(STUDENT, staged, {})
    submission = dataclasses.replace(submission, student=STUDENT, lms_time=metadata.created_at)
    needs_mnist = any(load_lesson(lesson).needs_mnist for lesson in lessons)
    options = GradeOptions(out=scratch / "graded", lessons=lessons, jobs=max(1, min(len(lessons), os.cpu_count() or 1)),
                           seed=config["seed"], data_root=_mnist(source) if needs_mnist else None,
                           solutions=source / "solutions", progress=False, policy=config.get("policy", "latest"),
                           course=source / config["course"] if config.get("course") else None)
    report = grade_batch([submission], options)
    return report.graded[0], config, metadata


def counted_lessons(result: SubmissionResult, metadata: SubmissionMetadata, policy: str) -> dict[str, Submitted]:
    """lesson -> the submission that counts for it, this one or an earlier one (their results.json's extra_data)."""
    out = {}
    for lesson in result.lessons:
        earlier = [Submitted(LessonScore(str(e.lessons[lesson.lesson].get("status", "graded")),
                                         float(e.lessons[lesson.lesson].get("score", 0.0))), e.submitted_at, False)
                   for e in sorted(metadata.earlier, key=lambda e: datetime.fromisoformat(e.submitted_at))
                   if isinstance(e.lessons.get(lesson.lesson), dict)]
        now = Submitted(LessonScore(lesson.status, lesson.score), metadata.created_at, True)
        out[lesson.lesson] = counted([*earlier, now], policy)
    return out


def gradescope_results(result: SubmissionResult, config: dict, metadata: SubmissionMetadata, course) -> dict:
    """results.json: the tests of this submission (visibility per lesson from the course file), the
    score of the submissions that count, and what the next submission needs to weigh this one."""
    results = results_json(result, visibility=course.visibility if course else None)
    policy = config.get("policy", "latest")
    chosen = counted_lessons(result, metadata, policy)
    lines = [tr("{lesson}: your submission of {time} counts ({score:g} points; policy {policy}).",
                lesson=lesson, time=c.submitted_at, score=c.result.score, policy=policy)
             for lesson, c in chosen.items() if not c.current]
    if lines:
        results["score"] = round(sum(c.result.score for c in chosen.values()), 2)
        results["output"] = "\n".join([results["output"], *lines])
    results["extra_data"] = {"lessons": {lesson.lesson: {"status": lesson.status, "score": lesson.score}
                                         for lesson in result.lessons}}
    return results


def run_autograder(root: Path) -> dict:
    """Grade ROOT/submission and write ROOT/results/results.json; returns what was written."""
    root = Path(root)
    with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as scratch:
        result, config, metadata = grade(root, Path(scratch))
    course = load_course(root / "source" / config["course"]) if config.get("course") else None
    results = gradescope_results(result, config, metadata, course)
    write_atomic(root / "results" / "results.json", json.dumps(results, indent=2, ensure_ascii=False))
    return results
