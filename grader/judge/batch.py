"""Grade many submissions: intake → plan → isolated (submission, lesson) jobs → results on disk.

The judge process and its workers hold the checks, the reference solutions and the held-out
labels; the student's code only ever runs in a confined child of a warm zygote (`jobs.py`).
Jobs run on the embedded pool (`local.py`) or a Dask cluster (`dask_executor.py`). Every attempt
is recorded in DIR/grades.sqlite and the files instructors and students read are rewritten from
it (`grader.gradebook.views`); a (student, lesson) whose files and settings are unchanged since
its last attempt is not graded again (unless `force`; `grader.judge.fingerprint`).
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
from grader.gradebook import db, views
from grader.gradebook.deadlines import late_text, lateness, load_course
from grader.gradebook.legacy import adopt_result_files
from grader.gradebook.record import Attempt, latest_fingerprints, record
from grader.i18n import language, using_language
from grader.judge import local
from grader.judge.dataview import submission_view
from grader.judge.fingerprint import job_fingerprint, settings_of
from grader.judge.identity import identify
from grader.judge.jobs import GradeOptions, Job, checks_fingerprint
from grader.judge.plan import plan
from grader.judge.supervisor import is_judge_error
from grader.results import LessonResult, SubmissionResult


@dataclass
class BatchReport:
    graded: list[SubmissionResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    seconds: float = 0.0
    judge_errors: list[str] = field(default_factory=list)   # "student/lesson: cause", for jobs lost twice


def run_jobs(jobs: list[Job], options: GradeOptions):
    """Yields (job, lesson result, active protections, seconds) as jobs finish, in any order."""
    if options.executor == "dask":
        # dask.distributed is optional and slow to import: only for --executor dask
        from grader.judge.dask_executor import run_jobs_on_dask
        return run_jobs_on_dask(jobs, options)
    return local.run_jobs(jobs, options)


def grade_batch(submissions, options: GradeOptions, *, on_student=None) -> BatchReport:
    """Grade, record every attempt in `options.out`/grades.sqlite, and rewrite the views from it;
    student-facing text in `options.lang` (default: the active language). `on_student(result)`
    is called as soon as each student's lessons are graded and recorded."""
    options = dataclasses.replace(options, lang=options.lang or language())
    with using_language(options.lang):
        return _grade_batch(submissions, options, on_student)


def _grade_batch(submissions, options: GradeOptions, on_student=None) -> BatchReport:
    started = time.perf_counter()
    report = BatchReport()
    if options.data_root is not None and options.submission_data_root is None:
        view = Path(tempfile.mkdtemp(prefix="grader-mnist-view-"))
        try:
            return _grade_batch(submissions, dataclasses.replace(
                options, submission_data_root=submission_view(options.data_root, view)), on_student)
        finally:
            shutil.rmtree(view, ignore_errors=True)
    submissions = identify(submissions)    # safe, unique names, whoever calls (the CLI has done it already)
    course = load_course(options.course) if options.course else None
    settings = settings_of(options, checks_fingerprint(), course.digest if course else "")
    planned = plan(submissions, options.lessons, options.solutions)
    conn = db.connect(options.out)
    try:
        adopt_result_files(options.out, conn)
        latest = latest_fingerprints(conn)
        todo_jobs, fingerprints, expected = [], {}, {}
        for student, (_, jobs) in planned.items():
            pending = []
            for job in jobs:
                fingerprints[student, job.lesson] = fingerprint = job_fingerprint(job, settings, options.seed)
                if options.force or latest.get((student, job.lesson)) != fingerprint:
                    pending.append(job)
            if not pending:
                report.skipped.append(student)
            expected[student] = len(pending)
            todo_jobs.extend(pending)

        done_jobs: dict[str, list[tuple[Job, LessonResult, float]]] = {}
        job_seconds: dict[str, list[float]] = {lesson: [] for lesson in options.lessons}
        protections: set[str] = set()
        total = len(todo_jobs)
        first_result_at = None    # wall clock, so a benchmark can count from the command's own start
        for done, (job, result, active, seconds) in enumerate(run_jobs(todo_jobs, options) if todo_jobs else (),
                                                              start=1):
            done_jobs.setdefault(job.student, []).append((job, result, seconds))
            first_result_at = first_result_at or time.time()
            if is_judge_error(result):
                report.judge_errors.append(f"{job.student}/{job.lesson}: {result.checks[0].detail}")
            job_seconds[job.lesson].append(seconds)
            protections.update(active)
            if options.progress:
                _progress(done, total, started)
            if len(done_jobs[job.student]) == expected[job.student]:
                result = _record_student(conn, planned[job.student][0], done_jobs[job.student], options,
                                         settings, fingerprints, course)
                report.graded.append(result)
                if on_student is not None:
                    on_student(result)
        if options.progress and total and sys.stderr.isatty():
            sys.stderr.write("\n")
        report.protections = sorted(protections)
        report.seconds = time.perf_counter() - started
        every_job = [s for seconds in job_seconds.values() for s in seconds]
        timings = {"wall_s": round(report.seconds, 3), "jobs": len(every_job),
                   "mean_job_s": round(sum(every_job) / len(every_job), 4) if every_job else 0.0,
                   "mean_job_s_by_lesson": {lesson: round(sum(s) / len(s), 4)
                                            for lesson, s in job_seconds.items() if s},
                   "first_result_at": first_result_at,
                   "workers": options.jobs if options.executor == "local"
                   else f"dask {options.scheduler or ''}".strip()}
        with db.transaction(conn):
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_run', ?)", (json.dumps(
                {"timings": timings, "skipped": sorted(report.skipped), "protections": report.protections}),))
    finally:
        conn.close()
    views.rewrite(options.out, policy=options.policy)
    return report


