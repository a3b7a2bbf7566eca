"""A judge job's mean time over each lesson's catalogue, on this tree's code and on REF's, in turn.

    .venv/bin/python benchmarks/catalogue_jobs.py --baseline 1771e3b [--lessons 1,2,3,4,7,8]

For each lesson, one process per version (REF's files from `git archive`, first on PYTHONPATH, with
this venv) grades the lesson's catalogue (the reference, the stub and every catalogued variant: right,
wrong and untouched work) with `jobs.grade_job`, one job after another in one worker, after a warm-up
job; the two versions run one after the other, lesson by lesson, so both meet the same load. Prints a
Markdown table: mean ms per job, before / after, and whether every submission got the same points.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(lesson_id: str, tree: Path) -> None:
    """(In a subprocess, `tree`'s grader first on sys.path) print the lesson's mean job time as JSON."""
    import torch
    torch.set_num_threads(1)
    sys.path[:0] = [str(tree), str(tree / "tests")]
    from catalogue import variants

    from grader.checks import load_lesson
    from grader.judge import jobs
    from grader.runner import DEFAULT_SEED
    lesson = load_lesson(lesson_id)
    solution = tree / "solutions" / lesson_id / lesson.filename
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        built = [solution, tree / "exercises" / lesson_id / lesson.filename]
        built += [v.build(solution, tmp / v.name) for v in variants(lesson_id)]
        options = jobs.GradeOptions(out=tmp / "out", lessons=(lesson_id,), device="cpu", progress=False,
                                    seed=DEFAULT_SEED)
        jobs.worker.start(options)
        jobs.grade_job(jobs.Job("warm-up", lesson_id, solution))
        seconds, points = [], []
        for path in built:
            started = time.perf_counter()
            _, result, _, _ = jobs.grade_job(jobs.Job("student", lesson_id, path))
            seconds.append(time.perf_counter() - started)
            points.append(result.score)
        jobs.worker.release().close()
    print(json.dumps({"ms": statistics.mean(seconds) * 1000, "jobs": len(seconds), "points": points}))


def run(lesson_id: str, tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "_measure", lesson_id, str(tree)],
                          env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["_measure"]:
        return measure(sys.argv[2], Path(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", required=True, metavar="REF")
    parser.add_argument("--lessons", default="1,2,3,4,7,8")
    args = parser.parse_args()
    lessons = [f"lesson{int(p):02d}" for p in args.lessons.split(",")]
    print(f"| lesson | jobs | {args.baseline} (ms per job) | this tree (ms per job) | before / after | points |")
    print("|---|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) / "baseline"
        baseline.mkdir()
        archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", args.baseline], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(baseline)], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise SystemExit(f"git archive {args.baseline} failed")
        for lesson_id in lessons:
            before, after = run(lesson_id, baseline), run(lesson_id, ROOT)
            same = "same" if before["points"] == after["points"] else "DIFFERENT"
            print(f"| {lesson_id} | {after['jobs']} | {before['ms']:.0f} | {after['ms']:.0f} | "
                  f"{before['ms'] / after['ms']:.2f}× | {same} |", flush=True)


if __name__ == "__main__":
    main()
