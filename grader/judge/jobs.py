"""One job: grade one lesson of one submission in a fresh confined child.

A `Job` names the files; `grade_job` runs in a judge worker process (a forked pool worker or a
Dask worker) whose `Worker` holds the warm zygote and the reference handles for the options it
was started with. The student's code only ever runs in a confined child of that zygote.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

import grader
from grader import strategies
from grader.checks import load_lesson
from grader.classroom.recorded import bind_lesson
from grader.handle import LocalHandle, NoAnswer
from grader.i18n import set_language, tr
from grader.judge import checkpoints, malloc
from grader.judge.outcome import classify, status_of_unstarted
from grader.judge.reference_cache import CachedReference, cached_reference
from grader.judge.remote import Budget, ProcessHandle
from grader.judge.zygote import MNIST, WARM_UPS, Zygote, adopt_prestarted
from grader.notebooks.as_module import notebook_as_module
from grader.notebooks.format import NotANotebook
from grader.results import CheckResult, LessonResult
from grader.runner import devices_for, grade_lesson, planned_runs

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


def checks_fingerprint() -> str:
    digest = hashlib.sha256(grader.__version__.encode())
    for path in sorted(CHECKS_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(CHECKS_DIR)).encode() + path.read_bytes())
    return digest.hexdigest()


class Worker:
    """A judge worker process's state: its warm zygote and reference handles, for one set of options.

    The references remember their pure answers (`reference_cache`) for every later job of the
    lesson; they are forgotten whenever the worker is started with other options."""

    def __init__(self):
        self.options: GradeOptions | None = None
        self.zygote: Zygote | None = None
        self.references: dict[str, CachedReference] = {}
        self.lessons: dict = {}
        self.checks = ""

    def start(self, options: GradeOptions) -> None:
        """Once per options: (re)start the zygote and forget the references."""
        set_language(options.lang or None)    # the messages a worker writes are in the judge's language
        if options.lang:
            os.environ["GRADER_LANG"] = options.lang   # and those of its zygote (a fresh interpreter)
        if self.options == options:
            return
        torch.set_num_threads(1)
        malloc.keep_freed_memory()
        if self.zygote is not None:
            self.zygote.close()
        # MNIST in the zygote makes every fork copy its page tables: only for lessons that train on it
        lessons = [load_lesson(lesson_id) for lesson_id in options.lessons]
        preload = any(lesson.needs_mnist for lesson in lessons)
        # and only what these lessons use may be warmed, when a job of theirs first needs it (warm_for)
        warm = tuple(dict.fromkeys(name for lesson in lessons for name in lesson.warm_up))
        data_root = options.submission_data_root if preload else None
        adopted = adopt_prestarted()    # started by the command line before its imports, if it did
        if adopted is not None:
            adopted.allow(warm, data_root)
        self.zygote = adopted or Zygote(data_root=data_root, warm=warm)
        self.options = options
        self.references, self.lessons, self.checks = {}, {}, checks_fingerprint()

    def reference(self, lesson_id: str) -> CachedReference:
        if lesson_id not in self.references:
            lesson, options = load_lesson(lesson_id), self.options
            live = LocalHandle(options.solutions / lesson_id / lesson.filename)
            self.references[lesson_id] = cached_reference(live, lesson=lesson_id, checks=self.checks,
                                                          seed=options.seed, device=options.device,
                                                          solutions=options.solutions)
        return self.references[lesson_id]

    def warm_for(self, lesson_id: str) -> None:
        """What the lesson uses, warmed on its first job (both sides: the references too train and
        read MNIST), so that a batch's first results wait only for what their lessons use."""
        lesson = load_lesson(lesson_id)
        warm_reference_side([lesson_id])
        self.zygote.prepare(lesson.warm_up + ((MNIST,) if lesson.needs_mnist else ()))

    def lesson(self, lesson_id: str):
        """The lesson, bound so that each check tells the cached reference which check it is."""
        if lesson_id not in self.lessons:
            self.lessons[lesson_id] = bind_lesson(load_lesson(lesson_id))
        return self.lessons[lesson_id]

    def release(self) -> Zygote | None:
        """Forget everything and hand over the zygote (for the caller to close)."""
        zygote, self.zygote, self.options = self.zygote, None, None
        self.references, self.lessons = {}, {}
        return zygote


