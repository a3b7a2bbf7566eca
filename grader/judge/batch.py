"""Grade many submissions: intake → isolated (submission, lesson) jobs → results on disk.

The judge process and its workers hold the checks, the reference solutions and the held-out
labels; the student's code only ever runs in a confined child of a warm zygote. Everything a
run writes goes through `write_atomic`, and a student whose lesson files, checks and settings
are unchanged since the last run is not graded again (unless `force`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader.checks import load_lesson
from grader.results import CheckResult, LessonResult, SubmissionResult

PROJECT_ROOT = Path(grader.__file__).resolve().parent.parent
CHECKS_DIR = Path(grader.__file__).resolve().parent


@dataclass(frozen=True)
class GradeOptions:
    out: Path
    lessons: tuple[str, ...]
    jobs: int = 1
    device: str | None = None
    call_timeout: float = 60.0
    lesson_timeout: float = 600.0
    memory_mb: int = 4096
    force: bool = False
    seed: int = 0
    data_root: Path | None = None
    solutions: Path = PROJECT_ROOT / "solutions"
    progress: bool = True
    submission_data_root: Path | None = None   # set by grade_batch: MNIST without the test labels
    executor: str = "local"            # "local" (a pool of forked workers) or "dask"
    scheduler: str | None = None       # the Dask scheduler's address, for executor="dask"
    lang: str = ""                     # language of the student-facing text ("": the active one, see grader.i18n)
    course: Path | None = None         # course.toml: deadlines and late penalties (grader.gradebook.deadlines)
    policy: str = "latest"             # which attempt counts in the views (grader.gradebook.policy)


@dataclass(frozen=True)
class Job:
    student: str
    lesson: str
    source: Path | None          # the lesson module or notebook to grade, None when not submitted
    checkpoints: tuple[Path, ...] = ()
    refused: str = ""            # why the submission could not be taken at all
    submitted_at: str | None = None   # ISO 8601, and where that time came from (git, lms export, mtime)
    submitted_from: str = ""
    notes: tuple[str, ...] = ()  # for the student, about the lesson's files (e.g. a refused checkpoint)


@dataclass
class BatchReport:
    graded: list[SubmissionResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    seconds: float = 0.0


def checks_fingerprint() -> str:
    digest = hashlib.sha256(grader.__version__.encode())
    for path in sorted(CHECKS_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(CHECKS_DIR)).encode() + path.read_bytes())
    return digest.hexdigest()


# --- the worker side: one zygote and the references per judge worker process ---------------
_worker: dict = {}


def _start_worker(options: GradeOptions) -> None:
    """Once per judge worker process: its own warm zygote and reference handles."""
    from grader.i18n import set_language
    set_language(options.lang or None)    # the messages a worker writes are in the judge's language
    if options.lang:
        os.environ["GRADER_LANG"] = options.lang   # and those of its zygote (a fresh interpreter)
    if _worker.get("options") == options:
        return
    import torch
    torch.set_num_threads(1)
    from grader.judge import malloc
    from grader.judge.zygote import Zygote
    malloc.keep_freed_memory()
    if "zygote" in _worker:
        _worker["zygote"].close()
    # MNIST in the zygote makes every fork copy its page tables: only for lessons that train on it
    preload = any(load_lesson(lesson_id).needs_mnist for lesson_id in options.lessons)
    _worker["zygote"] = Zygote(data_root=options.submission_data_root if preload else None)
    _worker["options"] = options
    _worker["references"] = {}


def _reference(lesson_id: str):
    from grader.handle import LocalHandle
    refs = _worker["references"]
    if lesson_id not in refs:
        lesson = load_lesson(lesson_id)
        refs[lesson_id] = LocalHandle(_worker["options"].solutions / lesson_id / lesson.filename)
    return refs[lesson_id]


def _not_gradable(lesson, message: str, status: str) -> LessonResult:
    from grader.runner import devices_for, planned_runs
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "failed", message)
                   for c, d in planned_runs(lesson, devices_for(_worker["options"].device)))
    return LessonResult(lesson.id, lesson.title, checks, problem=message, status=status)


def grade_job(job: Job, options: GradeOptions | None = None) -> tuple[Job, LessonResult, list[str], float]:
    """Grade one lesson of one submission in a fresh confined child (in a judge worker process)."""
    if options is not None:
        _start_worker(options)
    from grader.handle import NoAnswer
    from grader.i18n import tr
    from grader.judge.outcome import classify, status_of_unstarted
    from grader.judge.remote import Budget, ProcessHandle
    from grader.notebooks import NotANotebook, notebook_as_module
    from grader.runner import devices_for, grade_lesson

    _worker["zygote"].wait_ready()     # the worker's start-up (torch imported once) is not this job's time
    started = time.perf_counter()
    options: GradeOptions = _worker["options"]
    lesson = load_lesson(job.lesson)
    if job.source is None:
        message = job.refused or tr("No {filename} or {notebook} was submitted for {lesson}.",
                                    filename=lesson.filename, notebook=f"{lesson.id}.ipynb", lesson=lesson.id)
        status = "refused" if job.refused else "missing"
        return job, _not_gradable(lesson, message, status), [], time.perf_counter() - started
    workdir = Path(tempfile.mkdtemp(prefix=f"grader-{job.lesson}-"))
    handle = None
    try:
        target = workdir / lesson.filename
        if job.source.suffix == ".ipynb":
            try:
                target.write_text(notebook_as_module(job.source), encoding="utf-8")
            except NotANotebook as exc:
                return job, _not_gradable(lesson, f"{exc}.", "not importable"), [], time.perf_counter() - started
        else:
            shutil.copyfile(job.source, target)
        for checkpoint in job.checkpoints:
            shutil.copyfile(checkpoint, workdir / checkpoint.name)
        budget = Budget(call_s=options.call_timeout, lesson_s=options.lesson_timeout, memory_mb=options.memory_mb)
        data_dirs = [options.submission_data_root] if options.submission_data_root else []
        try:
            handle = ProcessHandle(_worker["zygote"], target, workdir, budget, project_root=PROJECT_ROOT,
                                   data_dirs=data_dirs, filename=job.source.name)
        except NoAnswer as exc:
            return job, _not_gradable(lesson, exc.message, status_of_unstarted(exc.limit)), [], \
                time.perf_counter() - started
        result = grade_lesson(lesson, handle, _reference(job.lesson), devices=devices_for(options.device),
                              seed=options.seed, data_root=options.data_root,
                              submission_data_root=options.submission_data_root)
        result = classify(result, import_failure=handle.import_failure, limits_hit=handle.limits_hit)
        if job.checkpoints:
            result = dataclasses.replace(result, notes=tuple(_checkpoint_notes(job)))
        return job, result, handle.protections, time.perf_counter() - started
    finally:
        if handle is not None:
            handle.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _checkpoint_notes(job: Job) -> list[str]:
    from grader.judge import checkpoints
    lesson4 = _reference("lesson04").call("training_data") if any(
        c.name == "linear_model.ckpt" for c in job.checkpoints) else None
    return [checkpoints.evaluate(c, data_root=_worker["options"].data_root, lesson4_data=lesson4)
            for c in job.checkpoints if c.name in checkpoints.LESSON_OF]


# --- the judge side ------------------------------------------------------------------------
def plan(submissions, lessons: tuple[str, ...],
         solutions: Path = PROJECT_ROOT / "solutions") -> dict[str, tuple[object, list[Job]]]:
    """Jobs per student, one per requested lesson (a lesson not submitted still gets a row). A folder
    holding the lesson module and notebooks is graded on the one the student changed from the stub
    (the module when several were: grader.lesson_notebooks.submitted_source)."""
    from grader.gradebook.deadlines import submitted_at
    from grader.judge.intake import LESSON_NOTEBOOK, notebook_name
    from grader.lesson_notebooks import submitted_source
    planned = {}
    for submission in submissions:
        jobs = []
        for lesson_id in lessons:
            lesson = load_lesson(lesson_id)
            folder = submission.lessons.get(lesson_id)
            source = None
            checkpoints: tuple[Path, ...] = ()
            if folder is not None:
                folder = Path(folder)
                if folder.is_file() and folder.suffix == ".ipynb":
                    source = folder
                elif folder.is_dir():
                    notebooks = sorted((m.group("lang") is not None, notebook_name(m), p) for p in folder.iterdir()
                                       if (m := LESSON_NOTEBOOK.fullmatch(p.name))
                                       and notebook_name(m).startswith(lesson_id + "."))
                    candidates = [p for p in [folder / lesson.filename] + [n[-1] for n in notebooks]
                                  if p.is_file() and not p.is_symlink()]
                    source = submitted_source(candidates, solutions / lesson_id / lesson.filename)
                if folder.is_dir():
                    checkpoints = tuple(sorted(p for p in folder.glob("*.ckpt") if p.is_file() and not p.is_symlink()))
            checkpoints, notes = _cap_checkpoints(checkpoints)
            when, origin = (submitted_at(Path(submission.root), [source, *checkpoints],
                                         lms_time=getattr(submission, "lms_time", None))
                            if source is not None else (None, ""))
            jobs.append(Job(submission.student, lesson_id, source, checkpoints,
                            getattr(submission, "refused", ""), when, origin, notes))
        planned[submission.student] = (submission, jobs)
    return planned


def _cap_checkpoints(checkpoints: tuple[Path, ...]) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Checkpoints over the size cap are refused, never copied nor read."""
    from grader.i18n import tr
    from grader.judge.intake import MAX_LESSON_FILE_BYTES, MiB
    kept, notes = [], []
    for path in checkpoints:
        if path.stat().st_size > MAX_LESSON_FILE_BYTES:
            notes.append(tr("{name} was not graded: checkpoints larger than {mib} MiB are refused.",
                            name=path.name, mib=MAX_LESSON_FILE_BYTES // MiB))
        else:
            kept.append(path)
    return tuple(kept), tuple(notes)


def _progress(done: int, total: int, started: float) -> None:
    if not sys.stderr.isatty():
        return
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0.0
    sys.stderr.write(f"\r  graded {done}/{total} jobs  {100 * done // max(total, 1)}%  "
                     f"elapsed {elapsed:5.1f}s  ETA {eta:5.1f}s ")
    sys.stderr.flush()


def run_jobs(jobs: list[Job], options: GradeOptions):
    """Yields (job, lesson result, active protections, seconds) as jobs finish, in any order.

    The embedded executor is a pool of forked judge workers, each with its own zygote.
    """
    if options.executor == "dask":
        from grader.judge.dask_executor import run_jobs_on_dask
        yield from run_jobs_on_dask(jobs, options)
        return
    workers = max(1, min(options.jobs, len(jobs)))
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_worker, initargs=(options,)) as pool:
        yield from pool.imap_unordered(grade_job, jobs)


def grade_batch(submissions, options: GradeOptions, *, on_student=None) -> BatchReport:
    """Grade, record every attempt in `options.out`/grades.sqlite, and rewrite the views from it;
    student-facing text in `options.lang` (default: the active language). `on_student(result)`
    is called as soon as each student's lessons are graded and recorded."""
    from grader.i18n import language, using_language
    options = dataclasses.replace(options, lang=options.lang or language())
    with using_language(options.lang):
        return _grade_batch(submissions, options, on_student)


def _grade_batch(submissions, options: GradeOptions, on_student=None) -> BatchReport:
    from grader.gradebook import db, views
    from grader.gradebook.deadlines import load_course
    from grader.gradebook.record import latest_fingerprints
    from grader.judge.fingerprint import job_fingerprint, settings_of

    started = time.perf_counter()
    report = BatchReport()
    if options.data_root is not None and options.submission_data_root is None:
        from grader.judge.dataview import submission_view
        view = Path(tempfile.mkdtemp(prefix="grader-mnist-view-"))
        try:
            return _grade_batch(submissions, dataclasses.replace(
                options, submission_data_root=submission_view(options.data_root, view)), on_student)
        finally:
            shutil.rmtree(view, ignore_errors=True)
    from grader.judge.identity import identify
    submissions = identify(submissions)    # safe, unique names, whoever calls (the CLI has done it already)
    course = load_course(options.course) if options.course else None
    settings = settings_of(options, checks_fingerprint(), course.digest if course else "")
    planned = plan(submissions, options.lessons, options.solutions)
    conn = db.connect(options.out)
    try:
        from grader.gradebook.legacy import adopt_result_files
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
        for done, (job, result, active, seconds) in enumerate(run_jobs(todo_jobs, options) if todo_jobs else (),
                                                              start=1):
            done_jobs.setdefault(job.student, []).append((job, result, seconds))
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
    from grader.gradebook.deadlines import late_text, lateness
    from grader.gradebook.record import Attempt, record
    order = {lesson: i for i, lesson in enumerate(options.lessons)}
    attempts, lessons, seconds = [], [], 0.0
    ignored = tuple(getattr(submission, "ignored", ()))
    for job, result, job_s in sorted(done, key=lambda d: order[d[0].lesson]):
        due, late_s, penalty = lateness(course, job.lesson, job.submitted_at)
        result = dataclasses.replace(result, penalty=penalty, notes=result.notes + job.notes)
        if late_s > 0 and result.status == "graded":
            result = dataclasses.replace(result, status="late")
        attempts.append(Attempt(
            job.student, result, fingerprints[job.student, job.lesson], options.seed, settings,
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
