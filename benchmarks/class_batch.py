"""A mixed class through `grader grade --jobs 2`, all eight lessons by default: the batch's wall time, the
time to its first result, the mean job time per lesson, peak memory and every student's points; with
`--baseline REF`, REF's grader grades the same class first, in the same run, and the table puts the two
side by side (and says whether every student got the same points).

    .venv/bin/python benchmarks/class_batch.py --students 100 --baseline 1771e3b   # results-class.md
    .venv/bin/python benchmarks/class_batch.py --students 24 --lessons 5,6 --out /tmp/mnist.md

The class: student i hands in the i-th of the solution, the stub and every catalogue patch of each
lesson (right, wrong, half-done and untouched work; benchmarks/run.py: mixed_class).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(HERE), str(HERE / "benchmarks")]

from run import ALL_LESSONS, ROOT, exported_tree, machine, measured_judge, mixed_class, scores  # noqa: E402

from grader.authoring.demo import build_class  # noqa: E402


def graded(tree: Path, klass: Path, out: Path, lessons, jobs: int) -> dict:
    """Timed with no memory sampler (it would take most of a core: peers.run_measured); the peak
    memory comes from a second run of the same class."""
    command = (klass, out, lessons, "--jobs", str(jobs), "--seed", "20261127", "--device", "cpu")
    started = time.time()
    figures = measured_judge(*command, tree=tree, memory=False)
    timings = figures["summary"]["timings"]
    first = timings.get("first_result_at")
    peak_mb = measured_judge(klass, out.with_name(out.name + "-memory"), *command[2:], tree=tree)["peak_mb"]
    return {"wall_s": figures["seconds"], "jobs": timings["jobs"], "peak_mb": peak_mb,
            "first_result_s": first - started if first else None,
            "by_lesson": timings["mean_job_s_by_lesson"], "scores": scores(out)}


def table(columns: dict[str, dict], lessons, students: int) -> str:
    names = list(columns)
    cell = lambda v, f: "—" if v is None else format(v, f)   # noqa: E731
    lines = [f"| | {' | '.join(names)} |", "|---|" + "---:|" * len(names)]
    rows = [("the whole batch (s)", lambda c: cell(c["wall_s"], ".1f")),
            ("per student (s)", lambda c: cell(c["wall_s"] / students, ".2f")),
            ("first result after the command's start (s)", lambda c: cell(c["first_result_s"], ".1f")),
            ("peak memory, whole process tree (MB)", lambda c: cell(c["peak_mb"], ",.0f"))]
    rows += [(f"{lesson}: mean job (s)", lambda c, lesson=lesson: cell(c["by_lesson"].get(lesson), ".3f"))
             for lesson in lessons]
    lines += [f"| {label} | {' | '.join(value(columns[n]) for n in names)} |" for label, value in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--lessons", default="1,2,3,4,5,6,7,8")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline", metavar="REF", help="grade the same class with REF's grader first")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-class.md")
    args = parser.parse_args()
    wanted = {int(n) for n in args.lessons.split(",")}
    lessons = [lesson for lesson in ALL_LESSONS if int(lesson[-2:]) in wanted]
    students = mixed_class(args.students, lessons)
    if (ROOT / "datasets" / "MNIST").is_dir():    # REF's exported tree has no datasets/ of its own
        os.environ.setdefault("GRADER_DATA", str(ROOT / "datasets"))
    header = machine()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        klass = build_class(tmp / "class", students)
        columns = {}
        if args.baseline:
            tree = exported_tree(args.baseline, tmp)
            columns[f"before ({args.baseline})"] = graded(tree, klass, tmp / "out-before", lessons, args.jobs)
        columns["this tree"] = graded(ROOT, klass, tmp / "out-after", lessons, args.jobs)
    same = len({repr(sorted(c["scores"].items())) for c in columns.values()}) == 1
    text = "\n".join([
        f"### A mixed class: {args.students} students × {len(lessons)} lessons, `grader grade --jobs {args.jobs}`",
        "", f"_{header}_", "",
        f"`.venv/bin/python benchmarks/class_batch.py --students {args.students} --lessons {args.lessons}"
        + (f" --baseline {args.baseline}`" if args.baseline else "`"), "",
        "Timed with no memory sampler; the peak memory (PSS of the whole process tree) is that of a second "
        "run of the same class.", "",
        table(columns, lessons, args.students), "",
        ("Every student got the same points from both graders." if same
         else "**The two graders gave different points** to some students.") if len(columns) > 1 else "", ""])
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
