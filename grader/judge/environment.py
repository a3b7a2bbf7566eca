"""The environment of the processes that run student code: an allow-list, nothing else.

The judge's own environment may hold anything its instructor's shell or CI holds (tokens,
keys, paths, the machine's name). The zygote starts from `zygote_environment()`, and each
confined child resets its own to `child_environment(workdir)` before the student's code runs,
so neither `os.environ` nor `/proc/self/environ` can show a student more than these names.
"""

from __future__ import annotations

import os
from pathlib import Path

import grader

# Locale, the search path, the time zone, and what torch, CUDA, OpenMP, MKL and OpenBLAS read.
ALLOWED_NAMES = frozenset({
    "PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "GRADER_LANG", "LD_LIBRARY_PATH",
    "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
    "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
    "PYTORCH_CUDA_ALLOC_CONF", "PYTORCH_NVML_BASED_CUDA_CHECK", "PYTORCH_NO_CUDA_MEMORY_CACHING",
})
ALLOWED_PREFIXES = ("LC_", "OMP_", "KMP_", "GOMP_", "CUDA_")
FIXED = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTORCH_NVML_BASED_CUDA_CHECK": "1"}


def allowed(name: str) -> bool:
    return name in ALLOWED_NAMES or name.startswith(ALLOWED_PREFIXES)


def minimal(environ=None) -> dict[str, str]:
    """The allowed part of `environ` (default: this process's)."""
    environ = os.environ if environ is None else environ
    return {name: value for name, value in environ.items() if allowed(name)}


# The zygote's malloc asks for transparent huge pages (where the kernel grants them on request):
# forking a ~1 GB zygote then copies a page table entry per 2 MB rather than per 4 kB, and a
# child's exit unmaps as few. Fork and exit cost a job ~24 ms of kernel time without, ~10 with
# (a lesson-8 zygote, this project's 2-core machine). Other C libraries ignore the variable.
ZYGOTE_MALLOC = {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}


def zygote_environment(home: Path) -> dict[str, str]:
    """What the zygote starts with: the allowed names, the grader importable, a HOME of its own."""
    source_root = str(Path(grader.__file__).resolve().parent.parent)
    return {**minimal(), **FIXED, **ZYGOTE_MALLOC, "PYTHONPATH": source_root, "HOME": str(home),
            "MPLCONFIGDIR": str(home)}


def child_environment(workdir: Path, inherited=None) -> dict[str, str]:
    """What a confined child runs with: the allowed names, HOME and TMPDIR in its own folder."""
    return {**minimal(inherited), **FIXED, "HOME": str(workdir), "TMPDIR": str(workdir),
            "MPLCONFIGDIR": str(workdir)}
