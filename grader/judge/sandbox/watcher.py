"""The parent's side: watch a confined child's wall clock and output, kill it, say which limit ended it."""

from __future__ import annotations

import os
import select
import signal
import time
from dataclasses import dataclass

from grader.judge.sandbox.cgroups import Cgroup
from grader.judge.sandbox.limits import MEMORY_ERROR_EXIT_CODE, LimitHit, Limits

# When several limits were hit, the first of these names the cause (a fork bomb also runs out
# the clock, a memory hog may also be killed by it).
_CAUSE_ORDER = (LimitHit.MEMORY, LimitHit.PIDS, LimitHit.CPU_TIME, LimitHit.FILE_SIZE,
                LimitHit.OUTPUT, LimitHit.WALL_TIME)


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None            # None when ended by a signal
    signal: int | None
    limit: LimitHit | None           # the limit that ended the run; None when it ended by itself
    limits_hit: frozenset[LimitHit]  # every limit reached, even one the code survived
    wall_s: float
    cpu_s: float
    memory_peak: int | None          # bytes: the cgroup's peak, else the child's max RSS
    output: bytes                    # captured stdout + stderr, at most limits.output_bytes

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.limit is None


def _kill_group(pid: int, cgroup: Cgroup | None) -> None:
    for kill in (os.killpg, os.kill):   # the child leads its process group once confined
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if cgroup is not None:
        cgroup.kill_all()


def watch(pid: int, limits: Limits, cgroup: Cgroup | None = None, *, output_fd: int | None = None,
          started: float | None = None) -> Outcome:
    """Wait for child `pid` (ours, forked at `started`, a time.monotonic()) while reading its
    stdout/stderr from `output_fd`; SIGKILL its process group and cgroup when the wall clock
    or the output budget runs out. Reaps the child and closes `output_fd`."""
    started = time.monotonic() if started is None else started
    deadline = started + limits.wall_s
    output = bytearray()
    killed_for: LimitHit | None = None
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    poller = select.poll()
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    if output_fd is not None:
        poller.register(output_fd, select.POLLIN)
    reading = output_fd is not None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                killed_for = LimitHit.WALL_TIME
                break
            # Without a pidfd, poll in short steps and look at the child with waitid.
            step = left if pidfd is not None else min(left, 0.02)
            events = poller.poll(max(1, int(step * 1000)))
            if pidfd is None and _has_exited(pid):
                break
            if any(fd == pidfd for fd, _ in events):
                break
            if reading and any(fd == output_fd for fd, _ in events):
                chunk = os.read(output_fd, 65536)
                if not chunk:
                    poller.unregister(output_fd)
                    reading = False
                    continue
                output += chunk
                if len(output) > limits.output_bytes:
                    killed_for = LimitHit.OUTPUT
                    break
        _kill_group(pid, cgroup)
        if reading:
            _drain(output_fd, output, limits.output_bytes)
    finally:
        if pidfd is not None:
            os.close(pidfd)
        if output_fd is not None:
            os.close(output_fd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - started
    return _outcome(status, usage, limits, cgroup, killed_for, wall, bytes(output[:limits.output_bytes]))


def _has_exited(pid: int) -> bool:
    result = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return result is not None


def _drain(fd: int, output: bytearray, limit: int) -> None:
    """What the (now killed) writers left in the pipe; never blocks on a writer that escaped."""
    poller = select.poll()      # not select.select: fds past 1024 are fine here
    poller.register(fd, select.POLLIN)
    while len(output) <= limit:
        if not poller.poll(100):
            return
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        output += chunk


def _outcome(status: int, usage, limits: Limits, cgroup: Cgroup | None, killed_for: LimitHit | None,
             wall: float, output: bytes) -> Outcome:
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    cpu = usage.ru_utime + usage.ru_stime
    hit: set[LimitHit] = {killed_for} if killed_for else set()
    if (cgroup is not None and cgroup.oom_killed()) or exit_code == MEMORY_ERROR_EXIT_CODE:
        hit.add(LimitHit.MEMORY)
    if cgroup is not None and cgroup.pids_exceeded():
        hit.add(LimitHit.PIDS)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and killed_for is None and cpu >= limits.cpu_s):
        hit.add(LimitHit.CPU_TIME)
    if sig == signal.SIGXFSZ:
        hit.add(LimitHit.FILE_SIZE)
    ended_by_limit = exit_code != 0 or killed_for is not None
    cause = next((h for h in _CAUSE_ORDER if h in hit), None) if ended_by_limit else None
    peak = cgroup.memory_peak() if cgroup is not None else None
    if peak is None:
        peak = usage.ru_maxrss * 1024
    return Outcome(exit_code, sig, cause, frozenset(hit), wall, cpu, peak, output)

