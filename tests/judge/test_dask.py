"""Grading on a Dask cluster: same outputs as the local pool, and a worker lost mid-job costs nothing.

A real `distributed.LocalCluster` (two worker processes, one thread each): every task crosses a
process boundary by pickle, each worker warms its own zygote, and the nanny restarts a worker
that is killed. Skipped when dask is not installed (it is the optional `[dask]` extra).
"""

import json
import logging
import os
import pickle
import signal
import threading
import time
from pathlib import Path

import nbformat
import pytest

distributed = pytest.importorskip("distributed")

from conftest import EXERCISES, SOLUTIONS  # noqa: E402

from grader import cli  # noqa: E402
from grader.judge import dask_executor, intake  # noqa: E402
from grader.judge.batch import grade_batch  # noqa: E402
from grader.judge.jobs import GradeOptions, Job, worker  # noqa: E402
from grader.judge.plan import plan  # noqa: E402

LESSON = ("lesson03",)
SEED = 20261127
SOLUTION = (SOLUTIONS / "lesson03" / "backprop.py").read_text()
SLOW_S = 6


def student(folder, name, source):
    target = folder / name / "exercises" / "lesson03" / "backprop.py"
    target.parent.mkdir(parents=True)
    target.write_text(source)


@pytest.fixture(scope="module")
def cluster():
    # The nanny's worker processes are daemonic; that forbids multiprocessing children, not the
    # zygote, which is a plain subprocess — so `distributed.worker.daemon` can stay as it is.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=logging.ERROR) as local:
        yield local


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    student(folder, "ada", SOLUTION)
    student(folder, "linus", (EXERCISES / "lesson03" / "backprop.py").read_text())
    student(folder, "grace", SOLUTION.replace("(y_pred - y) ** 2", "(y_pred - y).abs()"))
    student(folder, "quitter", "import sys\nsys.exit(3)\n")
    cells = [nbformat.v4.new_code_cell(SOLUTION)]
    (folder / "kim").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "kim" / "lesson03.ipynb")
    return folder


def options(out, **kw):
    return GradeOptions(out=out, lessons=LESSON, jobs=2, progress=False, seed=SEED, **kw)


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items()
                if k not in ("execution_time", "duration", "timings")}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def snapshot(out: Path) -> dict[str, object]:
    """Every file the batch wrote, timings removed from the JSON ones (the database, its lock and the
    report, which holds the wall time, left out)."""
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.name.startswith(("grades.sqlite", ".grades.lock")) or path.name == "report.html":
            continue
        text = path.read_text(encoding="utf-8")
        files[str(path.relative_to(out))] = without_timings(json.loads(text)) if path.suffix == ".json" else text
    return files


def test_jobs_options_and_results_cross_processes_by_pickle(klass, tmp_path):
    submissions = intake.find_submissions([klass])
    jobs = [job for _, (_, js) in plan(submissions, LESSON).items() for job in js]
    assert all(isinstance(j, Job) and (j.source is None or j.source.is_absolute()) for j in jobs)
    opts = options(tmp_path / "out", executor="dask", scheduler="tcp://127.0.0.1:8786")
    assert pickle.loads(pickle.dumps((jobs, opts))) == (jobs, opts)


def test_dask_grades_exactly_like_the_local_pool(cluster, klass, tmp_path):
    submissions = intake.find_submissions([klass])
    local = grade_batch(submissions, options(tmp_path / "local"))
    remote = grade_batch(submissions, options(tmp_path / "dask", executor="dask",
                                              scheduler=cluster.scheduler_address))
    scores = {r.student: r.score for r in remote.graded}
    assert scores == {r.student: r.score for r in local.graded}
    assert scores["ada"] == scores["kim"] == 10 and scores["linus"] == scores["quitter"] == 0
    assert sorted(scores) == ["ada", "grace", "kim", "linus", "quitter"]
    assert remote.protections == local.protections

    here, there = snapshot(tmp_path / "local"), snapshot(tmp_path / "dask")
    assert sorted(here) == sorted(there)
    assert len(here) == 2 + 3 * 5          # gradebook, summary; results, feedback, result per student
    for name in here:
        assert here[name] == there[name], name

    # Both workers graded, each with its own warm zygote, kept between tasks and between batches.
    with distributed.Client(cluster, set_as_default=False) as client:
        before = client.run(_pids)
        assert len({zygote for _, zygote in before.values() if zygote}) == 2
        again = grade_batch(submissions, options(tmp_path / "again", executor="dask",
                                                 scheduler=cluster.scheduler_address))
        assert client.run(_pids) == before
    assert snapshot(tmp_path / "again") == there and len(again.graded) == 5


def _pids() -> tuple[int, int | None]:
    """On a worker: its own pid and its zygote's."""
    return os.getpid(), (worker.zygote.process.pid if worker.zygote is not None else None)


