"""Judge workers under supervision: a lost worker never hangs a batch.

The embedded executor of `grader grade`. Each judge worker is a forked process with a pipe of
its own; the supervisor hands it one job at a time and waits on the pipes and the processes
together, so it always knows which job a worker held when it died (killed by the kernel, by
its memory limit, by a person), raised, or stopped answering (a job has a deadline well past
the lesson's own time limit). That job is graded again, once, on a fresh worker; lost a second
time, it is recorded as a judge error for that (student, lesson) with the cause, and the batch
goes on. `multiprocessing.Pool` cannot do this: its `imap_unordered` waits forever for a task
whose worker died.

Workers are forked from the judge process, which never initialises CUDA: on a GPU machine the
workers (and their zygotes) are the only ones that do. A process that has initialised CUDA must
not fork, so where the caller already did (a notebook, a test session that ran checks on the GPU)
workers start from a fresh forkserver instead, slower but sound.
Results cross the pipe by pickle: they are the judge's own dataclasses, built in the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from grader.checks import load_lesson
from grader.i18n import tr
from grader.judge.worker_limit import default_mb, limit_this_worker, remove_cgroup_of
from grader.results import CheckResult, LessonResult
from grader.runner import devices_for, planned_runs

ATTEMPTS = 2                 # a job lost once is graded again on a fresh worker, once
JOB_GRACE_S = 300.0          # past the lesson's own time limit: the judge's share (zygote start, references)
JUDGE_ERROR_DETAIL = "judge error: "


def judge_error_result(job, options, cause: str) -> LessonResult:
    """The row a lost job leaves: every check of the lesson failed with the cause (status error)."""
    lesson = load_lesson(job.lesson)
    message = tr("Judge error: this lesson could not be graded ({cause}). Your instructor will grade it "
                 "again; this is not a mark on your work.", cause=cause)
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, d, c.points, "error", message,
                               detail=JUDGE_ERROR_DETAIL + cause)
                   for c, d in planned_runs(lesson, devices_for(options.device)))
    return LessonResult(lesson.id, lesson.title, checks, problem=message)


def is_judge_error(result: LessonResult) -> bool:
    return bool(result.checks) and all(c.detail.startswith(JUDGE_ERROR_DETAIL) for c in result.checks)


def _serve(conn, options, work: Callable, prepare: Callable | None) -> None:
    """A worker: grade the jobs it is handed until told to stop (None) or the judge goes away."""
    if prepare is not None:
        prepare(options)     # its zygote starts outside the worker's own memory limit
    limit_this_worker(options.worker_memory_mb or default_mb(options.jobs))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            outcome = ("done", work(job, options))
        except BaseException as exc:   # a judge-side failure: reported, and this worker retired
            where = traceback.extract_tb(exc.__traceback__)[-1:]
            place = f" at {os.path.basename(where[0].filename)}:{where[0].lineno}" if where else ""
            outcome = ("raised", f"{type(exc).__name__}: {str(exc)[:300]}{place}")
        conn.send(outcome)
        if outcome[0] == "raised":
            return


def start_method() -> str:
    """fork, unless this process initialised CUDA (then forkserver)."""
    torch = sys.modules.get("torch")
    return "forkserver" if torch is not None and torch.cuda.is_initialized() else "fork"


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: object
    job: object = None
    deadline: float = 0.0

    @classmethod
    def start(cls, options, work: Callable, prepare: Callable | None) -> _Worker:
        context = multiprocessing.get_context(start_method())
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, options, work, prepare), daemon=True,
                                  name="grader-judge-worker")
        process.start()
        theirs.close()
        return cls(process, ours)

    def give(self, job, deadline_s: float) -> None:
        self.job, self.deadline = job, time.monotonic() + deadline_s
        self.conn.send(job)

    def end(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()
        remove_cgroup_of(self.process.pid)

    def death(self) -> str:
        """Why this worker is gone, in words (after it was found dead)."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is None:
            return "the judge worker stopped answering"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            why = " (out of memory?)" if -code == signal.SIGKILL else ""
            return f"the judge worker was killed by {name}{why}"
        return f"the judge worker exited with code {code}"


def run_supervised(jobs: list, options, work: Callable, *, prepare: Callable | None = None,
                   log=None) -> Iterator[tuple]:
    """Yields `work(job, options)` for every job as it finishes, in any order; a job lost twice
    yields (job, judge_error_result(...), [], seconds) instead. `prepare(options)` runs once in
    each worker before its memory limit is applied; `log` gets one line per loss."""
    log = log or (lambda line: print(f"grader: {line}", file=sys.stderr, flush=True))
    queue = deque(jobs)
    attempts: dict[int, int] = {}
    started: dict[int, float] = {}
    workers: list[_Worker] = []
    size = max(1, min(options.jobs, len(jobs)))
    deadline_s = options.lesson_timeout + JOB_GRACE_S
    try:
        while queue or any(w.job is not None for w in workers):
            while queue and len(workers) < size:
                workers.append(_Worker.start(options, work, prepare))
            for worker in list(workers):
                if worker.job is None and queue:
                    job = queue.popleft()
                    try:
                        worker.give(job, deadline_s)
                    except OSError:   # it died while idle: the job never started; a fresh worker takes it
                        workers.remove(worker)
                        worker.end()
                        queue.appendleft(job)
                        continue
                    attempts[id(job)] = attempts.get(id(job), 0) + 1
                    started.setdefault(id(job), time.perf_counter())
            busy = [w for w in workers if w.job is not None]
            if not busy:
                continue
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            for worker in busy:
                outcome, cause = None, None
                try:
                    if worker.conn.poll():
                        outcome = worker.conn.recv()
                except (EOFError, OSError):
                    pass
                if outcome is None:
                    if worker.process.is_alive() and time.monotonic() < worker.deadline:
                        continue
                    if worker.process.is_alive():
                        cause = f"the judge worker did not finish within {deadline_s:g} s and was stopped"
                        worker.end()
                    else:
                        cause = worker.death()
                elif outcome[0] == "raised":
                    cause = f"the judge failed: {outcome[1]}"
                job, worker.job = worker.job, None
                if cause is None:
                    yield outcome[1]
                    continue
                workers.remove(worker)
                worker.end()
                where = f"{job.student}/{job.lesson}"
                if attempts[id(job)] < ATTEMPTS:
                    log(f"{cause} while grading {where}; grading it again on a fresh worker")
                    queue.appendleft(job)
                else:
                    log(f"judge error for {where}: {cause} (twice); recorded, the batch goes on")
                    yield job, judge_error_result(job, options, cause), [], time.perf_counter() - started[id(job)]
    finally:
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in workers:
            worker.process.join(timeout=10)
            worker.end()
