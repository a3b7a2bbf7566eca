"""The embedded executor: supervised judge workers on this machine, each with its own zygote.

A job whose worker is lost (killed, over its memory limit, raised, overran) is graded again once
on a fresh worker, then recorded as a judge error; the batch goes on (`supervisor.py`).
"""

from __future__ import annotations

from grader.judge.jobs import GradeOptions, Job, grade_job, worker
from grader.judge.supervisor import run_supervised
from grader.judge.zygote import handing_over


def run_jobs(jobs: list[Job], options: GradeOptions):
    """Yields (job, lesson result, active protections, seconds) as jobs finish, in any order."""
    # Forked: each worker process starts with its own copy of `worker`, which `worker.start` fills,
    # with the zygote the command line started for it, if it did (zygote.prestart).
    # Nothing is warmed here first: the workers' first jobs would wait for it (Worker.warm_for).
    with handing_over():
        yield from run_supervised(jobs, options, grade_job, prepare=worker.start)
