"""A warm process that forks one confined child per (submission, lesson).

The zygote is a fresh interpreter (`python -m grader.judge.zygote`): it imports torch, the
codec, the session and the probes and warms autograd, and never imports the checks, the
reference solutions or held-out labels. Forking it costs tens of milliseconds instead of the
seconds a fresh `import torch` costs. What only some lessons use (optimizers, ResNets, what a
submission may read of MNIST...) it warms when the first job that uses it comes (`prepare`), so
that a batch's first results do not wait for warm-ups their lessons never need.

Control messages travel on a SOCK_SEQPACKET socket as JSON; the child's own RPC socket is
passed as a file descriptor (SCM_RIGHTS) with the spawn request.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.judge import malloc
from grader.judge.environment import child_environment, zygote_environment
from grader.judge.sandbox.cgroups import Cgroup, cgroups_writable
from grader.judge.sandbox.confinement import confine, die_with_parent
from grader.judge.sandbox.limits import Limits

CONTROL_BYTES = 64 * 1024
HOME_PREFIX = "grader-zygote-home-"   # the zygote's HOME, removed by whichever of it and Zygote ends last


# --- judge side ----------------------------------------------------------------
class Zygote:
    def __init__(self, *, data_root: Path | None = None, threads: int = 1, warm: tuple[str, ...] | None = None,
                 lang: str | None = None):
        """`warm`: which of WARM_UPS a job may have it pay (default: all of them); `data_root`: the
        MNIST it may preload; `lang`: its children's language (default: this process's)."""
        judge_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.home = Path(tempfile.mkdtemp(prefix=HOME_PREFIX))
        env = zygote_environment(self.home)    # never the judge's own: it may hold secrets
        if lang:
            env["GRADER_LANG"] = lang
        args = [sys.executable, "-m", "grader.judge.zygote", str(zygote_end.fileno()), str(threads)]
        self.process = subprocess.Popen(args, pass_fds=[zygote_end.fileno()], env=env,
                                        stdin=subprocess.DEVNULL)
        zygote_end.close()
        self.control = judge_end
        self.ready: dict | None = None
        self.warmed: set[str] = set()
        self.allow(warm, data_root)

    def allow(self, warm: tuple[str, ...] | None, data_root: Path | None) -> None:
        """What `prepare` may warm from now on: these WARM_UPS, and MNIST where `data_root` is given."""
        warm = tuple(WARM_UPS) if warm is None else warm
        unknown = set(warm) - set(WARM_UPS)
        if unknown:
            raise ValueError(f"unknown zygote warm-up {sorted(unknown)} (known: {', '.join(WARM_UPS)})")
        self.data_root = data_root
        self.warmable = set(warm) | ({MNIST} if data_root else set())

    def wait_ready(self, timeout: float = 120.0) -> dict:
        if self.ready is None:
            self.control.settimeout(timeout)
            self.ready = self._receive()
            self.control.settimeout(None)
        return self.ready

    def prepare(self, names) -> None:
        """Warm what a job's lesson uses (WARM_UPS names, or MNIST), where this zygote may and has
        not yet: once per zygote, before the job's clock starts."""
        missing = [name for name in names if name in self.warmable and name not in self.warmed]
        if not missing:
            return
        self.wait_ready()
        data_root = str(self.data_root) if MNIST in missing else None
        self.control.send(json.dumps({"cmd": "warm", "names": missing, "data_root": data_root}).encode())
        reply = self._receive()
        if "error" in reply:
            raise RuntimeError(f"the grading zygote could not warm {missing}: {reply['error']}")
        self.warmed.update(missing)

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
        """Exit status of a child that died: {'code', 'signal', and 'oom'/'pids_exceeded' with cgroups}."""
        self.control.send(json.dumps({"cmd": "wait", "pid": pid, "timeout": timeout}).encode())
        return self._receive()

    def forget(self, pid: int) -> None:
        """A child whose job is done: the zygote kills and reaps it in its own time."""
        self.control.send(json.dumps({"cmd": "forget", "pid": pid}).encode())

    def close(self) -> None:
        try:
            self.control.send(json.dumps({"cmd": "stop"}).encode())
        except OSError:
            pass
        self.reap_process()
        self.control.close()

    def reap_process(self) -> None:
        """Wait for the zygote's process to end (killed after 5 s), and remove its HOME."""
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


