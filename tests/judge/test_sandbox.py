"""The sandbox: a forked child confines itself, tries something forbidden and reports through a pipe.

Each protection's tests skip (with the reason) where that protection is not active here.
"""

from __future__ import annotations

import json
import mmap
import os
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from grader.judge import sandbox
from grader.judge.sandbox import Cgroup, LimitHit, Limits

PROJECT = Path(__file__).resolve().parents[2]
ACTIVE = set(sandbox.probe_protections())
FAST = Limits(wall_s=5.0, cpu_s=5.0, memory_bytes=512 * sandbox.MiB, max_pids=16, output_bytes=64 * 1024)


def needs(*names: str):
    missing = [n for n in names if n not in ACTIVE]
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not active here ({sorted(ACTIVE)})")


def attempt(action) -> str:
    """'ok', or the name of the exception the action raised."""
    try:
        action()
        return "ok"
    except BaseException as exc:  # noqa: BLE001 - the name is the result
        return type(exc).__name__


def run_confined(body, tmp_path: Path, limits: Limits = FAST, *, readable=(), cgroup: Cgroup | None = None):
    """Fork; the child joins `cgroup`, confines itself to a fresh workdir and reports body()'s
    JSON-able result. Returns (outcome, result or None, active protections or None)."""
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 4
        try:
            os.close(result_r)
            os.close(output_r)
            os.dup2(output_w, 1)
            os.dup2(output_w, 2)
            sys.stdout = open(1, "w", closefd=False)   # not pytest's capture
            sys.stderr = open(2, "w", closefd=False)
            if cgroup is not None:
                cgroup.add(os.getpid())
            active = sandbox.confine(workdir, limits, readable=list(readable), writable=[],
                                     keep_fds=[result_w])
            os.write(result_w, json.dumps({"active": active, "result": body(workdir)}).encode())
            code = 0
        except BaseException:
            traceback.print_exc()
            code = 3
        finally:
            os._exit(code)
    os.close(result_w)
    os.close(output_w)
    outcome = sandbox.watch(pid, limits, cgroup, output_fd=output_r, started=started)
    os.set_blocking(result_r, False)
    try:
        raw = os.read(result_r, 1 << 20)
    except BlockingIOError:
        raw = b""
    os.close(result_r)
    report = json.loads(raw) if raw else {}
    return outcome, report.get("result"), report.get("active")


@pytest.fixture
def cgroup(request):
    group = Cgroup.create(f"test-{os.getpid()}-{request.node.name}", request.param)
    if group is None:
        pytest.skip("cgroups are not writable here")
    yield group
    group.remove()


# --- the filesystem ----------------------------------------------------------------------------------
@needs("landlock-fs")
def test_reads_outside_the_readable_paths_fail(tmp_path):
    project = tmp_path / "project"
    for relative in ("solutions/lesson03/backprop.py", "grader/checks/lesson03.py", "datasets/ok.txt"):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("secret")
    real = [p for p in (PROJECT / "solutions", PROJECT / "grader" / "checks") if p.is_dir()]

    def body(_):
        return {
            "solution": attempt(lambda: (project / "solutions/lesson03/backprop.py").read_text()),
            "checks": attempt(lambda: (project / "grader/checks/lesson03.py").read_text()),
            "listing": attempt(lambda: os.listdir(project)),
            "real": [attempt(lambda p=p: [f.read_bytes() for f in p.rglob("*.py")] or os.listdir(p)) for p in real],
            "data": attempt(lambda: (project / "datasets/ok.txt").read_text()),
            "shadow": attempt(lambda: Path("/etc/shadow").read_bytes()),
        }

    outcome, result, _ = run_confined(body, tmp_path, readable=[project / "datasets"])
    assert outcome.exit_code == 0, outcome.output
    assert result["solution"] == result["checks"] == result["listing"] == "PermissionError"
    assert result["shadow"] in ("PermissionError", "FileNotFoundError")
    assert set(result["real"]) <= {"PermissionError"}
    assert result["data"] == "ok"


