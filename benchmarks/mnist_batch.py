"""A mixed class of lessons 5 and 6 through `grader grade --jobs 2`: wall time, mean job time per
lesson and every student's points, for this tree or another one (an older commit, unpacked), so
before and after can be run in turn on the same machine and their points compared.

    git archive 1771e3b | tar -x -C /tmp/before
    GRADER_DATA=$PWD/datasets .venv/bin/python benchmarks/mnist_batch.py --tree /tmp/before --scores /tmp/b.json
    GRADER_DATA=$PWD/datasets .venv/bin/python benchmarks/mnist_batch.py --scores /tmp/a.json
    cmp /tmp/b.json /tmp/a.json     # the same points, student by student

The class: student i hands in the i-th of the solution, the stub and every catalogue patch of
each lesson (benchmarks/run.py: mixed_class); `--students 24` covers every variant once.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(HERE), str(HERE / "benchmarks")]

from run import mixed_class  # noqa: E402

from grader.authoring.demo import build_class  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=HERE, help="the project tree whose grader grades (default: this)")
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scores", type=Path, help="write {student: [lesson05, lesson06]} points here")
    args = parser.parse_args()
    lessons = ["lesson05", "lesson06"]
    with tempfile.TemporaryDirectory() as tmp:
        klass = build_class(Path(tmp) / "class", mixed_class(args.students, lessons))
        out = Path(tmp) / "out"
        # `-m grader` from the tree's root imports that tree's grader (its zygote follows it)
        command = [sys.executable, "-m", "grader", "grade", str(klass), "--out", str(out), "--quiet", "--force",
                   "--jobs", str(args.jobs), "--lessons", "5,6", "--seed", "20261127", "--device", "cpu"]
        load = os.getloadavg()[0]
        subprocess.run(command, cwd=args.tree.resolve(), check=True)
        timings = json.loads((out / "summary.json").read_text())["timings"]
        rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8-sig")))
    print(f"{args.tree}: load average {load:.1f} at the start; {timings['jobs']} jobs, {args.jobs} workers, "
          f"batch {timings['wall_s']:.1f} s; mean job s by lesson {timings['mean_job_s_by_lesson']}")
    if args.scores:
        args.scores.write_text(json.dumps({r["student"]: [r[lesson] for lesson in lessons] for r in rows},
                                          sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
