"""A memory limit for each judge worker, well below the machine's.

A judge worker is trusted code, but it reads what students' processes send and runs the checks
on it; whatever goes wrong there must end that worker (whose job the supervisor grades again,
then records as a judge error), never wake the kernel's global OOM killer, which may pick any
process of the machine. Each worker joins a memory cgroup of its own where cgroups are writable
(as the sandbox's children do), else its private memory is bounded with RLIMIT_DATA (not
RLIMIT_AS: the CUDA build of torch reserves gigabytes of address space). The limit counts what
the worker allocates from the moment it is applied, after its zygote has started (the zygote
and the confined children have limits of their own).
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from grader.judge import sandbox
from grader.judge.sandbox.cgroups import _cgroup_mounts, _own_cgroups
from grader.judge.sandbox.confinement import _vm_data_bytes

MiB = 2**20
MIN_MB, MAX_MB = 1024, 8192
CGROUP_PREFIX = "judge-worker-"


def default_mb(workers: int) -> int:
    """Half of the machine's memory shared among the workers, between 1 and 8 GiB each."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MiB
    except (ValueError, OSError):
        return MIN_MB
    return max(MIN_MB, min(MAX_MB, total // (2 * max(1, workers))))


def limit_this_worker(memory_mb: int) -> str:
    """Bound this process's memory from now on; returns the means ("cgroup" or "rlimit"), or ""."""
    if sandbox.cgroups_writable():
        group = sandbox.Cgroup.create(CGROUP_PREFIX + str(os.getpid()),
                                      sandbox.Limits(memory_bytes=memory_mb * MiB, max_pids=4096))
        if group is not None:
            try:
                group.add(os.getpid())
                return "cgroup"
            except OSError:
                group.remove()
    try:
        data = _vm_data_bytes() + memory_mb * MiB
        resource.setrlimit(resource.RLIMIT_DATA, (data, resource.getrlimit(resource.RLIMIT_DATA)[1]))
        return "rlimit"
    except (OSError, ValueError):
        return ""


def remove_cgroup_of(pid: int) -> None:
    """After a worker ended: remove the cgroup it made for itself, if any (its parent's job)."""
    name = "grader-" + CGROUP_PREFIX + str(pid)
    mounts, own = _cgroup_mounts(), _own_cgroups()
    folders = [mounts[c] / own.get(c, "/").lstrip("/") / name for c in ("memory", "pids") if c in mounts]
    if "unified" in mounts:
        here = mounts["unified"] / own.get("unified", "/").lstrip("/")
        folders += [here / name, here.parent / name]
    for folder in folders:
        if Path(folder).is_dir():
            sandbox.Cgroup(1, folder, None).remove()
