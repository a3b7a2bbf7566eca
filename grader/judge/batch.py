"""Grade many submissions: intake → plan → isolated (submission, lesson) jobs → results on disk.

The judge process and its workers hold the checks, the reference solutions and the held-out
labels; the student's code only ever runs in a confined child of a warm zygote (`jobs.py`).
Jobs run on the embedded pool (`local.py`) or a Dask cluster (`dask_executor.py`). Every file a
run writes is written atomically, and a student whose lesson files, checks and settings are
unchanged since the last run is not graded again (unless `force`).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader.i18n import language, using_language
from grader.judge import local
from grader.judge.dataview import submission_view
from grader.judge.jobs import GradeOptions, Job, checks_fingerprint, submission_fingerprint
from grader.judge.plan import plan
from grader.results import LessonResult, SubmissionResult, submission_from_dict
from grader.writers.atomic import write_atomic
from grader.writers.feedback import feedback_markdown
from grader.writers.gradebook import gradebook_csv, summary
from grader.writers.gradescope import results_json


@dataclass
class BatchReport:
    graded: list[SubmissionResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_jobs(jobs: list[Job], options: GradeOptions):
    """Yields (job, lesson result, active protections, seconds) as jobs finish, in any order."""
    if options.executor == "dask":
        # dask.distributed is optional and slow to import: only for --executor dask
        from grader.judge.dask_executor import run_jobs_on_dask
        return run_jobs_on_dask(jobs, options)
    return local.run_jobs(jobs, options)


def grade_batch(submissions, options: GradeOptions) -> BatchReport:
    """Grade and write everything; student-facing text in `options.lang` (default: the active language)."""
    options = dataclasses.replace(options, lang=options.lang or language())
    with using_language(options.lang):
        return _grade_batch(submissions, options)


def _grade_batch(submissions, options: GradeOptions) -> BatchReport:
    started = time.perf_counter()
    report = BatchReport()
    checks = checks_fingerprint()
    if options.data_root is not None and options.submission_data_root is None:
        view = Path(tempfile.mkdtemp(prefix="grader-mnist-view-"))
        try:
            return _grade_batch(submissions, dataclasses.replace(
                options, submission_data_root=submission_view(options.data_root, view)))
        finally:
            shutil.rmtree(view, ignore_errors=True)
    planned = plan(submissions, options.lessons, options.solutions)
    todo_jobs, fingerprints = [], {}
    for student, (submission, jobs) in planned.items():
        fingerprint = submission_fingerprint(jobs, options, checks)
        fingerprints[student] = fingerprint
        stored = options.out / student / "result.json"
        if not options.force and stored.exists():
            data = json.loads(stored.read_text(encoding="utf-8"))
            if data.get("fingerprint") == fingerprint:
                report.skipped.append(student)
                continue
        todo_jobs.extend(jobs)

    by_student: dict[str, list[LessonResult]] = {}
    times: dict[str, float] = {}
    job_seconds: dict[str, list[float]] = {lesson: [] for lesson in options.lessons}
    protections: set[str] = set()
    total = len(todo_jobs)
    if todo_jobs:
        for done, (job, result, active, seconds) in enumerate(run_jobs(todo_jobs, options), start=1):
            by_student.setdefault(job.student, []).append(result)
            times[job.student] = times.get(job.student, 0.0) + seconds
            job_seconds[job.lesson].append(seconds)
            protections.update(active)
            if options.progress:
                _progress(done, total, started)
            if len(by_student[job.student]) == len(options.lessons):
                submission = planned[job.student][0]
                order = {l: i for i, l in enumerate(options.lessons)}
                result = SubmissionResult(
                    student=job.student,
                    lessons=tuple(sorted(by_student[job.student], key=lambda l: order[l.lesson])),
                    seed=options.seed, grader_version=grader.__version__,
                    ignored_files=tuple(getattr(submission, "ignored", ())),
                    execution_time=times[job.student])
                _write_student(options.out, result, fingerprints[job.student])
                report.graded.append(result)
        if options.progress and sys.stderr.isatty():
            sys.stderr.write("\n")
    report.protections = sorted(protections)
    everyone = []
    for student in planned:
        stored = options.out / student / "result.json"
        everyone.append(submission_from_dict(json.loads(stored.read_text(encoding="utf-8"))["result"]))
    report.seconds = time.perf_counter() - started
    write_atomic(options.out / "gradebook.csv", gradebook_csv(everyone, list(options.lessons)))
    every_job = [s for seconds in job_seconds.values() for s in seconds]
    timings = {"wall_s": round(report.seconds, 3), "jobs": len(every_job),
               "mean_job_s": round(sum(every_job) / len(every_job), 4) if every_job else 0.0,
               "mean_job_s_by_lesson": {lesson: round(sum(s) / len(s), 4) for lesson, s in job_seconds.items() if s},
               "workers": options.jobs if options.executor == "local" else f"dask {options.scheduler or ''}".strip()}
    write_atomic(options.out / "summary.json", json.dumps(
        dict(summary(everyone, timings=timings), skipped=sorted(report.skipped),
             protections=report.protections), indent=2))
    return report


def _progress(done: int, total: int, started: float) -> None:
    if not sys.stderr.isatty():
        return
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0.0
    sys.stderr.write(f"\r  graded {done}/{total} jobs  {100 * done // max(total, 1)}%  "
                     f"elapsed {elapsed:5.1f}s  ETA {eta:5.1f}s ")
    sys.stderr.flush()


def _write_student(out: Path, result: SubmissionResult, fingerprint: str) -> None:
    folder = out / result.student
    write_atomic(folder / "results.json", json.dumps(results_json(result), indent=2))
    write_atomic(folder / "feedback.md", feedback_markdown(result))
    # Written last: its fingerprint is what marks this student as done.
    write_atomic(folder / "result.json", json.dumps({"fingerprint": fingerprint, "result": result.to_dict()}))