@needs("landlock-fs")
def test_writes_outside_the_workdir_fail_and_inside_succeed(tmp_path):
    outside = tmp_path / "outside.txt"

    def body(workdir):
        return {
            "outside": attempt(lambda: outside.write_text("x")),
            "tmp": attempt(lambda: Path("/tmp/grader-sandbox-test-pwned").write_text("x")),
            "inside": attempt(lambda: (workdir / "scratch" / "model.ckpt").parent.mkdir()
                              or (workdir / "scratch" / "model.ckpt").write_bytes(b"w")),
            "symlink": attempt(lambda: os.symlink("/etc/passwd", workdir / "link")),
            "hardlink": attempt(lambda: os.link(PROJECT / "pyproject.toml", workdir / "hard")),
        }

    outcome, result, _ = run_confined(body, tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert result == {"outside": "PermissionError", "tmp": "PermissionError", "inside": "ok",
                      "symlink": "PermissionError", "hardlink": result["hardlink"]}
    assert result["hardlink"] != "ok"
    assert not outside.exists() and not Path("/tmp/grader-sandbox-test-pwned").exists()


def test_python_and_torch_keep_working_when_confined(tmp_path):
    def body(workdir):
        import importlib
        import sys
        fresh = importlib.import_module("xml.dom.minidom")   # a stdlib module not imported before
        out = {"stdlib": fresh.__name__, "cwd": os.getcwd() == str(workdir)}
        if "torch" in sys.modules:
            import torch
            out["torch"] = float(torch.arange(4.0).sum())
        return out

    outcome, result, active = run_confined(body, tmp_path)
    assert outcome.ok, outcome.output
    assert result["stdlib"] == "xml.dom.minidom" and result["cwd"]
    assert result.get("torch", 6.0) == 6.0
    assert set(active) >= {"new-session", "rlimits"}


# --- network, processes, privileges ----------------------------------------------------------------------
@needs("seccomp")
def test_network_sockets_cannot_be_created(tmp_path):
    def body(_):
        left, right = socket.socketpair()   # AF_UNIX stays usable
        left.sendall(b"x")
        return {
            "inet": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
            "inet6": attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)),
            "netlink": attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)),
            "unix_connect": attempt(lambda: socket.socket(socket.AF_UNIX).connect("/run/some.sock")),
            "pair": right.recv(1).decode(),
        }

    outcome, result, _ = run_confined(body, tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert result == {"inet": "PermissionError", "inet6": "PermissionError", "netlink": "PermissionError",
                      "unix_connect": "PermissionError", "pair": "x"}


@needs("caps-dropped", "no_new_privs")
def test_capabilities_are_gone(tmp_path):
    def body(_):
        status = dict(line.split(":\t", 1) for line in Path("/proc/self/status").read_text().splitlines()
                      if ":\t" in line)
        return {k: status[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "NoNewPrivs")}

    outcome, result, _ = run_confined(body, tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert result == {"CapEff": "0" * 16, "CapPrm": "0" * 16, "CapBnd": "0" * 16, "NoNewPrivs": "1"}


@needs("seccomp", "landlock-scope")
def test_cannot_leave_the_process_group_or_signal_outsiders(tmp_path):
    def body(_):
        return {"setsid": attempt(os.setsid), "setpgid": attempt(lambda: os.setpgid(0, 0)),
                "signal_parent": attempt(lambda: os.kill(os.getppid(), 0)),
                "ptrace": attempt(lambda: Path(f"/proc/{os.getppid()}/environ").read_bytes())}

    outcome, result, _ = run_confined(body, tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert result == {"setsid": "PermissionError", "setpgid": "PermissionError",
                      "signal_parent": "PermissionError", "ptrace": "PermissionError"}


@needs("seccomp")
def test_without_a_pids_cgroup_new_processes_are_refused_but_threads_run(tmp_path):
    def body(_):
        seen = []
        thread = threading.Thread(target=lambda: seen.append(1))
        thread.start()
        thread.join()
        return {"fork": attempt(os.fork), "thread": seen == [1]}

    outcome, result, active = run_confined(body, tmp_path)
    assert outcome.exit_code == 0, outcome.output
    if sandbox.own_pids_limit() is not None:
        pytest.skip("this test process is itself in a pids cgroup, so forks are allowed")
    assert result == {"fork": "PermissionError", "thread": True}
    assert "processes" in active


def fork_bomb(_):
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.001)


@pytest.mark.parametrize("cgroup", [Limits(max_pids=16, memory_bytes=512 * sandbox.MiB)], indirect=True)
def test_a_fork_bomb_is_stopped_by_the_pids_limit(tmp_path, cgroup):
    if cgroup.pids_dir is None:
        pytest.skip("no pids controller here")
    limits = Limits(wall_s=1.0, max_pids=16, memory_bytes=512 * sandbox.MiB)
    outcome, _, _ = run_confined(fork_bomb, tmp_path, limits, cgroup=cgroup)
    assert outcome.limit is LimitHit.PIDS, outcome
    assert LimitHit.WALL_TIME in outcome.limits_hit
    assert outcome.wall_s < 3
    time.sleep(0.05)
    assert cgroup.pids() == set()


# --- memory, time, files, output ----------------------------------------------------------------------------
def memory_hog(_):
    blocks = []
    try:
        while True:
            blocks.append(bytearray(16 * sandbox.MiB))
    except MemoryError:
        os._exit(sandbox.MEMORY_ERROR_EXIT_CODE)


@needs("memory")
def test_a_memory_hog_hits_rlimit_data_and_is_reported_as_memory(tmp_path):
    limits = Limits(wall_s=10.0, memory_bytes=128 * sandbox.MiB)
    outcome, _, _ = run_confined(memory_hog, tmp_path, limits)
    assert outcome.limit is LimitHit.MEMORY and outcome.limit.value == "memory", outcome
    assert outcome.exit_code == sandbox.MEMORY_ERROR_EXIT_CODE


def shared_memory_hog(_):
    # MAP_SHARED memory escapes RLIMIT_DATA: only the memory cgroup can stop it.
    area = mmap.mmap(-1, 1024 * sandbox.MiB, flags=mmap.MAP_SHARED)
    chunk = b"x" * sandbox.MiB
    while True:
        area.write(chunk)


@pytest.mark.parametrize("cgroup", [Limits(memory_bytes=64 * sandbox.MiB)], indirect=True)
def test_a_memory_hog_is_oom_killed_by_the_cgroup_and_reported_as_memory(tmp_path, cgroup):
    if cgroup.memory_dir is None:
        pytest.skip("no memory controller here")
    limits = Limits(wall_s=10.0, memory_bytes=64 * sandbox.MiB)
    outcome, _, _ = run_confined(shared_memory_hog, tmp_path, limits, cgroup=cgroup)
    assert outcome.limit is LimitHit.MEMORY, outcome
    assert outcome.signal == signal.SIGKILL and outcome.wall_s < 5
    assert cgroup.memory_peak() >= 60 * sandbox.MiB


def spin(_):
    while True:
        pass


def test_an_endless_loop_is_killed_by_the_wall_clock(tmp_path):
    outcome, _, _ = run_confined(spin, tmp_path, Limits(wall_s=0.5))
    assert outcome.limit is LimitHit.WALL_TIME and outcome.limit.value == "wall time", outcome
    assert outcome.signal == signal.SIGKILL and 0.5 <= outcome.wall_s < 2


def stubborn(_):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU, signal.SIGUSR1):
        signal.signal(sig, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGALRM})
    while True:
        time.sleep(0.05)     # asleep: RLIMIT_CPU never fires, only the parent's clock can end it


