"""Cgroups, created by the parent: a memory + pids cgroup per child, and what this process may do.

Where cgroups are not writable (an unprivileged container) `Cgroup.create` returns None and the
child is bounded by its rlimits and seccomp instead (see confinement.py).
"""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

from grader.judge.sandbox.limits import Limits


def _cgroup_mounts() -> dict[str, Path]:
    """Mount point per v1 controller ("memory", "pids"), and "unified" for cgroup v2."""
    mounts: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return mounts
    for line in lines:
        left, _, right = line.partition(" - ")
        fstype, _, options = (right.split() + ["", "", ""])[:3]
        mount_point = Path(left.split()[4].replace("\\040", " "))
        if fstype == "cgroup2":
            mounts.setdefault("unified", mount_point)
        elif fstype == "cgroup":
            for option in options.split(","):
                if option in ("memory", "pids"):
                    mounts.setdefault(option, mount_point)
    return mounts


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and "unified" for v2."""
    own: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return own
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            own["unified"] = path
        for controller in controllers.split(","):
            if controller in ("memory", "pids"):
                own[controller] = path
    return own


def own_pids_limit() -> int | None:
    """The pids.max of the cgroup this process is in, None when unbounded or unknown."""
    mounts, own = _cgroup_mounts(), _own_cgroups()
    for key in ("pids", "unified"):
        if key in mounts and key in own:
            try:
                value = (mounts[key] / own[key].lstrip("/") / "pids.max").read_text().strip()
            except OSError:
                continue
            if value.isdigit():
                return int(value)
    return None


def _read_counter(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


class Cgroup:
    """A memory + pids cgroup for one child, created by the parent (v1 or v2).

    `Cgroup.create` returns None, with a warning, where cgroups are not writable. The child
    should join it (`add(os.getpid())`) before `confine`, or the parent adds it before the
    child runs anything; `confine` then allows new processes since pids.max bounds them.
    """

    def __init__(self, version: int, memory_dir: Path | None, pids_dir: Path | None):
        self.version, self.memory_dir, self.pids_dir = version, memory_dir, pids_dir

    @property
    def dirs(self) -> list[Path]:
        return list(dict.fromkeys(d for d in (self.memory_dir, self.pids_dir) if d is not None))

    @classmethod
    def create(cls, name: str, limits: Limits) -> Cgroup | None:
        name = "grader-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        mounts, own = _cgroup_mounts(), _own_cgroups()
        try:
            if "memory" in mounts or "pids" in mounts:
                group = cls._create_v1(name, limits, mounts, own)
            elif "unified" in mounts:
                group = cls._create_v2(name, limits, mounts["unified"], own.get("unified", "/"))
            else:
                raise OSError("no cgroup hierarchy is mounted")
        except OSError as exc:
            warnings.warn(f"cgroups not available ({exc}); memory and process limits rely on rlimits and seccomp",
                          RuntimeWarning, stacklevel=2)
            return None
        return group

    @classmethod
    def _create_v1(cls, name, limits, mounts, own) -> Cgroup:
        made: dict[str, Path] = {}
        try:
            for controller in ("memory", "pids"):
                if controller not in mounts:
                    continue
                folder = mounts[controller] / own.get(controller, "/").lstrip("/") / name
                folder.mkdir()
                made[controller] = folder
            group = cls(1, made.get("memory"), made.get("pids"))
            group.set_limits(limits)
        except OSError:
            for folder in made.values():
                _rmdir_quietly(folder)
            raise
        return group

    @classmethod
    def _create_v2(cls, name, limits, mount: Path, own: str) -> Cgroup:
        # A v2 cgroup with processes cannot delegate controllers to children (unless it is the
        # root), so next to our own cgroup is tried when below it does not work.
        own_dir = mount / own.lstrip("/")
        last_error: OSError = OSError("no usable parent cgroup")
        for parent in [own_dir] if own_dir == mount else [own_dir, own_dir.parent]:
            folder = parent / name
            try:
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
                folder.mkdir()
            except OSError as exc:
                last_error = exc
                continue
            group = cls(2, folder, folder)
            try:
                group.set_limits(limits)
                for knob, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
                    try:
                        (folder / knob).write_text(value)
                    except OSError:
                        pass
            except OSError as exc:
                _rmdir_quietly(folder)
                last_error = exc
                continue
            return group
        raise last_error

    def set_limits(self, limits: Limits) -> None:
        """Memory (swap included, where the kernel accounts it) and the number of processes."""
        if self.memory_dir is not None:
            if self.version == 1:
                (self.memory_dir / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
                memsw = self.memory_dir / "memory.memsw.limit_in_bytes"
                if memsw.exists():   # no escaping the limit into swap
                    memsw.write_text(str(limits.memory_bytes))
            else:
                (self.memory_dir / "memory.max").write_text(str(limits.memory_bytes))
        if self.pids_dir is not None:
            (self.pids_dir / "pids.max").write_text(str(limits.max_pids))

    def add(self, pid: int) -> None:
        for folder in self.dirs:
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.dirs:
            try:
                found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def memory_peak(self) -> int | None:
        if self.memory_dir is None:
            return None
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.memory_dir / name).read_text())
        except (OSError, ValueError):
            return None

    def oom_killed(self) -> bool:
        if self.memory_dir is None:
            return False
        if self.version == 1:
            return _read_counter(self.memory_dir / "memory.oom_control", "oom_kill") > 0
        return _read_counter(self.memory_dir / "memory.events", "oom_kill") > 0

    def pids_exceeded(self) -> bool:
        """Whether a fork or thread creation was refused by pids.max."""
        if self.pids_dir is None:
            return False
        return _read_counter(self.pids_dir / "pids.events", "max") > 0

    def kill_all(self) -> None:
        if self.version == 2 and self.memory_dir is not None:
            try:
                (self.memory_dir / "cgroup.kill").write_text("1")
                return
            except OSError:
                pass
        deadline = time.monotonic() + 5.0   # killed processes cannot fork; a loaded machine reaps slowly
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.005)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs:
            for _ in range(50):   # exiting processes leave the cgroup a moment after SIGKILL
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)

    def __enter__(self) -> Cgroup:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _rmdir_quietly(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def cgroups_writable() -> bool:
    """Whether this process may create cgroups below its own (memory, pids or v2)."""
    mounts, own = _cgroup_mounts(), _own_cgroups()
    for key in ("memory", "pids", "unified"):
        if key in mounts and os.access(mounts[key] / own.get(key, "/").lstrip("/"), os.W_OK):
            return True
    return False