def _record_student(conn, submission, done: list, options: GradeOptions, settings: dict,
                    fingerprints: dict, course) -> SubmissionResult:
    """Record one student's graded lessons (one transaction) and return them as this run's result."""
    order = {lesson: i for i, lesson in enumerate(options.lessons)}
    attempts, lessons, seconds = [], [], 0.0
    ignored = tuple(getattr(submission, "ignored", ()))
    for job, result, job_s in sorted(done, key=lambda d: order[d[0].lesson]):
        lost = is_judge_error(result)     # its worker died: graded again by the next run, changed or not
        if lost:
            result = dataclasses.replace(result, status="judge error")
        due, late_s, penalty = lateness(course, job.lesson, job.submitted_at)
        result = dataclasses.replace(result, penalty=penalty, notes=result.notes + job.notes)
        if late_s > 0 and result.status == "graded":
            result = dataclasses.replace(result, status="late")
        attempts.append(Attempt(
            job.student, result, "" if lost else fingerprints[job.student, job.lesson], options.seed, settings,
            source=str(job.source or ""), source_kind=_source_kind(submission, job),
            submitted_at=job.submitted_at, submitted_from=job.submitted_from, due=due, late_seconds=late_s,
            ignored_files=ignored, seconds=job_s))
        lessons.append(dataclasses.replace(result, late=late_text(late_s, penalty)) if late_s > 0 else result)
        seconds += job_s
    record(conn, attempts)
    status = "judge error" if any(lesson.status == "judge error" for lesson in lessons) else "graded"
    return SubmissionResult(student=submission.student, lessons=tuple(lessons), status=status, seed=options.seed,
                            grader_version=grader.__version__, ignored_files=ignored, execution_time=seconds)


def _source_kind(submission, job: Job) -> str:
    if job.submitted_from == "git":
        return "repository"
    if getattr(submission, "lms_time", None):
        return "lms export"
    if job.source is not None and job.source.suffix == ".ipynb":
        return "notebook"
    return "folder"


def _progress(done: int, total: int, started: float) -> None:
    if not sys.stderr.isatty():
        return
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0.0
    sys.stderr.write(f"\r  graded {done}/{total} jobs  {100 * done // max(total, 1)}%  "
                     f"elapsed {elapsed:5.1f}s  ETA {eta:5.1f}s ")
    sys.stderr.flush()