def test_a_child_ignoring_signals_and_sleeping_still_dies(tmp_path):
    outcome, _, _ = run_confined(stubborn, tmp_path, Limits(wall_s=0.5, cpu_s=0.5))
    assert outcome.limit is LimitHit.WALL_TIME, outcome
    assert outcome.signal == signal.SIGKILL and outcome.wall_s < 2


@needs("rlimits")
def test_cpu_time_is_limited(tmp_path):
    outcome, _, _ = run_confined(spin, tmp_path, Limits(wall_s=10.0, cpu_s=1.0))
    assert outcome.limit is LimitHit.CPU_TIME, outcome
    assert outcome.signal in (signal.SIGXCPU, signal.SIGKILL) and outcome.cpu_s >= 0.9


@needs("rlimits")
def test_file_size_is_limited(tmp_path):
    def writer(workdir):
        with open(workdir / "big.bin", "wb") as handle:
            while True:
                handle.write(b"0" * 65536)
                handle.flush()

    outcome, _, _ = run_confined(writer, tmp_path, Limits(wall_s=5.0, file_size_bytes=sandbox.MiB))
    assert outcome.limit is LimitHit.FILE_SIZE and outcome.signal == signal.SIGXFSZ, outcome
    assert (tmp_path / "work" / "big.bin").stat().st_size <= sandbox.MiB


def test_output_is_capped(tmp_path):
    def shout(_):
        while True:
            os.write(1, b"x" * 4096)

    outcome, _, _ = run_confined(shout, tmp_path, Limits(wall_s=5.0, output_bytes=100_000))
    assert outcome.limit is LimitHit.OUTPUT, outcome
    assert len(outcome.output) == 100_000 and outcome.wall_s < 2


def test_a_well_behaved_child_is_ok(tmp_path):
    outcome, result, _ = run_confined(lambda _: print("hello", flush=True) or 42, tmp_path)
    assert outcome.ok and outcome.limit is None and outcome.limits_hit == frozenset()
    assert result == 42 and outcome.output == b"hello\n"


def test_probe_reports_names_confine_uses():
    known = {"new-session", "pdeathsig", "rlimits", "memory", "processes", "no_new_privs", "landlock-fs",
             "landlock-net", "landlock-scope", "caps-dropped", "seccomp", "fds-closed", "cgroup-memory",
             "cgroup-pids"}
    assert ACTIVE <= known
