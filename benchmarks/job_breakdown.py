"""Where a job's time goes, per lesson, and what the batch-wide reference cache and unshrunk
failures save — before and after measured in the same process, one after the other.

    .venv/bin/python benchmarks/job_breakdown.py                       # lessons 1-4, 7, 8
    .venv/bin/python benchmarks/job_breakdown.py --lessons 1,3 --out benchmarks/results-breakdown.md

The submissions of a lesson are the reference, the stub and every catalogued variant
(tests/catalogue/lessonNN): right, wrong and untouched work.

1. In-process (`grade_lesson` on `LocalHandle`s, as the student's pytest runs), three ways, in
   turn for each submission (each way first for a third of them):
   before (hypothesis shrinks failures, live reference), unshrunk (live reference), after
   (unshrunk, the judge's `CachedReference`, warmed by the submissions graded before it).
2. In the judge (`jobs.grade_job`, one job per submission in this process, after one warm-up
   job), with a live reference, then with the cache; the cached run's time split into: the
   child's start (fork of the warm zygote, confinement, the student's module imported), the
   exchanges with the child (hand-off, the child's encoding and the student's code), the judge's
   encoding and decoding, the reference, and the rest (the checks themselves: hypothesis,
   comparisons, messages).

Timings depend on the machine and its load: the table header says both.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import torch
from hypothesis import Phase, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from catalogue import variants  # noqa: E402

from grader import codec, strategies  # noqa: E402
from grader.checks import load_lesson  # noqa: E402
from grader.classroom.recorded import bind_lesson  # noqa: E402
from grader.handle import LocalHandle  # noqa: E402
from grader.judge import jobs  # noqa: E402
from grader.judge.reference_cache import cached_reference  # noqa: E402
from grader.runner import DEFAULT_SEED, grade_lesson  # noqa: E402

SHRINKING = settings(strategies.GRADING, phases=tuple(Phase))
UNSHRUNK = strategies.GRADING


def submissions(lesson_id: str, folder: Path) -> list[tuple[str, Path]]:
    lesson = load_lesson(lesson_id)
    solution = ROOT / "solutions" / lesson_id / lesson.filename
    out = [("reference", solution), ("stub", ROOT / "exercises" / lesson_id / lesson.filename)]
    return out + [(v.name, v.build(solution, folder / v.name)) for v in variants(lesson_id)]


class Clock:
    """Seconds per part, by wrapping callables; a part's time excludes the parts called inside it
    (the reference's own encoding counts as encoding)."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrap(self, part: str, fn):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            self._inner.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.seconds[part] += elapsed - self._inner.pop()
                if self._inner:
                    self._inner[-1] += elapsed
        return timed


def in_process(lesson_id: str, built: list[tuple[str, Path]]) -> dict[str, list[float]]:
    """Seconds per submission: before, unshrunk, after (see the module's docstring)."""
    lesson = load_lesson(lesson_id)
    solution = ROOT / "solutions" / lesson_id / lesson.filename
    live = LocalHandle(solution)
    cached = cached_reference(LocalHandle(solution), lesson=lesson_id, checks=jobs.checks_fingerprint(),
                              seed=DEFAULT_SEED, device="cpu", solutions=ROOT / "solutions")
    bound = bind_lesson(lesson)
    times = defaultdict(list)
    ways = [("before", SHRINKING, live, lesson), ("unshrunk", UNSHRUNK, live, lesson),
            ("after", UNSHRUNK, cached, bound)]
    for index, (_, path) in enumerate(built):
        for label, grading, reference, graded in ways[index % 3:] + ways[:index % 3]:   # none always first
            strategies.GRADING = grading
            started = time.perf_counter()
            grade_lesson(graded, LocalHandle(path), reference, devices=("cpu",), seed=DEFAULT_SEED)
            times[label].append(time.perf_counter() - started)
    strategies.GRADING = UNSHRUNK
    return times


def in_judge(lesson_id: str, built: list[tuple[str, Path]], out: Path,
             cache: bool = True) -> tuple[dict[str, float], float]:
    """Mean seconds per job by part, and the mean job time, for jobs graded in this process
    (`cache=False`: the worker's reference is a plain live handle, as before the cache)."""
    options = jobs.GradeOptions(out=out, lessons=(lesson_id,), device="cpu", progress=False, seed=DEFAULT_SEED)
    jobs.worker.start(options)
    clock = Clock()
    if not cache:
        lesson = load_lesson(lesson_id)
        jobs.worker.references[lesson_id] = LocalHandle(ROOT / "solutions" / lesson_id / lesson.filename)
    reference = jobs.worker.reference(lesson_id)
    reference._exchange = clock.wrap("reference", reference._exchange)
    original = jobs.ProcessHandle

    class TimedHandle(original):
        def __init__(self, *args, **kwargs):
            clock.wrap("child start", super().__init__)(*args, **kwargs)

        def _exchange(self, request, buffers):
            return clock.wrap("exchanges with the child", super()._exchange)(request, buffers)

    encode, decode = codec.encode, codec.decode
    jobs.ProcessHandle, codec.encode, codec.decode = TimedHandle, clock.wrap("encoding", encode), \
        clock.wrap("encoding", decode)
    try:
        job = jobs.Job("warm-up", lesson_id, built[0][1])
        jobs.grade_job(job)
        clock.seconds.clear()
        total = 0.0
        for name, path in built:
            started = time.perf_counter()
            jobs.grade_job(jobs.Job(name, lesson_id, path))
            total += time.perf_counter() - started
    finally:
        jobs.ProcessHandle, codec.encode, codec.decode = original, encode, decode
        zygote = jobs.worker.release()
        if zygote is not None:
            zygote.close()
    parts = {part: seconds / len(built) for part, seconds in clock.seconds.items()}
    parts["the checks (the rest)"] = total / len(built) - sum(parts.values())
    return parts, total / len(built)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", default="1,2,3,4,7,8")
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    lessons = [f"lesson{int(p.strip().removeprefix('lesson')):02d}" for p in args.lessons.split(",")]
    command = "GRADER_THREADS=1 .venv/bin/python benchmarks/job_breakdown.py " + " ".join(sys.argv[1:])
    lines = ["# Where a job's time goes\n", f"`{command}`\n",
             f"{platform.node()} · {os.cpu_count()} cores · torch {torch.__version__} · CPU, one thread · "
             f"load average {os.getloadavg()[0]:.1f} at the start · {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n",
             "## In-process: before and after (ms per submission, mean over the lesson's catalogue)\n",
             "| lesson | submissions | before | unshrunk | after | before / after | failing work before / after |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    breakdown = []
    with tempfile.TemporaryDirectory() as folder:
        for lesson_id in lessons:
            built = submissions(lesson_id, Path(folder) / lesson_id)
            times = in_process(lesson_id, built)
            wrong = [i for i, (name, _) in enumerate(built) if name.startswith("mistake_")]
            mean = {k: statistics.mean(v) * 1000 for k, v in times.items()}
            wrong_before = statistics.mean(times["before"][i] for i in wrong) * 1000
            wrong_after = statistics.mean(times["after"][i] for i in wrong) * 1000
            lines.append(f"| {lesson_id} | {len(built)} | {mean['before']:.0f} | {mean['unshrunk']:.0f} | "
                         f"{mean['after']:.0f} | {mean['before'] / mean['after']:.2f}× | "
                         f"{wrong_before:.0f} / {wrong_after:.0f} |")
            print(lines[-1], flush=True)
            _, live_job = in_judge(lesson_id, built, Path(folder) / "out", cache=False)
            parts, job = in_judge(lesson_id, built, Path(folder) / "out")
            breakdown.append((lesson_id, parts, job, live_job))
            print(lesson_id, {k: round(v * 1000, 1) for k, v in parts.items()}, flush=True)
    names = ["child start", "exchanges with the child", "encoding", "reference", "the checks (the rest)"]
    lines += ["", "## In the judge: a job's time by part, with the cache (ms per job, mean over the lesson's "
              "catalogue; the first column: the same jobs just before, with a live reference)\n",
              "| lesson | job, live reference | job | " + " | ".join(names) + " |",
              "|---|---:|---:|" + "---:|" * len(names)]
    for lesson_id, parts, job, live_job in breakdown:
        lines.append(f"| {lesson_id} | {live_job * 1000:.0f} | {job * 1000:.0f} | "
                     + " | ".join(f"{parts.get(n, 0.0) * 1000:.0f}" for n in names) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
