"""Issue 10: the judge survives any student (bounded replies, supervised workers, a minimal
environment for the child, neutralized text), each shown on the real judge."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from adversarial.build import build
from adversarial.cases import CASES, WRONG_FORWARD_SCORE, Case, patched
from adversarial.judge_memory import JudgePeak
from adversarial.killer import KILL_MARK, WorkerKiller

from grader import codec
from grader.judge import intake, protocol
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions
from grader.results import submission_from_dict

MiB = 2**20
CASE = {case.name: case for case in CASES}


def _options(out: Path, **changes) -> GradeOptions:
    settings = dict(out=out, lessons=("lesson03",), jobs=2, call_timeout=3.0, lesson_timeout=40.0,
                    memory_mb=1024, progress=False, seed=20261127)
    return GradeOptions(**{**settings, **changes})


def _scores(out: Path) -> dict[str, float]:
    return {folder.name: submission_from_dict(json.loads((folder / "result.json").read_text())["result"]).score
            for folder in out.iterdir() if (folder / "result.json").exists()}


# --- bounded replies ------------------------------------------------------------------------
def test_a_frame_over_the_budget_is_refused_from_its_prefix():
    judge, child = socket.socketpair()
    with judge, child:
        child.sendall(protocol.PREFIX.pack(10, 480 * MiB))   # announces 480 MB, sends none of it
        judge.settimeout(2.0)                                 # reading the body would time out instead
        with pytest.raises(protocol.TooLarge) as refused:
            protocol.receive(judge, max_buffers=64 * MiB)
        assert refused.value.budget == 64 * MiB


def test_a_frame_within_the_budget_is_read_once_into_views():
    judge, child = socket.socketpair()
    with judge, child:
        data = np.arange(1000, dtype=np.float32)
        protocol.send(child, {"op": "x"}, [b"ab", memoryview(data)])
        header, buffers = protocol.receive(judge, max_buffers=64 * MiB)
        assert header == {"op": "x"} and bytes(buffers[0]) == b"ab"
        assert np.array_equal(np.frombuffer(buffers[1], dtype=np.float32), data)
        assert buffers[0].obj is buffers[1].obj       # one allocation for the whole frame


def test_too_many_buffers_are_refused():
    judge, child = socket.socketpair()
    with judge, child:
        header = json.dumps({"lens": [0] * (protocol.MAX_BUFFER_COUNT + 1)}).encode()
        child.sendall(protocol.PREFIX.pack(len(header), 0) + header)
        with pytest.raises(protocol.ProtocolError, match="malformed header"):
            protocol.receive(judge)


def _tensor_tree(shape, buf=0, dtype="float32"):
    return {"tensor": {"dtype": dtype, "shape": shape, "buf": buf, "device": "cpu", "requires_grad": False,
                       "is_leaf": True, "grad_fn": None}}


def test_the_codec_refuses_a_declared_size_over_the_budget_before_allocating():
    tree = _tensor_tree([10**12])           # 4 TB declared: allocating it would fail loudly
    with pytest.raises(codec.TooLarge):
        codec.decode(codec.Encoded(tree, [b""]), as_snapshots=True, max_bytes=64 * MiB)
    array = {"ndarray": {"dtype": "float64", "shape": [10**6, 10**6], "buf": 0}}
    with pytest.raises(codec.TooLarge):
        codec.decode(codec.Encoded(array, [b""]), as_snapshots=True, max_bytes=64 * MiB)


@pytest.mark.parametrize("shape", [[3, 3], [-1], [2**62, 2**62], "4", [1.5]])
def test_the_codec_refuses_shapes_that_do_not_match_their_bytes(shape):
    with pytest.raises(codec.CodecError):
        codec.decode(codec.Encoded(_tensor_tree(shape), [b"\0" * 16]), as_snapshots=True)


def test_encoding_a_tensor_does_not_copy_it():
    tensor = torch.arange(1 << 20, dtype=torch.float32)
    encoded = codec.encode(tensor)
    buffer = encoded.buffers[0]
    assert isinstance(buffer, memoryview) and buffer.nbytes == 4 << 20
    tensor[0] = 7.0                          # a view of the tensor's own memory
    assert np.frombuffer(buffer, dtype=np.float32)[0] == 7.0
    decoded = codec.decode(encoded, as_snapshots=True, max_bytes=4 << 20)
    tensor[0] = 8.0                          # ... while what the judge decoded is its own copy
    assert decoded.value[0] == 7.0 and torch.equal(decoded.value[1:], tensor[1:])


@pytest.mark.slow   # a real judge batch
def test_a_480_mb_reply_costs_the_judge_little_and_the_class_keeps_its_grades(tmp_path):
    cases = [CASE["control_correct"], CASE["control_wrong_forward"], CASE["huge_reply"]]
    paths = build(tmp_path / "class", cases)
    started = time.perf_counter()
    with JudgePeak() as peak:
        report = grade_batch(intake.find_submissions(paths), _options(tmp_path / "out"))
    wall = time.perf_counter() - started
    print(f"\nhuge reply: judge peak RSS {peak.peak / MiB:.0f} MiB (this process and {peak.workers} workers), "
          f"at most {peak.growth / MiB:.0f} MiB above where each started; batch wall time {wall:.1f} s")
    assert peak.workers >= 1
    assert sorted(r.student for r in report.graded) == sorted(c.name for c in cases)
    assert _scores(tmp_path / "out") == {c.name: c.score for c in cases}
    huge = submission_from_dict(json.loads((tmp_path / "out/huge_reply/result.json").read_text())["result"])
    assert any("No answer: your code returned more than 64 MB" in c.message for c in huge.lessons[0].checks)
    assert peak.growth < 4 * 64 * MiB, "the judge held (a copy of) the 480 MB reply"


# --- supervised workers ---------------------------------------------------------------------
@pytest.mark.slow   # a real judge batch
def test_a_judge_worker_killed_mid_job_twice_is_a_judge_error_and_the_batch_finishes(tmp_path, capfd):
    victim = Case("killed_worker", patched(KILL_MARK + "\n"), 0)
    cases = [CASE["control_correct"], CASE["control_wrong_forward"], victim]
    paths = build(tmp_path / "class", cases)
    with WorkerKiller() as killer:
        report = grade_batch(intake.find_submissions(paths), _options(tmp_path / "out", lesson_timeout=120.0))
    assert len(killer.killed) == 2, "graded again once, on a fresh worker, after the first loss"
    assert sorted(r.student for r in report.graded) == sorted(c.name for c in cases)
    scores = _scores(tmp_path / "out")
    assert scores == {"control_correct": 10, "control_wrong_forward": WRONG_FORWARD_SCORE, "killed_worker": 0}
    assert report.judge_errors == ["killed_worker/lesson03: judge error: the judge worker was killed by SIGKILL "
                                   "(out of memory?)"]
    gradebook = (tmp_path / "out/gradebook.csv").read_text().splitlines()
    assert len(gradebook) == 4 and any(row.startswith("killed_worker,") and "judge error" in row for row in gradebook)
    assert json.loads((tmp_path / "out/summary.json").read_text())["judge_errors"] == 1
    feedback = (tmp_path / "out/killed_worker/feedback.md").read_text()
    assert "Judge error: this lesson could not be graded (the judge worker was killed by SIGKILL (out of memory?))" \
        in feedback
    err = capfd.readouterr().err
    assert "grading it again on a fresh worker" in err and "judge error for killed_worker/lesson03" in err
    from grader.writers.report import write_report
    assert "Submissions the judge could not grade" in write_report(tmp_path / "out").read_text()


# --- the child's environment ----------------------------------------------------------------
SECRET = "s3cr3t-instructor-token-4f9a"
LEAKS_ENVIRONMENT = patched(
    "import os\n"
    "def _environment():\n"
    "    names = sorted(os.environ, key=lambda n: not any(w in n for w in ('TOKEN', 'SECRET', 'KEY')))\n"
    "    seen = ' '.join(f'{n}={os.environ[n]}' for n in names)\n"
    "    for path in ('/proc/self/environ', f'/proc/{os.getppid()}/environ', '/proc/1/environ'):\n"
    "        try:\n"
    "            seen += ' ' + open(path, 'rb').read().decode(errors='replace').replace(chr(0), ' ')\n"
    "        except OSError as exc:\n"
    "            seen += f' {path}: {type(exc).__name__}'\n"
    "    return seen\n"
    "print(_environment())\n"
    "def forward(x, w):\n    raise RuntimeError('LEAK ' + _environment())\n")


@pytest.mark.slow   # a real judge batch
def test_the_child_sees_none_of_the_judges_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_TEST_API_TOKEN", SECRET)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    cases = [Case("leaks_environment", LEAKS_ENVIRONMENT, 2), CASE["control_correct"]]
    report = grade_batch(intake.find_submissions(build(tmp_path / "class", cases)), _options(tmp_path / "out"))
    assert len(report.graded) == 2
    feedback = (tmp_path / "out/leaks_environment/feedback.md").read_text()
    assert "LEAK " in feedback and "HOME=" in feedback          # the submission did show its environment
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    assert _scores(tmp_path / "out") == {"leaks_environment": 2, "control_correct": 10}


def test_the_environment_allow_list(tmp_path):
    from grader.judge.environment import child_environment
    judge = {"PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1",
             "GITHUB_TOKEN": SECRET, "HOSTNAME": "box-17", "PWD": "/home/prof", "SSH_AUTH_SOCK": "/tmp/x",
             "HOME": "/home/prof", "GRADER_LANG": "vi"}
    env = child_environment(tmp_path, judge)
    assert env["HOME"] == env["TMPDIR"] == str(tmp_path)
    assert {k: env[k] for k in ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS", "GRADER_LANG")} == \
        {k: judge[k] for k in ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS", "GRADER_LANG")}
    assert not {"GITHUB_TOKEN", "HOSTNAME", "PWD", "SSH_AUTH_SOCK"} & set(env)


# --- the judge workers' own memory limit -----------------------------------------------------
@pytest.mark.slow   # a real judge batch
def test_a_worker_over_its_own_memory_limit_is_a_judge_error_not_the_machines_oom(tmp_path, capfd):
    """With the reply budget raised past a 480 MB reply, reading it takes a judge worker over its
    own 300 MB limit: that worker ends (twice), the job is a judge error, the others are graded."""
    cases = [CASE["control_correct"], CASE["huge_reply"]]
    options = _options(tmp_path / "out", max_reply_mb=600, worker_memory_mb=300)
    from grader.judge.worker_limit import CGROUP_PREFIX
    before = set(Path("/sys/fs/cgroup/memory").rglob(f"*{CGROUP_PREFIX}*"))   # other runs' on this machine
    report = grade_batch(intake.find_submissions(build(tmp_path / "class", cases)), options)
    assert sorted(r.student for r in report.graded) == ["control_correct", "huge_reply"]
    assert [line.split(":")[0] for line in report.judge_errors] == ["huge_reply/lesson03"]
    assert _scores(tmp_path / "out") == {"control_correct": 10, "huge_reply": 0}
    err = capfd.readouterr().err
    assert "grading it again on a fresh worker" in err
    left = [p for p in set(Path("/sys/fs/cgroup/memory").rglob(f"*{CGROUP_PREFIX}*")) - before
            if not (p / "cgroup.procs").read_text().strip()]     # (a concurrent run's live ones have processes)
    assert not left, "worker cgroups left behind"


def _dies_on_doomed(job, options):
    """A worker's job: SIGKILLs its own worker process for "doomed" (every time), else a result."""
    from grader.judge.supervisor import judge_error_result
    if job.student == "doomed":
        os.kill(os.getpid(), signal.SIGKILL)
    if job.student == "raises":
        raise MemoryError("the worker ran out of memory")
    result = judge_error_result(job, options, "not an error")   # any well-formed row will do
    return job, result, [f"pid {os.getpid()}"], 0.0