# --- started early, adopted by the workers a command forks ---------------------------
_PRESTARTED: list[Zygote] = []    # started by this process, not yet handed to a forked one
_ADOPTED: list[Zygote] = []       # in a forked worker: the one handed to it at its fork
_HANDED: list[Zygote] = []        # in the starting process: those handed over (reaped at the end)
_HOOKED = False                   # the fork hooks are registered (once per process: they cannot be removed)
_HANDING_OVER = False             # forks now are the workers' (`handing_over`): others take nothing


def prestart(count: int, *, lang: str | None = None) -> None:
    """Start `count` zygotes now, before this process's own slow imports (torch, the checks).

    A zygote's start (a fresh interpreter imports torch: ~2 s) then runs on the core the command
    line leaves idle while it loads, instead of after it. Each of the next processes this one
    forks while `handing_over` (the local executor's judge workers) adopts one, in order
    (`adopt_prestarted`); its worker then says what its batch may warm (`Zygote.allow`)."""
    global _HOOKED
    if not _HOOKED:
        os.register_at_fork(after_in_parent=_handed_over, after_in_child=_keep_first)
        _HOOKED = True
    _PRESTARTED.extend(Zygote(warm=(), lang=lang) for _ in range(count))


@contextlib.contextmanager
def handing_over():
    """While in it, each process this one forks adopts a prestarted zygote (other forks, such as
    the sandbox's probes, take none); at its end, those no fork took are stopped."""
    global _HANDING_OVER
    _HANDING_OVER = True
    try:
        yield
    finally:
        _HANDING_OVER = False
        discard_prestarted()


def _handed_over() -> None:
    if _HANDING_OVER and _PRESTARTED:
        zygote = _PRESTARTED.pop(0)
        zygote.control.close()   # the forked process holds the only end left: when it goes, the zygote sees it
        _HANDED.append(zygote)


def _keep_first() -> None:
    if _HANDING_OVER and _PRESTARTED:
        _ADOPTED[:] = _PRESTARTED[:1]
        for other in _PRESTARTED[1:]:
            other.control.close()   # another worker's, or nobody's: not this one's to keep alive
        _PRESTARTED.clear()
    _HANDED.clear()


def adopt_prestarted() -> Zygote | None:
    """The zygote handed to this process when it was forked (`prestart`), if any: once."""
    return _ADOPTED.pop() if _ADOPTED else None


def discard_prestarted() -> None:
    """Kill the zygotes no fork took (they served nothing: a command line that stops early, on a
    bad argument, does not wait for them to finish starting), and reap those handed over (their
    workers have stopped them)."""
    while _PRESTARTED:
        zygote = _PRESTARTED.pop()
        zygote.process.kill()    # its spare child, if it had forked one, dies with it (die_with_parent)
        zygote.control.close()
        zygote.reap_process()
    while _HANDED:
        _HANDED.pop().reap_process()


# --- zygote side ---------------------------------------------------------------
def _warm_training() -> None:
    """Optimizers (torch imports its compiler stack on the first step: ~2 s), losses, DataLoader,
    serialization."""
    import torch
    x = torch.randn(8, 4)
    model = torch.nn.Linear(4, 3)
    for optimizer in (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters())):
        torch.nn.functional.cross_entropy(model(x), torch.zeros(8, dtype=torch.long)).backward()
        optimizer.step()
        optimizer.zero_grad()
    with torch.no_grad():
        torch.nn.functional.mse_loss(model(x), torch.zeros(8, 3))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(4, 1), torch.zeros(4)),
                                         batch_size=2, shuffle=True)
    list(loader)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    torch.save(model, buffer)


def _warm_plotting() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots()
    axes.plot([0, 1], [0, 1], "ro", label="data")
    axes.legend()
    plt.close(figure)


def _warm_torchvision() -> None:
    import torchvision  # noqa: F401
    import torchvision.transforms  # noqa: F401


def _warm_vector_backward() -> None:
    """backward() with a gradient tensor (y.backward(v), autograd.grad with grad_outputs): torch
    imports its symbolic-shapes module, and sympy with it, on the first one (~0.3 s a child)."""
    import torch
    x = torch.randn(3, requires_grad=True)
    (x * 2).backward(torch.ones(3))


def _warm_resnet() -> None:
    import copy

    import torch

    from grader.probes import lesson08  # with torchvision: only when a batch's lessons build ResNets
    lesson08.make_spare_resnet18s(3)   # torchvision imported, and the ResNet-18s a lesson 8 job asks for
    model = copy.deepcopy(lesson08.pristine_resnet18())    # a forward pass changes BatchNorm's statistics
    model.fc = torch.nn.Linear(model.fc.in_features, 2)
    lesson08.forward_without_onednn(model, torch.zeros(2, 3, 32, 32)).sum().backward()


