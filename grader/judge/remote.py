"""A handle whose submission side is a confined child of the zygote.

The judge keeps its own clock: each request has a wall-time budget, and the whole lesson has
one too. It also watches the child's printed output (stdout and stderr go to one file that the
judge created and keeps open, so renaming or deleting it hides nothing). A child that hangs,
dies, prints too much, floods the socket or sends a reply over its size budget (refused
before it is read) is killed and every later request gets `NoAnswer` naming the limit, so
"no answer" can only ever cost points.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from grader import codec
from grader.handle import Handle, NoAnswer
from grader.i18n import N_, tr, tr_marked
from grader.judge import protocol
from grader.judge.sandbox.limits import MEMORY_ERROR_EXIT_CODE
from grader.judge.zygote import Zygote

LIMIT_MESSAGES = {
    "call time": N_("your code took longer than {call_s:g} s to answer one call (an endless loop?)"),
    "lesson time": N_("the lesson used up its {lesson_s:g} s time limit"),
    "memory": N_("your code used more memory than the {memory_mb} MB limit"),
    "cpu time": N_("your code used more than {cpu_s:g} s of CPU time"),
    "file size": N_("your code wrote more than {file_mb} MB to a file or to its printed output"),
    "output": N_("your code printed more than {output_mb:g} MB"),
    "processes": N_("your code started too many processes or threads"),
    "exited": N_("your code ended its own process (exit code {code})"),
    "crashed": N_("the process running your code crashed (signal {signal})"),
    "protocol": N_("the process running your code sent something unreadable and was stopped"),
    "reply size": N_("your code returned more than {reply_mb:g} MB"),
}


MAX_RESPAWNS = 20
OUTPUT_POLL_S = 0.2     # how often the judge looks at the output's size while it waits
OUTPUT_LOG = "output.log"


def _open_regular_file(path: Path) -> int:
    """Open (creating) a plain file for reading; whatever else an earlier child left there
    under that name (a link, a FIFO) is removed first rather than followed."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o600)
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
        os.close(fd)
    except OSError:
        pass
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        os.unlink(path)
    return os.open(path, flags | os.O_EXCL, 0o600)


@dataclass(frozen=True)
class Budget:
    call_s: float = 60.0
    lesson_s: float = 300.0
    cpu_s: float = 600.0
    memory_mb: int = 4096
    file_mb: int = 64
    output_mb: float = 1.0
    max_pids: int = 64
    reply_mb: float = 64.0      # one reply (all its tensors and arrays together), read only when under it

    @property
    def reply_bytes(self) -> int:
        return int(self.reply_mb * 2**20)


