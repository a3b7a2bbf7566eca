"""Benchmarks, written as a Markdown table to benchmarks/results.md (and printed).

    .venv/bin/python benchmarks/run.py student            # pytest exercises/lessonNN, correct code
    .venv/bin/python benchmarks/run.py judge [-n 100]     # batch judge vs pytest per submission
    .venv/bin/python benchmarks/run.py all

Timing goals live here, never in the tests. Numbers depend on the machine and its load: each
table says where and when it was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
FAST_LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson07", "lesson08")
ALL_LESSONS = FAST_LESSONS[:4] + ("lesson05", "lesson06") + FAST_LESSONS[4:]
STUDENT_BUDGET_S = {lesson: 45.0 if lesson in ("lesson05", "lesson06") else 15.0 for lesson in ALL_LESSONS}


def machine() -> str:
    load = os.getloadavg()[0]
    return (f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
            f"load {load:.1f} · {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")


def solution_tree(lesson: str, folder: Path) -> Path:
    """A copy of exercises/<lesson> with the reference solution filled in."""
    from grader.checks import load_lesson
    target = folder / lesson
    shutil.copytree(ROOT / "exercises" / lesson, target)
    module = load_lesson(lesson).filename
    shutil.copy(ROOT / "solutions" / lesson / module, target / module)
    return target


def time_pytest(folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider",
                           f"--solutions={ROOT / 'solutions'}"], capture_output=True, text=True, cwd=folder.parent)
    return time.perf_counter() - started, done.returncode


def student(repeats: int) -> str:
    rows = ["| lesson | median wall time (s) | runs | budget (s) | exit |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for lesson in ALL_LESSONS:
            folder = solution_tree(lesson, Path(tmp))
            times, codes = [], set()
            for _ in range(repeats):
                seconds, code = time_pytest(folder)
                times.append(seconds)
                codes.add(code)
            rows.append(f"| {lesson} | {statistics.median(times):.1f} | {repeats} | "
                        f"{STUDENT_BUDGET_S[lesson]:.0f} | {','.join(map(str, sorted(codes)))} |")
            print(rows[-1], flush=True)
    return "\n".join(["### Student feedback: `pytest exercises/lessonNN` with correct code", "",
                      f"_{machine()}_", "", *rows])


def judge(count: int, pytest_sample: int) -> str:
    """`count` correct submissions × the fast lessons through the judge, vs pytest per (submission, lesson)."""
    from grader.demo import build_class
    from grader.judge import intake
    from grader.judge.batch import GradeOptions, grade_batch

    lines = ["### Batch: the judge vs one `pytest` per submission and lesson", "", f"_{machine()}_", ""]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        klass = build_class(tmp / "class", {f"student{i:03d}": {l: "solution" for l in FAST_LESSONS}
                                             for i in range(count)})
        started = time.perf_counter()
        report = grade_batch(intake.find_submissions([klass]),
                             GradeOptions(out=tmp / "out", lessons=FAST_LESSONS, jobs=os.cpu_count() or 1,
                                          progress=False))
        judge_s = time.perf_counter() - started
        jobs = count * len(FAST_LESSONS)
        full = sum(r.score == r.max_score for r in report.graded)
        summary = json.loads((tmp / "out" / "summary.json").read_text())

        sample = {}
        for lesson in FAST_LESSONS:
            folder = solution_tree(lesson, tmp / "pytest")
            sample[lesson] = statistics.median(time_pytest(folder)[0] for _ in range(pytest_sample))
        pytest_per_submission = sum(sample.values())
        pytest_total = pytest_per_submission * count

        own_compute = _lesson_compute(FAST_LESSONS)
        overhead = (summary["timings"]["mean_job_s"] - statistics.mean(own_compute.values()))
    lines += [
        "| measure | value |", "|---|---|",
        f"| submissions × lessons | {count} × {len(FAST_LESSONS)} = {jobs} jobs |",
        f"| judge wall time (`--jobs {os.cpu_count()}`) | {judge_s:.1f} s ({judge_s / jobs * 1000:.0f} ms per job) |",
        f"| submissions with full marks | {full} / {count} |",
        f"| mean time per job inside a worker | {summary['timings']['mean_job_s'] * 1000:.0f} ms |",
        f"| the lessons' own check compute, in-process (mean per lesson) | "
        f"{statistics.mean(own_compute.values()) * 1000:.0f} ms |",
        f"| judge overhead per job (worker time − in-process compute) | {overhead * 1000:.0f} ms |",
        f"| `pytest exercises/lessonNN` per submission (sum of 6 lessons, median of {pytest_sample}) | "
        f"{pytest_per_submission:.1f} s |",
        f"| pytest for all {count} submissions (per-submission time × {count}) | {pytest_total:.0f} s |",
        f"| speed-up of the judge | {pytest_total / judge_s:.1f}× |",
        "", "Per lesson, one fresh `pytest` run: " + ", ".join(f"{l} {s:.1f} s" for l, s in sample.items()),
        "", "In-process check compute per lesson (reference graded against itself, warm): "
        + ", ".join(f"{l} {s * 1000:.0f} ms" for l, s in own_compute.items()),
    ]
    return "\n".join(lines)


def _lesson_compute(lessons) -> dict[str, float]:
    """Seconds the checks of each lesson take in-process (warm), reference against itself."""
    import torch
    torch.set_num_threads(1)
    from grader.checks import load_lesson
    from grader.handle import LocalHandle
    from grader.runner import grade_lesson
    out = {}
    for lesson_id in lessons:
        lesson = load_lesson(lesson_id)
        source = ROOT / "solutions" / lesson_id / lesson.filename
        reference = LocalHandle(source)
        grade_lesson(lesson, LocalHandle(source), reference, devices=("cpu",))  # warm-up
        started = time.perf_counter()
        grade_lesson(lesson, LocalHandle(source), reference, devices=("cpu",))
        out[lesson_id] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("student", "judge", "all"))
    parser.add_argument("-n", type=int, default=100, help="submissions for the judge benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sections = []
    if args.what in ("student", "all"):
        sections.append(student(args.repeats))
    if args.what in ("judge", "all"):
        sections.append(judge(args.n, args.repeats))
    text = "\n\n".join(sections) + "\n"
    print(text)
    results = ROOT / "benchmarks" / f"results-{args.what}.md"
    results.write_text(text, encoding="utf-8")
    print(f"written to {results}")


if __name__ == "__main__":
    main()