# What a lesson's submissions use (Lesson.warm_up), and how the zygote pays its first use once.
MNIST = "mnist"   # what a submission may read of MNIST, preloaded: prepared like a warm-up
WARM_UPS = {"training": _warm_training, "plotting": _warm_plotting, "torchvision": _warm_torchvision,
            "vector_backward": _warm_vector_backward, "resnet": _warm_resnet}


def _warm_base() -> None:
    """Pay once, here, the first-use costs every child would otherwise pay again.

    Lazy imports and one-time initialisation cost a fresh process up to a second; a forked child
    inherits them warm. Hence the imports in here: importing, before the fork, is the point. Here
    what every lesson uses; what only some do, `_warm` when a job first needs it (a child that
    uses something unwarmed imports it itself, from the interpreter's own packages). What lives
    in grader/ is always imported: a confined child cannot read it.
    """
    # imported here, before the fork, so that every child starts with them loaded
    import numpy.random  # noqa: F401 (numpy 2 imports it on first use: ~7 ms, in every child that seeds)
    import torch

    from grader import probes
    from grader.judge import child  # noqa: F401 (what every child runs first)
    probes.load_all()
    x = torch.randn(8, 4, dtype=torch.float64, requires_grad=True)
    (x.sin() * 2).sum().backward()
    # A confined child cannot read grader/ to import the notebooks' kernel runner: import it here,
    # with nbclient, ipykernel and IPython (imports only: no kernel, thread or zmq context before
    # the fork). Its kernels serve no debugger: with debugpy marked missing, creating one does not
    # import it (0.1 s a job, and a warning on stderr).
    sys.modules.setdefault("debugpy", None)
    try:
        importlib.import_module("grader.notebooks.kernel")
    except ImportError:  # no nbclient or ipykernel: notebooks run cell by cell as plain Python
        pass


def _warm(names, data_root: str | None) -> None:
    """The warm-ups a job's lesson asked for (`Zygote.prepare`)."""
    unknown = set(names) - set(WARM_UPS) - {MNIST}
    if unknown or (MNIST in names and not data_root):
        raise ValueError(f"cannot warm {sorted(unknown) or 'MNIST without its folder'}")
    for name in names:
        if name == MNIST:
            from grader import data  # only for lessons that train on MNIST (see Zygote's docstring)
            data.preload(data_root)   # uint8, as on disk: each child converts only the images it serves
        else:
            WARM_UPS[name]()