def test_a_worker_killed_mid_job_is_replaced_and_nobody_is_graded_twice(cluster, klass, tmp_path):
    # "slowpoke" is ada's solution behind a pause at import: a job that is long enough to be
    # caught running. Its worker is killed then (SIGKILL: no teardown, no goodbye).
    student(klass, "slowpoke", f"import time\ntime.sleep({SLOW_S})\n" + SOLUTION)
    submissions = intake.find_submissions([klass])
    out = tmp_path / "out"
    done: dict = {}

    def grade():
        try:
            done["report"] = grade_batch(submissions, options(out, executor="dask",
                                                              scheduler=cluster.scheduler_address))
        except BaseException as exc:  # reported by the assertions below
            done["error"] = exc

    with distributed.Client(cluster, set_as_default=False) as client:
        judge = threading.Thread(target=grade)
        judge.start()
        deadline = time.monotonic() + 60
        victim = None
        while victim is None and time.monotonic() < deadline and judge.is_alive():
            for address, job in client.run(dask_executor.running_job).items():
                if job is not None and job.student == "slowpoke":
                    victim = address
            time.sleep(0.2)
        assert victim is not None, "the slow job was never seen running"
        time.sleep(1)
        pid, zygote = client.run(_pids, workers=[victim])[victim]
        assert client.run(dask_executor.running_job, workers=[victim])[victim].student == "slowpoke"
        os.kill(pid, signal.SIGKILL)
        judge.join(timeout=120)
        assert not judge.is_alive() and "error" not in done, done.get("error")
        client.wait_for_workers(2, timeout=60)          # the nanny restarted the killed one
        assert pid not in {p for p, _ in client.run(_pids).values()}

    report = done["report"]
    graded = [r.student for r in report.graded]
    assert sorted(graded) == ["ada", "grace", "kim", "linus", "quitter", "slowpoke"]   # each once
    scores = {r.student: r.score for r in report.graded}
    assert scores["slowpoke"] == scores["ada"] == 10
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 1 + 6 and sum(r.startswith("slowpoke,") for r in rows) == 1
    # The killed worker's zygote stopped by itself when its control socket closed.
    assert zygote is None or _gone(zygote, timeout=15)


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.2)
    return False


def test_judge_errors_are_one_line(klass, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 1)
    code = cli.main(["grade", str(klass), "--out", str(tmp_path / "o1"), "--lessons", "3", "--quiet",
                     "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot reach the Dask scheduler" in err, err

    code = cli.main(["grade", str(klass), "--out", str(tmp_path / "o2"), "--lessons", "3", "--executor", "dask"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--scheduler" in err, err

    code = cli.main(["grade", str(klass), "--out", str(tmp_path / "o3"), "--lessons", "3",
                     "--executor", "local", "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and capsys.readouterr().err.count("\n") == 1

    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    code = cli.main(["grade", str(klass), "--out", str(tmp_path / "o4"), "--lessons", "3",
                     "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install" in err, err


def test_a_job_whose_workers_keep_dying_is_a_judge_error_and_the_batch_finishes(klass, tmp_path):
    # The scheduler runs a job lost with its worker again; with allowed-failures=1 it tries once
    # more, then gives up (KilledWorker): that (student, lesson) is a judge error, the rest graded.
    import dask
    student(klass, "doomed", f"import time\ntime.sleep({SLOW_S})\n" + SOLUTION)
    submissions = intake.find_submissions([klass])
    out = tmp_path / "out"
    done: dict = {}
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                     silence_logs=logging.ERROR) as local, \
            distributed.Client(local, set_as_default=False) as client:
        def grade():
            try:
                done["report"] = grade_batch(submissions, options(out, executor="dask",
                                                                  scheduler=local.scheduler_address))
            except BaseException as exc:  # reported by the assertions below
                done["error"] = exc

        judge = threading.Thread(target=grade)
        judge.start()
        killed: list[int] = []
        deadline = time.monotonic() + 240
        while judge.is_alive() and len(killed) < 2 and time.monotonic() < deadline:
            try:
                running = client.run(dask_executor.running_job)
            except Exception:   # a worker is restarting
                running = {}
            for address, job in running.items():
                if job is not None and job.student == "doomed":
                    pid = client.run(_pids, workers=[address])[address][0]
                    if pid not in killed:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
            time.sleep(0.2)
        judge.join(timeout=180)
        assert not judge.is_alive() and "error" not in done, done.get("error")
    assert len(killed) == 2
    report = done["report"]
    assert sorted(r.student for r in report.graded) == ["ada", "doomed", "grace", "kim", "linus", "quitter"]
    assert [line.split(":")[0] for line in report.judge_errors] == ["doomed/lesson03"]
    assert "KilledWorker" in report.judge_errors[0]
    scores = {r.student: r.score for r in report.graded}
    assert scores["ada"] == scores["kim"] == 10 and scores["doomed"] == 0
    assert json.loads((out / "summary.json").read_text())["judge_errors"] == 1
