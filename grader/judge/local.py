"""The embedded executor: a pool of forked judge workers on this machine, each with its own zygote."""

from __future__ import annotations

import multiprocessing

from grader.judge.jobs import GradeOptions, Job, grade_job, worker


def run_jobs(jobs: list[Job], options: GradeOptions):
    """Yields (job, lesson result, active protections, seconds) as jobs finish, in any order."""
    workers = max(1, min(options.jobs, len(jobs)))
    context = multiprocessing.get_context("fork")
    # Forked: each pool process starts with its own copy of `worker`, which `worker.start` fills.
    with context.Pool(workers, initializer=worker.start, initargs=(options,)) as pool:
        yield from pool.imap_unordered(grade_job, jobs)
