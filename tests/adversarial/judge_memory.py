"""Peak resident memory of the judge's own processes (this one and its judge workers), from /proc."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _status(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return values


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return found


def _is_judge_worker(pid: int) -> bool:
    """A forked judge worker runs this same program; a zygote is `python -m grader.judge.zygote`."""
    try:
        return b"grader.judge.zygote" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _reset_peak(pid: int) -> int:
    """Start the kernel's high-water mark (VmHWM) afresh from the current RSS, which is returned.
    (A forked process inherits its parent's mark, so without this it says nothing of its own.)"""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass
    return _status(pid).get("VmRSS", 0)


class JudgePeak:
    """While in use, the kernel's peak RSS of this process and of each judge worker it forks.

    `peak`: the largest of them; `growth`: the most any one of them grew above its RSS when
    first seen (this process at entry, a worker as soon as it appears, sampled every 10 ms).
    """

    def __init__(self, interval_s: float = 0.01):
        self.interval_s = interval_s
        self.baselines: dict[int, int] = {}
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()

    def _sample(self) -> None:
        me = os.getpid()
        for pid in [me] + [p for p in _children(me) if _is_judge_worker(p)]:
            if pid not in self.baselines:
                self.baselines[pid] = _reset_peak(pid)
            status = _status(pid)
            self.peaks[pid] = max(self.peaks.get(pid, 0), status.get("VmHWM", 0), status.get("VmRSS", 0))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> JudgePeak:
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak(self) -> int:
        return max(self.peaks.values())

    @property
    def growth(self) -> int:
        return max(self.peaks[pid] - self.baselines[pid] for pid in self.peaks)

    @property
    def workers(self) -> int:
        return len(self.peaks) - 1