class ProcessHandle(Handle):
    def __init__(self, zygote: Zygote, source: Path, workdir: Path, budget: Budget, *,
                 project_root: Path, data_dirs: list[Path], filename: str):
        self.zygote, self.budget, self.filename = zygote, budget, filename
        self.failure: NoAnswer | None = None
        self.max_reply_bytes = budget.reply_bytes
        zygote.wait_ready()     # the judge's own warm-up is not the lesson's time
        self.limits_hit: list[tuple[str, str]] = []    # (limit, message) for each child stopped
        self.started = time.monotonic()
        self.respawns = 0
        self.job = {
            "source": str(source), "workdir": str(workdir), "project_root": str(project_root),
            "readable": [str(d) for d in data_dirs], "writable": [str(workdir)],
            "limits": {"cpu_s": budget.cpu_s, "memory_bytes": budget.memory_mb * 2**20,
                       "file_size_bytes": budget.file_mb * 2**20, "max_pids": budget.max_pids,
                       "wall_s": budget.lesson_s},
        }
        self.hello = None
        self.output: int | None = None
        self.holding = False    # the child may keep objects for the judge (a Ref or an error came back)
        self.pending: list[list] = []   # release_all and seed, sent ahead of the next request (`_exchange`)
        try:
            self._spawn()
        except BaseException:
            self._close_output()
            raise

    def _spawn(self) -> None:
        judge_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = judge_end
        # Opened (created if an earlier child moved it away) before the child starts, which
        # opens the same path for its stdout: the judge then watches that very file.
        self._close_output()
        self.output = _open_regular_file(Path(self.job["workdir"]) / OUTPUT_LOG)
        self.output_before = self._output_size()
        try:
            self.pid = self.zygote.spawn(self.job, child_end)
        finally:
            child_end.close()
        self.holding = False
        self.pending = []
        self.hello = self._receive()[0]

    def begin_check(self) -> None:
        """A check starts: the objects kept for the last one are let go (with the check's first
        request: no round trip of its own); after a crash or a timeout (then or now), the check
        gets a fresh process. A child that died since its last answer has hung up its socket:
        that is seen here, without a round trip, and the check starts on a fresh process."""
        if self.failure is None and self._hung_up():
            try:
                self._request("release_all")    # fails (the child is gone) and says why
            except NoAnswer:
                pass
        if self.failure is None and self.holding:
            self.pending.append(["release_all"])
            self.holding = False
        if self.failure is not None and self.respawns < MAX_RESPAWNS and self._lesson_left() > 0:
            self.respawns += 1
            self.sock.close()
            self.failure = None
            self._spawn()

    def seed(self, seed: int) -> None:
        """Seeded with the next request: in the same order, one round trip fewer."""
        if self.failure is None:    # else the check's next request fails; the next check respawns
            self.pending.append(["seed", int(seed)])

    def _hung_up(self) -> bool:
        """Whether the child's end is closed or has sent something unasked (it never does, alive)."""
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(0))

    @property
    def protections(self) -> list[str]:
        return list(self.hello.get("protections", [])) if self.hello else []

    def _call_timeout(self) -> float:
        """What one exchange may take: the per-call budget, or what is left of the lesson's."""
        timeout = min(self.budget.call_s, self._lesson_left())
        if timeout <= 0:
            self._fail("lesson time")
        return timeout

    def _receive(self) -> tuple[dict, list[bytes]]:
        deadline = time.monotonic() + self._call_timeout()
        try:
            poller = select.poll()      # not select.select: a long-lived judge may hold fds past 1024
            poller.register(self.sock, select.POLLIN)
            while not poller.poll(1000 * max(0.0, min(OUTPUT_POLL_S, deadline - time.monotonic()))):
                self._check_output()
                if time.monotonic() >= deadline:
                    raise TimeoutError
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            # JSON costs its reader up to ~25 times its size in Python objects: 1/16 of the budget
            header_budget = min(protocol.MAX_HEADER_BYTES, self.budget.reply_bytes // 16)
            message = protocol.receive(self.sock, max_header=header_budget, max_buffers=self.budget.reply_bytes)
        except protocol.TooLarge:
            self._fail("reply size")
        except TimeoutError:
            self._fail("lesson time" if self._lesson_left() <= 0 else "call time")
        except (protocol.ProtocolError, OSError) as exc:
            self._fail(None, exc)
        self._check_output()
        return message

    def _decode(self, tree, buffers):
        """A reply that declares more than the budget, or lies about its sizes, ends the child."""
        try:
            return super()._decode(tree, buffers)
        except codec.TooLarge:
            self._fail("reply size")
        except codec.CodecError as exc:
            self._fail("protocol", exc)

    def _output_size(self) -> int:
        return os.fstat(self.output).st_size

    def _close_output(self) -> None:
        if self.output is not None:
            os.close(self.output)
            self.output = None

    def _check_output(self) -> None:
        if self._output_size() - self.output_before > self.budget.output_mb * 2**20:
            self._fail("output")

    def _lesson_left(self) -> float:
        return self.budget.lesson_s - (time.monotonic() - self.started)

    def _exchange(self, request, buffers):
        if self.failure:
            raise self.failure
        if self.pending:
            request, self.pending = dict(request, before=self.pending), []
        try:
            self.sock.settimeout(self._call_timeout())
            protocol.send(self.sock, request, buffers)
        except TimeoutError:
            self._fail("call time")
        except OSError as exc:
            self._fail(None, exc)
        reply, buffers = self._receive()
        if "error" in reply or codec.names_ref(reply.get("value")):
            self.holding = True
        return reply, buffers

    def _fail(self, limit: str | None, exc: Exception | None = None):
        if limit is not None:
            self._kill()
        status = self.zygote.reap(self.pid, timeout=2.0)
        self._kill()  # whatever is left of its process group
        if limit is None:
            limit = self._limit_from_status(status, exc)
        values = dict(vars(self.budget), code=status.get("code"), signal=status.get("signal"))
        self.failure = NoAnswer(tr("No answer: {reason}.", reason=tr_marked(LIMIT_MESSAGES[limit], **values)), limit)
        self.limits_hit.append((limit, self.failure.message))
        raise self.failure

    def _limit_from_status(self, status: dict, exc: Exception | None) -> str:
        if status.get("oom") or status.get("code") == MEMORY_ERROR_EXIT_CODE:
            return "memory"
        if status.get("pids_exceeded"):
            return "processes"
        sig = status.get("signal")
        if sig == signal.SIGXCPU:
            return "cpu time"
        if sig == signal.SIGXFSZ:
            return "file size"
        if sig == signal.SIGKILL and status.get("code") is None:
            return "memory"
        if sig is not None:
            return "crashed"
        if status.get("code") is not None:
            return "exited"
        return "protocol" if isinstance(exc, protocol.ProtocolError) else "crashed"

    def _kill(self) -> None:
        for kill in (os.killpg, os.kill):
            try:
                kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def close(self) -> None:
        self.sock.close()
        self._close_output()
        if self.failure is None:
            self.zygote.forget(self.pid)
