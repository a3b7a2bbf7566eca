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
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader.checks import load_lesson
from grader.results import CheckResult, LessonResult, SubmissionResult, submission_from_dict

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
    max_reply_mb: float = 64.0         # the most one reply of a submission may carry; over it, no answer
    worker_memory_mb: int = 0          # each judge worker's own memory limit (0: worker_limit.default_mb)
    force: bool = False
    seed: int = 0
    data_root: Path | None = None
    solutions: Path = PROJECT_ROOT / "solutions"
    progress: bool = True
    submission_data_root: Path | None = None   # set by grade_batch: MNIST without the test labels
    executor: str = "local"            # "local" (a pool of forked workers) or "dask"
    scheduler: str | None = None       # the Dask scheduler's address, for executor="dask"
    lang: str = ""                     # language of the student-facing text ("": the active one, see grader.i18n)


@dataclass(frozen=True)
class Job:
    student: str
    lesson: str
    source: Path | None          # the lesson module or notebook to grade, None when not submitted
    checkpoints: tuple[Path, ...] = ()
    refused: str = ""            # why the submission could not be taken at all


@dataclass
class BatchReport:
    graded: list[SubmissionResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    seconds: float = 0.0
    judge_errors: list[str] = field(default_factory=list)   # "student/lesson: cause", for jobs lost twice


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def checks_fingerprint() -> str:
    digest = hashlib.sha256(grader.__version__.encode())
    for path in sorted(CHECKS_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(CHECKS_DIR)).encode() + path.read_bytes())
    return digest.hexdigest()


def submission_fingerprint(jobs: list[Job], options: GradeOptions, checks: str) -> str:
    settings = [checks, options.seed, options.device, list(options.lessons)]
    if options.lang not in ("", "en"):    # (English results from before languages existed stay valid)
        settings.append(options.lang)
    digest = hashlib.sha256(json.dumps(settings).encode())
    for job in sorted(jobs, key=lambda j: j.lesson):
        digest.update(job.lesson.encode())
        for path in ([job.source] if job.source else []) + list(job.checkpoints):
            digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
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


def _not_gradable(lesson, message: str) -> LessonResult:
    from grader.runner import devices_for, planned_runs
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "failed", message)
                   for c, d in planned_runs(lesson, devices_for(_worker["options"].device)))
    return LessonResult(lesson.id, lesson.title, checks, problem=message)


def grade_job(job: Job, options: GradeOptions | None = None) -> tuple[Job, LessonResult, list[str], float]:
    """Grade one lesson of one submission in a fresh confined child (in a judge worker process)."""
    if options is not None:
        _start_worker(options)
    from grader.handle import NoAnswer
    from grader.i18n import tr
    from grader.judge.remote import Budget, ProcessHandle
    from grader.notebooks import NotANotebook, notebook_as_module
    from grader.runner import devices_for, grade_lesson

    started = time.perf_counter()
    options: GradeOptions = _worker["options"]
    lesson = load_lesson(job.lesson)
    if job.source is None:
        message = job.refused or tr("No {filename} or {notebook} was submitted for {lesson}.",
                                    filename=lesson.filename, notebook=f"{lesson.id}.ipynb", lesson=lesson.id)
        return job, _not_gradable(lesson, message), [], time.perf_counter() - started
    workdir = Path(tempfile.mkdtemp(prefix=f"grader-{job.lesson}-"))
    handle = None
    try:
        target = workdir / lesson.filename
        if job.source.suffix == ".ipynb":
            try:
                target.write_text(notebook_as_module(job.source), encoding="utf-8")
            except NotANotebook as exc:
                return job, _not_gradable(lesson, f"{exc}."), [], time.perf_counter() - started
        else:
            shutil.copyfile(job.source, target)
        for checkpoint in job.checkpoints:
            shutil.copyfile(checkpoint, workdir / checkpoint.name)
        budget = Budget(call_s=options.call_timeout, lesson_s=options.lesson_timeout, memory_mb=options.memory_mb,
                        reply_mb=options.max_reply_mb)
        data_dirs = [options.submission_data_root] if options.submission_data_root else []
        try:
            handle = ProcessHandle(_worker["zygote"], target, workdir, budget, project_root=PROJECT_ROOT,
                                   data_dirs=data_dirs, filename=job.source.name)
        except NoAnswer as exc:
            return job, _not_gradable(lesson, exc.message), [], time.perf_counter() - started
        result = grade_lesson(lesson, handle, _reference(job.lesson), devices=devices_for(options.device),
                              seed=options.seed, data_root=options.data_root,
                              submission_data_root=options.submission_data_root)
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
            jobs.append(Job(submission.student, lesson_id, source, checkpoints,
                            getattr(submission, "refused", "")))
        planned[submission.student] = (submission, jobs)
    return planned


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

    The embedded executor is a supervised set of forked judge workers, each with its own zygote
    (grader/judge/supervisor.py): a job whose worker is lost is graded again once, then recorded
    as a judge error, and the batch goes on.
    """
    if options.executor == "dask":
        from grader.judge.dask_executor import run_jobs_on_dask
        yield from run_jobs_on_dask(jobs, options)
        return
    from grader.judge.supervisor import run_supervised
    yield from run_supervised(jobs, options, grade_job, prepare=_start_worker)


def grade_batch(submissions, options: GradeOptions) -> BatchReport:
    """Grade and write everything; student-facing text in `options.lang` (default: the active language)."""
    from grader.i18n import language, using_language
    options = dataclasses.replace(options, lang=options.lang or language())
    with using_language(options.lang):
        return _grade_batch(submissions, options)


def _grade_batch(submissions, options: GradeOptions) -> BatchReport:
    from grader.writers.feedback import feedback_markdown
    from grader.writers.gradebook import gradebook_csv, summary
    from grader.writers.gradescope import results_json
    from grader.judge.supervisor import is_judge_error

    started = time.perf_counter()
    report = BatchReport()
    checks = checks_fingerprint()
    if options.data_root is not None and options.submission_data_root is None:
        from grader.judge.dataview import submission_view
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
            if is_judge_error(result):
                report.judge_errors.append(f"{job.student}/{job.lesson}: {result.checks[0].detail}")
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
                    execution_time=times[job.student],
                    status="judge error" if any(is_judge_error(l) for l in by_student[job.student]) else "graded")
                # a judge error is graded again by the next run, changed or not: no fingerprint
                _write_student(options.out, result, fingerprints[job.student] if result.status == "graded" else "",
                               results_json, feedback_markdown)
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


def _write_student(out: Path, result: SubmissionResult, fingerprint: str, results_json, feedback_markdown) -> None:
    folder = out / result.student
    write_atomic(folder / "results.json", json.dumps(results_json(result), indent=2))
    write_atomic(folder / "feedback.md", feedback_markdown(result))
    # Written last: its fingerprint is what marks this student as done.
    write_atomic(folder / "result.json", json.dumps({"fingerprint": fingerprint, "result": result.to_dict()}))
