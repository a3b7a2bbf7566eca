"""glibc malloc settings for grading processes.

By default glibc serves each allocation above a (dynamic) threshold with its own mmap and
returns it to the kernel when freed, so a lesson that builds a ResNet-18 (47 MB of parameters)
several times pays fresh page faults for every model. Raising the mmap and trim thresholds keeps
freed memory in the heap for the next allocation: lesson 8's checks run about 30 % faster, in the
judge's workers and in the forked children alike (benchmarks/results-all.md). Elsewhere than glibc
these calls do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 2**20
TRIM_THRESHOLD_BYTES = 512 * 2**20


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def keep_freed_memory() -> bool:
    """Serve large allocations from the heap and keep what is freed there. True where applied."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))


def release_free_memory() -> None:
    """Give the heap's free pages back (before forking: children would otherwise copy them on write)."""
    libc = _libc()
    if libc:
        libc.malloc_trim(0)