def _child(job: dict, rpc_fd: int) -> None:
    """In the forked child: confine, then answer requests until the judge hangs up."""
    rpc = socket.socket(fileno=rpc_fd)
    status = 0
    try:
        workdir = Path(job["workdir"])
        os.chdir(workdir)
        allowed = child_environment(workdir)
        os.environ.clear()
        os.environ.update(allowed)
        tempfile.tempdir = None
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(workdir / "output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        sys.path[:] = [str(workdir)] + [p for p in sys.path if p and Path(p).resolve() != Path(job["project_root"])]
        from grader.judge.child import serve  # not at the top: it loads torch before malloc is set
        active = _confine(job, rpc_fd) + (["cgroup"] if job.get("cgroup") else [])
        serve(rpc, Path(job["source"]), protections=active)
    except BaseException:  # never fall back into the zygote's loop
        status = 70
    finally:
        os._exit(status)


def _limits(job: dict) -> Limits:
    limits = job["limits"]
    return Limits(wall_s=limits["wall_s"], cpu_s=limits["cpu_s"], memory_bytes=limits["memory_bytes"],
                          file_size_bytes=limits["file_size_bytes"], max_pids=limits["max_pids"])


def _confine(job: dict, rpc_fd: int) -> list[str]:
    """Apply the OS protections to this child; returns the names of those now active."""
    # The interpreter and its packages, the data: not the project (solutions/, the checks).
    readable = [Path(sys.prefix), Path(sys.base_prefix), *map(Path, job["readable"])]
    return confine(Path(job["workdir"]), _limits(job), readable=readable,
                           writable=[Path(p) for p in job["writable"]], keep_fds={rpc_fd})


class _Children:
    """The zygote's bookkeeping: one spare child forked ahead of need, cgroups, reaping."""

    def __init__(self, control: socket.socket):
        self.control = control
        self.use_cgroups = cgroups_writable()
        self.cgroups: dict[int, object] = {}
        self.dying: set[int] = set()
        self.spare: tuple[int, socket.socket, object] | None = None

    def fork_spare(self) -> None:
        """Fork the next child now, and put it in its cgroup, so a job waits for neither (the
        fork takes tens of ms for torch; moving a process that large into a memory cgroup, ~10 ms).
        The cgroup gets its job's limits when the job comes."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Everything the zygote holds moves out of the collector's reach: a child's collections
        # then walk only its own objects, not torch's hundreds of thousands, and leave the pages
        # it shares with the zygote unwritten (no gain measurable on a fast lesson's job here: a
        # child rarely lives long enough for a full collection, but a long one no longer pays it).
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            ours.close()
            self.control.close()
            try:
                die_with_parent()
                message, fds, _, _ = socket.recv_fds(theirs, CONTROL_BYTES, 1)
                theirs.close()
                if not message or not fds:
                    os._exit(0)
            except BaseException:
                os._exit(0)
            _child(json.loads(message), fds[0])
        theirs.close()
        cgroup = None
        if self.use_cgroups:
            cgroup = Cgroup.create(f"grader-{os.getpid()}-{pid}", Limits())
            if cgroup is not None:
                cgroup.add(pid)
                self.cgroups[pid] = cgroup
        self.spare = (pid, ours, cgroup)

    def replace_spare(self) -> None:
        if self.spare is not None:
            pid, channel, _ = self.spare
            self.spare = None
            channel.close()
            self.forget(pid)
        self.fork_spare()

    def spawn(self, job: dict, rpc_fd: int) -> int:
        if self.spare is None:
            self.fork_spare()
        pid, channel, cgroup = self.spare
        self.spare = None
        try:
            if cgroup is not None:
                cgroup.set_limits(_limits(job))
                job = dict(job, cgroup=True)
            socket.send_fds(channel, [json.dumps(job).encode()], [rpc_fd])
        except OSError:
            self.forget(pid)
            raise
        finally:
            channel.close()
        return pid

    def reap(self, pid: int, timeout: float) -> dict:
        status = _wait(pid, timeout)
        self.dying.discard(pid)
        cgroup = self.cgroups.pop(pid, None)
        if cgroup is not None:
            status.update(oom=cgroup.oom_killed(), pids_exceeded=cgroup.pids_exceeded(),
                          memory_peak=cgroup.memory_peak())
            cgroup.kill_all()
            cgroup.remove()
        return status

    def forget(self, pid: int) -> None:
        """A finished job: kill what is left of it and reap it later, off the judge's clock."""
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.dying.add(pid)

    def reap_finished(self) -> None:
        for pid in list(self.dying):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.reap(pid, 0.0)

    def close(self) -> None:
        if self.spare is not None:
            os.kill(self.spare[0], signal.SIGKILL)
            self.dying.add(self.spare[0])
        for pid in list(self.dying):
            self.reap(pid, 1.0)


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    threads = int(argv[1])
    malloc.keep_freed_memory()
    import torch  # after the malloc settings, so that torch's own allocations follow them
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    fresh = torch.random.get_rng_state()

    def warmed(names=(), data_root=None) -> None:
        _warm(names, data_root)
        # Every child starts from a fresh interpreter's random state, whatever the zygote had warmed
        # (each warm-up draws numbers: a model left unseeded by a student would differ by batch).
        torch.random.set_rng_state(fresh)
        malloc.release_free_memory()

    _warm_base()
    warmed()
    children = _Children(control)
    children.fork_spare()
    control.send(json.dumps({"ready": True}).encode())
    try:
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
                    pid = children.spawn(request, fds[0])
                except OSError as exc:
                    control.send(json.dumps({"error": str(exc)}).encode())
                    continue
                finally:
                    os.close(fds[0])
                control.send(json.dumps({"pid": pid}).encode())
                children.fork_spare()
            elif request["cmd"] == "warm":
                names = request["names"]
                try:
                    warmed(names, request.get("data_root"))
                except Exception as exc:  # noqa: BLE001 - said to the judge, which stops the batch's worker
                    control.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}).encode())
                    continue
                children.replace_spare()   # forked before the warm-up: it lacks it
                control.send(json.dumps({"warmed": names}).encode())
            elif request["cmd"] == "wait":
                control.send(json.dumps(children.reap(int(request["pid"]), float(request["timeout"]))).encode())
            elif request["cmd"] == "forget":
                children.forget(int(request["pid"]))
            children.reap_finished()
    finally:
        children.close()
        if Path(os.environ.get("HOME", "/")).name.startswith(HOME_PREFIX):   # the home Zygote() made for it
            shutil.rmtree(os.environ["HOME"], ignore_errors=True)


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
        time.sleep(0.002)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (BrokenPipeError, ConnectionResetError):  # the judge went away first: nothing to report to
        pass