@pytest.mark.slow   # a real judge batch
def test_the_supervisor_regrades_a_lost_job_once_then_records_a_judge_error(tmp_path):
    from grader.judge.jobs import Job
    from grader.judge.supervisor import is_judge_error, run_supervised
    jobs = [Job(name, "lesson03", None) for name in ("ada", "doomed", "grace", "raises", "linus")]
    lines: list[str] = []
    outcomes = list(run_supervised(jobs, _options(tmp_path, jobs=2), _dies_on_doomed, log=lines.append))
    by_student = {job.student: (result, active) for job, result, active, _ in outcomes}
    assert sorted(by_student) == ["ada", "doomed", "grace", "linus", "raises"]
    assert by_student["doomed"][1] == [] and is_judge_error(by_student["doomed"][0])
    assert "killed by SIGKILL" in by_student["doomed"][0].problem
    assert "MemoryError: the worker ran out of memory" in by_student["raises"][0].problem
    assert "the judge worker was killed by SIGKILL (out of memory?) while grading doomed/lesson03; grading it again " \
           "on a fresh worker" in lines
    assert len(lines) == 4 and sum("judge error for" in line for line in lines) == 2


@pytest.mark.slow   # a real judge batch
def test_a_judge_holding_fds_past_1024_still_grades(tmp_path):
    """A long-lived judge process (a test session, a notebook) can hold many files open; the judge's
    sockets then have numbers past 1024, where select() fails: every job must still be graded."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this machine allows fewer than 1200 open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        cases = [CASE["control_correct"], CASE["control_wrong_forward"]]
        grade_batch(intake.find_submissions(build(tmp_path / "class", cases)), _options(tmp_path / "out"))
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert _scores(tmp_path / "out") == {"control_correct": 10, "control_wrong_forward": WRONG_FORWARD_SCORE}
