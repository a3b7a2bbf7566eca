"""The limits a confined child runs under, and the names of those it can hit."""

from __future__ import annotations

import enum
from dataclasses import dataclass

MiB = 2**20
GiB = 2**30

# A child that catches MemoryError (the RLIMIT_DATA limit) should exit with this code, so that
# `watch` can report "memory" when no memory cgroup is there to say so.
MEMORY_ERROR_EXIT_CODE = 86


@dataclass(frozen=True)
class Limits:
    wall_s: float = 120.0
    cpu_s: float = 120.0
    memory_bytes: int = 4 * GiB
    file_size_bytes: int = 64 * MiB
    max_pids: int = 64               # processes and threads together
    output_bytes: int = 1 * MiB      # captured stdout + stderr


class LimitHit(enum.Enum):
    """Which limit ended a run; the value is the phrase the judge shows to the student."""
    WALL_TIME = "wall time"
    CPU_TIME = "cpu time"
    MEMORY = "memory"
    PIDS = "processes"
    FILE_SIZE = "file size"
    OUTPUT = "output"


