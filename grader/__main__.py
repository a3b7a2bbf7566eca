"""`grader` and `python -m grader`: the batch's zygotes start first, then the command line loads.

`grader grade` and `grader demo` fork judge workers, each with a zygote: a fresh interpreter that
imports torch (~2 s). Importing the command line (torch, the checks) takes ~2.5 s more in this
process, on one core. Started here, before that, the zygotes use the other cores meanwhile, and
the workers adopt them (grader.judge.zygote.prestart): a batch's first result comes ~1.5 s sooner.
Only what decides how many to start is read here; grader.cli parses the command line.
"""

from __future__ import annotations

import argparse
import os
import sys


def zygotes_to_prestart(argv: list[str]) -> tuple[int, str | None]:
    """(how many zygotes a local batch's workers will want, the language asked for); (0, None)
    for any other command, or a command line the real parser will refuse anyway."""
    if not argv or argv[0] not in ("grade", "demo") or {"-h", "--help"} & set(argv):
        return 0, None
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    early.add_argument("--jobs", type=int, default=None)
    early.add_argument("--executor", default=None)
    early.add_argument("--scheduler", default=None)
    early.add_argument("--lang", default=None)
    try:
        known, _ = early.parse_known_args(argv[1:])
    except argparse.ArgumentError:
        return 0, None
    if known.executor == "dask" or known.scheduler or (known.jobs is not None and known.jobs < 1):
        return 0, None
    cores = os.cpu_count() or 1
    return min(known.jobs or cores, cores), known.lang


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    count, lang = zygotes_to_prestart(argv)
    if count:
        from grader.judge.zygote import discard_prestarted, prestart  # light: no torch
        prestart(count, lang=lang)
    try:
        from grader.cli import main as cli_main  # torch and the checks: after the zygotes started
        return cli_main(argv)
    finally:
        if count:
            discard_prestarted()


if __name__ == "__main__":
    sys.exit(main())
