"""A warm process that forks one confined child per (submission, lesson).

The zygote is a fresh interpreter (`python -m grader.judge.zygote`): it imports torch, the
codec, the session and the probes, preloads the MNIST training set and warms autograd, and
never imports the checks, the reference solutions or held-out labels. Forking it costs tens
of milliseconds instead of the seconds a fresh `import torch` costs.

Control messages travel on a SOCK_SEQPACKET socket as JSON; the child's own RPC socket is
passed as a file descriptor (SCM_RIGHTS) with the spawn request.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

CONTROL_BYTES = 64 * 1024


# --- judge side ----------------------------------------------------------------
class Zygote:
    def __init__(self, *, data_root: Path | None = None, threads: int = 1):
        judge_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTORCH_NVML_BASED_CUDA_CHECK="1")
        args = [sys.executable, "-m", "grader.judge.zygote", str(zygote_end.fileno()), str(threads)]
        if data_root:
            args.append(str(data_root))
        self.process = subprocess.Popen(args, pass_fds=[zygote_end.fileno()], env=env,
                                        stdin=subprocess.DEVNULL)
        zygote_end.close()
        self.control = judge_end
        self.ready: dict | None = None

    def wait_ready(self, timeout: float = 120.0) -> dict:
        if self.ready is None:
            self.control.settimeout(timeout)
            self.ready = self._receive()
            self.control.settimeout(None)
        return self.ready

    def _receive(self) -> dict:
        raw = self.control.recv(CONTROL_BYTES)
        if not raw:
            raise RuntimeError("the grading zygote exited; see the messages above")
        return json.loads(raw)

    def spawn(self, job: dict, rpc_socket: socket.socket) -> int:
        self.wait_ready()
        socket.send_fds(self.control, [json.dumps({"cmd": "spawn", **job}).encode()], [rpc_socket.fileno()])
        reply = self._receive()
        if "error" in reply:
            raise RuntimeError(f"could not start a grading process: {reply['error']}")
        return int(reply["pid"])

    def reap(self, pid: int, timeout: float = 5.0) -> dict:
        """Exit status of a child: {'code': int|None, 'signal': int|None}."""
        self.control.send(json.dumps({"cmd": "wait", "pid": pid, "timeout": timeout}).encode())
        return self._receive()

    def close(self) -> None:
        try:
            self.control.send(json.dumps({"cmd": "stop"}).encode())
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.control.close()


# --- zygote side ---------------------------------------------------------------
def _warm_up(data_root: str | None) -> None:
    import torch

    from grader import probes
    probes.load_all()
    x = torch.randn(8, 4, dtype=torch.float64, requires_grad=True)
    (x.sin() * 2).sum().backward()
    torch.nn.functional.cross_entropy(torch.nn.Linear(4, 3)(x.float().detach()), torch.zeros(8, dtype=torch.long)).backward()
    if data_root:
        from grader import data
        data.load_mnist(data_root, "train")


def _child(job: dict, rpc_fd: int, control: socket.socket) -> None:
    """In the forked child: confine, then answer requests until the judge hangs up."""
    control.close()
    rpc = socket.socket(fileno=rpc_fd)
    status = 0
    try:
        workdir = Path(job["workdir"])
        os.chdir(workdir)
        os.environ.update(TMPDIR=str(workdir), HOME=str(workdir), MPLCONFIGDIR=str(workdir))
        import tempfile
        tempfile.tempdir = None
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(workdir / "output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        sys.path[:] = [str(workdir)] + [p for p in sys.path if p and Path(p).resolve() != Path(job["project_root"])]
        from grader.judge.child import serve
        active = _confine(job)
        serve(rpc, Path(job["source"]), protections=active)
    except BaseException:  # never fall back into the zygote's loop
        status = 70
    finally:
        os._exit(status)


def _confine(job: dict) -> list[str]:
    """Apply the OS protections to this child; returns the names of those now active."""
    try:
        from grader.judge import sandbox
    except ImportError:  # TEMPORARY until sandbox lands
        return []
    limits = job["limits"]
    # The interpreter and its packages, the data: not the project (solutions/, the checks).
    readable = [Path(sys.prefix), Path(sys.base_prefix), *map(Path, job["readable"])]
    return sandbox.confine(
        Path(job["workdir"]),
        sandbox.Limits(wall_s=limits["wall_s"], cpu_s=limits["cpu_s"], memory_bytes=limits["memory_bytes"],
                       file_size_bytes=limits["file_size_bytes"], max_pids=limits["max_pids"]),
        readable=readable, writable=[Path(p) for p in job["writable"]])


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    threads = int(argv[1])
    data_root = argv[2] if len(argv) > 2 else None
    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    _warm_up(data_root)
    control.send(json.dumps({"ready": True}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, CONTROL_BYTES, 1)
        except OSError:
            return
        if not message:
            return
        request = json.loads(message)
        if request["cmd"] == "stop":
            return
        if request["cmd"] == "spawn":
            try:
                pid = os.fork()
            except OSError as exc:
                control.send(json.dumps({"error": str(exc)}).encode())
                continue
            if pid == 0:
                _child(request, fds[0], control)
            os.close(fds[0])
            control.send(json.dumps({"pid": pid}).encode())
        elif request["cmd"] == "wait":
            control.send(json.dumps(_wait(int(request["pid"]), float(request["timeout"]))).encode())


def _wait(pid: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return {"code": None, "signal": None}
        if done:
            return {"code": os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
        time.sleep(0.005)


if __name__ == "__main__":
    main(sys.argv[1:])
