"""OS-level confinement of a forked child that runs untrusted student code.

The child calls `confine` right after the fork, before any student code runs; the parent puts
the child in a `Cgroup` (when cgroups are writable) and enforces the wall clock with `watch`,
which also says which limit ended the run. Every protection is best effort: `confine` returns
the names of those actually active, and `probe_protections` reports them for a run header.

Where each part lives: `limits.py` (Limits, LimitHit), `confinement.py` (the child's
`confine`: rlimits, Landlock, capabilities, seccomp, closing descriptors), `cgroups.py`
(`Cgroup`, `cgroups_writable`, `own_pids_limit`), `watcher.py` (the parent's `watch`, `Outcome`).
This package re-exports them and holds `probe_protections`.

Protection names: new-session, pdeathsig, rlimits, memory, processes, no_new_privs,
landlock-fs, landlock-net, landlock-scope, caps-dropped, seccomp, fds-closed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from grader.judge.sandbox.cgroups import Cgroup, cgroups_writable, own_pids_limit
from grader.judge.sandbox.confinement import confine, landlock_abi, runtime_readable_paths
from grader.judge.sandbox.limits import MEMORY_ERROR_EXIT_CODE, GiB, LimitHit, Limits, MiB
from grader.judge.sandbox.watcher import Outcome, watch


def probe_protections(limits: Limits | None = None) -> list[str]:
    """Fork a throwaway child that confines itself and reports what is active here, plus
    "cgroup-memory"/"cgroup-pids" when the parent can create cgroups. For a run header."""
    limits = limits or Limits()
    cgroup = Cgroup.create(f"probe-{os.getpid()}", limits) if cgroups_writable() else None
    read_end, write_end = os.pipe()
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as workdir:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read_end)
                if cgroup is not None:
                    cgroup.add(os.getpid())
                active = confine(Path(workdir), limits, readable=[], writable=[])
                os.write(write_end, json.dumps(active).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        active = json.loads(b"".join(chunks) or b"[]")
    except ValueError:
        active = []
    if cgroup is not None:
        active += [f"cgroup-{kind}" for kind, folder in (("memory", cgroup.memory_dir), ("pids", cgroup.pids_dir))
                   if folder is not None]
        cgroup.remove()
    return active



__all__ = ["Limits", "LimitHit", "Outcome", "Cgroup", "confine", "watch", "probe_protections",
           "runtime_readable_paths", "landlock_abi", "own_pids_limit", "cgroups_writable",
           "MEMORY_ERROR_EXIT_CODE", "MiB", "GiB"]
