"""Grade (submission, lesson) jobs on an existing Dask cluster (`grader grade --executor dask`).

The judge process connects a `distributed.Client` to the scheduler, submits one task per job
and yields results as they complete; `grade_batch` writes a student once all their lessons
have arrived, exactly as with the embedded pool.

What a cluster has to provide
  * the same installation of the grader on every worker (the tasks are `grade_job` by
    reference; a worker whose checks differ from the judge's refuses the job);
  * a shared filesystem: the submissions, the solutions, the data folder and the judge's
    temporary folder (unpacked archives, the MNIST view) are read by the workers at the
    absolute paths the judge sees (jobs carry `Path`s, not file contents);
  * workers with one thread each (`dask worker ADDR --nthreads 1 --nworkers N`): a worker
    process owns one warm zygote, and jobs in that process take turns on it.

Each Dask worker process keeps its own warm zygote between tasks (`jobs.worker`), forks one
confined child per job from it, and the isolation rules are those of the local pool: the
student's code never runs in the worker process itself. A `WorkerPlugin` closes the zygote
when the worker shuts down. A worker lost mid-job is replaced by the scheduler re-running the
task elsewhere (and `retries` covers a job that raised), so each job yields one result, once;
a job the cluster gives up on (its workers died more often than the scheduler's
`distributed.scheduler.allowed-failures` allows, or it raised twice) is recorded as a judge
error for that (student, lesson), with the cause, and the batch goes on.
Jobs, options and results cross processes by pickle: they are the judge's own dataclasses
(paths, scores, messages), never objects made by student code. See docs/cluster.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import sys
import threading
from pathlib import Path

from grader.judge.jobs import GradeOptions, Job, checks_fingerprint, grade_job, worker
from grader.judge.supervisor import judge_error_result

try:  # dask is optional: this module imports without it, and says so when used
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - exercised when dask is not installed
    WorkerPlugin = object

PLUGIN_NAME = "grader-zygote"
RETRIES = 1       # a job that raised is run once more; then it is a judge error
CONNECT_TIMEOUT_S = 10


class ExecutorError(RuntimeError):
    """The cluster could not be used (dask missing, scheduler unreachable, a job lost for good)."""


class WrongWorker(RuntimeError):
    """A worker cannot grade this job correctly (different checks, files it cannot see)."""


# --- the worker side -----------------------------------------------------------------------
_lock = threading.Lock()          # one zygote per worker process: jobs take turns on it
_fingerprint: list[str] = []
_running: list[Job] = []          # the job this worker process is grading now, if any


class ZygotePlugin(WorkerPlugin):
    """Closes the worker process's warm zygote (and so its confined children) at shutdown."""

    name = PLUGIN_NAME
    idempotent = True     # a second judge registering it must not close zygotes in use

    def teardown(self, worker) -> None:
        close_worker_zygote()


def close_worker_zygote() -> None:
    """Ask this worker process's zygote to stop, without waiting for it.

    Teardown runs on the worker's event loop, which must not block: a zygote (torch loaded)
    takes a second or more to exit, and the nanny kills a worker that is slow to close. The
    zygote also stops by itself when its control socket closes, which is what happens when a
    worker process dies without a teardown (killed, lost); its confined children die with it.
    A job still running when its worker closes fails, and the scheduler runs it elsewhere.
    """
    zygote = worker.release()
    if zygote is not None:
        try:
            zygote.control.send(json.dumps({"cmd": "stop"}).encode())
        except OSError:
            pass
        zygote.control.close()   # the process is reaped by subprocess (or init, once we exit)


def grade_on_worker(job: Job, options: GradeOptions, fingerprint: str):
    """The Dask task: `grade_job` in this worker process, after checking it can be trusted to."""
    if not _fingerprint:
        _fingerprint.append(checks_fingerprint())
    where = f"{socket.gethostname()} (pid {os.getpid()})"
    if _fingerprint[0] != fingerprint:
        raise WrongWorker(f"the grader on worker {where} differs from the judge's (checks "
                          f"{_fingerprint[0][:12]} there, {fingerprint[:12]} here): install the same grader "
                          "everywhere and restart the workers after an update")
    folders = [options.solutions, options.data_root, getattr(options, "submission_data_root", None)]
    for path in ([job.source] if job.source else []) + list(job.checkpoints) + [f for f in folders if f]:
        if not path.exists():
            raise WrongWorker(f"worker {where} cannot see {path}: --executor dask needs the submissions, "
                              "the solutions, the data and the judge's temporary folder on a filesystem "
                              "shared with the workers, at the same paths")
    with _lock:
        _running[:] = [job]
        try:
            return grade_job(job, options)
        finally:
            _running.clear()


def running_job() -> Job | None:
    """What this worker process is grading now: `client.run(running_job)` asks every worker."""
    return _running[0] if _running else None


# --- the judge side ------------------------------------------------------------------------
def _import_distributed():
    try:  # optional: when it is missing, say how to install it
        import distributed
    except ImportError:
        raise ExecutorError("--executor dask needs dask.distributed: "
                            "pip install 'torch-course-grader[dask]'") from None
    return distributed


def _connect(distributed, options: GradeOptions):
    import dask  # present whenever distributed is (checked by _import_distributed)
    address = options.scheduler or dask.config.get("scheduler-address", None)
    if not address:
        raise ExecutorError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {message}") from None


def _register_plugin(client) -> None:
    plugin = ZygotePlugin()
    if hasattr(client, "register_plugin"):
        client.register_plugin(plugin, name=PLUGIN_NAME)
    else:  # distributed < 2023.9
        client.register_worker_plugin(plugin, name=PLUGIN_NAME)


def run_jobs_on_dask(jobs: list[Job], options: GradeOptions):
    """Yields (job, lesson result, active protections, seconds) as the cluster finishes jobs."""
    distributed = _import_distributed()
    client = _connect(distributed, options)
    pending: dict = {}
    try:
        _register_plugin(client)
        workers = client.scheduler_info().get("workers", {})
        if not workers:
            print("grader: no Dask workers connected yet; jobs wait for the first one", file=sys.stderr)
        elif any(w.get("nthreads", 1) > 1 for w in workers.values()):
            print("grader: some Dask workers run several threads; a worker process grades one job at "
                  "a time (start workers with --nthreads 1 --nworkers N)", file=sys.stderr)
        fingerprint = checks_fingerprint()
        # What the workers never read is left out, so that a worker's zygote stays warm from
        # one batch to the next (it is restarted whenever the options it was started with change).
        worker_options = dataclasses.replace(options, out=Path("/"), jobs=1, force=False, progress=False)
        for job in jobs:
            future = client.submit(grade_on_worker, job, worker_options, fingerprint, pure=False,
                                   retries=RETRIES)
            pending[future] = job
        for future in distributed.as_completed(list(pending), loop=client.loop):
            job = pending.pop(future)
            try:
                result = future.result()
            except WrongWorker as exc:
                raise ExecutorError(f"grading {job.student}/{job.lesson} failed on the cluster: "
                                    f"{type(exc).__name__}: {exc}") from exc
            except Exception as exc:   # a lost worker (KilledWorker), or the judge failed there
                reason = (str(exc).strip().splitlines() or [""])[0][:300]
                cause = f"the cluster could not grade it: {type(exc).__name__}: {reason}"
                print(f"grader: judge error for {job.student}/{job.lesson}: {cause}; recorded, the batch goes on",
                      file=sys.stderr, flush=True)
                result = (job, judge_error_result(job, options, cause), [], 0.0)
            finally:
                future.release()
            yield result
    finally:
        if pending:
            client.cancel(list(pending))
        client.close()