worker = Worker()     # this process's: each pool or Dask worker process has its own


_REFERENCE_WARMED: set[str] = set()


def warm_reference_side(lesson_ids) -> None:
    """The references train and read MNIST through torchvision too: their first optimizer step
    imports torch's compiler stack (~2 s), paid once per process rather than in a job."""
    needed = {name for lesson_id in lesson_ids for name in load_lesson(lesson_id).warm_up}
    for name in ("training", "torchvision"):
        if name in needed and name not in _REFERENCE_WARMED:
            WARM_UPS[name]()
            _REFERENCE_WARMED.add(name)


def grade_job(job: Job, options: GradeOptions | None = None) -> tuple[Job, LessonResult, list[str], float]:
    """Grade one lesson of one submission in a fresh confined child (in a judge worker process)."""
    if options is not None:
        worker.start(options)
    if job.source is not None:
        worker.reference(job.lesson)   # on a worker's first job, loaded while its zygote starts
    worker.zygote.wait_ready()     # the worker's start-up (torch imported once) is not this job's time
    if job.source is not None:
        worker.warm_for(job.lesson)   # nor are the warm-ups its lesson is the first to need
    started = time.perf_counter()
    options = worker.options
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
        budget = Budget(call_s=options.call_timeout, lesson_s=options.lesson_timeout, memory_mb=options.memory_mb,
                        reply_mb=options.max_reply_mb)
        data_dirs = [options.submission_data_root] if options.submission_data_root else []
        try:
            handle = ProcessHandle(worker.zygote, target, workdir, budget, project_root=PROJECT_ROOT,
                                   data_dirs=data_dirs, filename=job.source.name)
        except NoAnswer as exc:
            return job, _not_gradable(lesson, exc.message, status_of_unstarted(exc.limit)), [], \
                time.perf_counter() - started
        reference = worker.reference(job.lesson)
        with strategies.examples_remembered(getattr(reference, "examples", None)):
            result = grade_lesson(worker.lesson(job.lesson), handle, reference, devices=devices_for(options.device),
                                  seed=options.seed, data_root=options.data_root,
                                  submission_data_root=options.submission_data_root)
        result = classify(result, import_failure=handle.import_failure, limits_hit=handle.limits_hit)
        if job.checkpoints:
            measured = _checkpoint_notes(job)
            result = dataclasses.replace(result, notes=tuple(note for note, _, _ in measured),
                                         checkpoints=tuple((name, a) for _, name, a in measured if a is not None))
        # which file was graded, as pytest, the score cell and `grader classroom` say it (one rule)
        result = dataclasses.replace(result, notes=(tr("Graded {file}.", file=job.source.name), *result.notes))
        return job, result, handle.protections, time.perf_counter() - started
    finally:
        if handle is not None:
            handle.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _not_gradable(lesson, message: str, status: str) -> LessonResult:
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "failed", message)
                   for c, d in planned_runs(lesson, devices_for(worker.options.device)))
    return LessonResult(lesson.id, lesson.title, checks, problem=message, status=status)


def _checkpoint_notes(job: Job) -> list[tuple[str, str, float | None]]:
    """(feedback line, file name, MNIST test accuracy or None) of each checkpoint the lesson knows."""
    lesson4 = worker.reference("lesson04").call("training_data") if any(
        c.name == "linear_model.ckpt" for c in job.checkpoints) else None
    out = []
    for path in job.checkpoints:
        if path.name in checkpoints.LESSON_OF:
            note, accuracy = checkpoints.measure(path, data_root=worker.options.data_root, lesson4_data=lesson4)
            out.append((note, path.name, accuracy))
    return out
