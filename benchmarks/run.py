"""Benchmarks, written as Markdown tables to benchmarks/results-WHAT.md (and printed).

    .venv/bin/python benchmarks/run.py all                # everything below, in one run
    .venv/bin/python benchmarks/run.py student            # pytest exercises/lessonNN, correct code
    .venv/bin/python benchmarks/run.py batch [-n 100]     # one mixed class: judge (local, Dask),
                                                          # pytest, nbgrader autograde (own venv)
    .venv/bin/python benchmarks/run.py batch --baseline 1771e3b   # and the judge and pytest on REF's
                                                          # code, in the same run: before / after
    .venv/bin/python benchmarks/run.py scaling [--sizes 10,100,1000]
    .venv/bin/python benchmarks/run.py cuda               # MNIST lessons on the GPU, when there is one

nbgrader is installed on first use in its own environment, benchmarks/.venv-nbgrader
(benchmarks/peers.py); it never enters the project's.

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
# Whose grader this process measures: ours, or (in the helpers `--baseline` starts) an exported REF's
TREE = Path(os.environ.get("GRADER_BENCH_TREE", ROOT))
sys.path.insert(0, str(TREE))
sys.path.insert(0, str(ROOT / "benchmarks"))
PYTHON = sys.executable
FAST_LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson07", "lesson08")
ALL_LESSONS = FAST_LESSONS[:4] + ("lesson05", "lesson06") + FAST_LESSONS[4:]
STUDENT_BUDGET_S = {lesson: 45.0 if lesson in ("lesson05", "lesson06") else 15.0 for lesson in ALL_LESSONS}


def machine() -> str:
    load = os.getloadavg()[0]
    return (f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
            f"load {load:.1f} · {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")


def exported_tree(ref: str, folder: Path) -> Path:
    """REF's files (`git archive`, nothing of our worktree), for its code to run with our venv: first on
    PYTHONPATH, before the editable install's finder, so `grader` and its checks and solutions are REF's."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", f"{ref}^{{commit}}"], check=True,
                         capture_output=True, text=True).stdout.strip()
    target = folder / f"baseline-{sha}"
    target.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", sha], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {ref} failed")
    return target


def tree_env(tree: Path) -> dict[str, str]:
    """The environment of a subprocess that runs `tree`'s grader (ours: the environment as it is)."""
    if tree == ROOT:
        return dict(os.environ)
    paths = [str(tree), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths), GRADER_BENCH_TREE=str(tree))


def solution_tree(lesson: str, folder: Path) -> Path:
    """A copy of exercises/<lesson> with the reference solution filled in."""
    from grader.checks import load_lesson
    target = folder / lesson
    shutil.copytree(ROOT / "exercises" / lesson, target)
    module = load_lesson(lesson).filename
    shutil.copy(ROOT / "solutions" / lesson / module, target / module)
    return target


def time_pytest(folder: Path, *extra: str) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider",
                           f"--solutions={ROOT / 'solutions'}", *extra], capture_output=True, text=True,
                          cwd=folder.parent)
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


def mixed_class(count: int, lessons) -> dict[str, dict[str, str]]:
    """`count` students; for each lesson the i-th hands in the i-th of: the solution, the stub,
    then every catalogue patch (mistakes and alternative correct styles), round and round."""
    from grader.authoring.demo import catalogue_variants
    variants = {lesson: ["solution", "stub", *catalogue_variants(lesson)] for lesson in lessons}
    return {f"student{i:04d}": {lesson: variants[lesson][i % len(variants[lesson])] for lesson in lessons}
            for i in range(count)}


def grade_command(klass: Path, out: Path, lessons, *extra: str) -> list[str]:
    return [PYTHON, "-m", "grader", "grade", str(klass), "--out", str(out), "--quiet", "--force",
            "--lessons", ",".join(lesson[-2:].lstrip("0") for lesson in lessons), *extra]


def measured_judge(klass: Path, out: Path, lessons, *extra: str, tree: Path = ROOT, memory: bool = True) -> dict:
    """`grader grade` (`tree`'s) as a subprocess: wall time, peak memory (PSS of the whole process tree;
    `memory=False`: not sampled, None), summary."""
    from peers import run_measured
    seconds, peak_mb, code, output = run_measured(grade_command(klass, out, lessons, *extra),
                                                  memory="pss" if memory else None, env=tree_env(tree), cwd=tree)
    peak_mb = peak_mb if memory else None
    if code != 0:
        raise RuntimeError(f"grader grade failed ({code}):\n{output[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return {"seconds": seconds, "peak_mb": peak_mb, "jobs": summary["timings"]["jobs"],
            "mean_job_s": summary["timings"]["mean_job_s"], "summary": summary}


def scores(out: Path) -> dict[str, dict[str, float]]:
    """{student: {lesson: points}} from the gradebook the judge wrote."""
    import csv
    with open(out / "gradebook.csv", encoding="utf-8-sig", newline="") as f:   # the gradebook has a BOM
        rows = list(csv.DictReader(f))
    # the points columns are named lessonNN; "lessonNN status" and the like are not points
    return {row["student"]: {k: float(v) for k, v in row.items()
                             if k.startswith("lesson") and k[6:].isdigit() and v not in ("", None)}
            for row in rows}


def dask_batch(klass: str, out: str, lessons: str) -> None:
    """(In a subprocess of the benchmark) a two-worker LocalCluster, and `grader grade --executor dask` on it."""
    import logging

    import distributed

    from grader import cli
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        code = cli.main(grade_command(Path(klass), Path(out), lessons.split(","), "--executor", "dask",
                                      "--scheduler", cluster.scheduler_address)[3:])
    sys.exit(code or 0)


def measured_pytest(students: dict[str, dict[str, str]], folder: Path, tree: Path = ROOT) -> dict:
    """One fresh `pytest exercises/lessonNN` per (student, lesson), with `tree`'s grader (its plugin, its
    stubs and solutions): time and peak memory of each."""
    from peers import run_measured

    from grader.authoring.demo import lesson_source
    from grader.checks import load_lesson
    times, peaks = [], []
    for student, lessons in students.items():
        for lesson, variant in lessons.items():
            repo = folder / student
            shutil.copytree(tree / "exercises" / lesson, repo / "exercises" / lesson)
            (repo / "exercises" / lesson / load_lesson(lesson).filename).write_text(
                lesson_source(lesson, variant), encoding="utf-8")
            seconds, peak_mb, _, _ = run_measured(
                [PYTHON, "-m", "pytest", f"exercises/{lesson}", "-q", "-p", "no:cacheprovider",
                 f"--solutions={tree / 'solutions'}"], memory="pss", cwd=repo, env=tree_env(tree))
            times.append(seconds)
            peaks.append(peak_mb)
    return {"jobs": len(times), "seconds": sum(times), "per_job_s": statistics.mean(times), "peak_mb": max(peaks)}


def in_process_compute(students: dict[str, dict[str, str]], folder: Path) -> dict[tuple[str, str], float]:
    """Seconds the checks take in this process (warm, no isolation) for each (lesson, variant) used:
    the lesson's own compute, which the judge's per-job time is compared with."""
    import torch
    torch.set_num_threads(1)
    from grader.authoring.demo import lesson_source
    from grader.checks import load_lesson
    from grader.judge import malloc
    malloc.keep_freed_memory()   # as in the judge's workers and children
    from grader.handle import LocalHandle
    from grader.runner import grade_lesson
    out = {}
    pairs = sorted({(lesson, variant) for lessons in students.values() for lesson, variant in lessons.items()})
    for lesson_id, variant in pairs:
        lesson = load_lesson(lesson_id)
        source = folder / lesson_id / variant / lesson.filename
        source.parent.mkdir(parents=True)
        source.write_text(lesson_source(lesson_id, variant), encoding="utf-8")
        reference = LocalHandle(TREE / "solutions" / lesson_id / lesson.filename)
        runs = []
        for _ in range(2):   # the first run pays this process's first-use costs
            started = time.perf_counter()
            grade_lesson(lesson, LocalHandle(source), reference, devices=("cpu",))
            runs.append(time.perf_counter() - started)
        out[lesson_id, variant] = runs[-1]
    return out


def measured_in_process(students: dict[str, dict[str, str]], folder: Path, tree: Path = ROOT) -> dict:
    """`in_process_compute` in a fresh process running `tree`'s grader."""
    folder.mkdir(parents=True)
    (folder / "students.json").write_text(json.dumps(students), encoding="utf-8")
    subprocess.run([PYTHON, str(Path(__file__).resolve()), "_in-process", str(folder)], check=True,
                   env=tree_env(tree), cwd=tree)
    return {tuple(key.split("|")): seconds
            for key, seconds in json.loads((folder / "compute.json").read_text()).items()}


def in_process_main(folder: str) -> None:
    """(In a subprocess of the benchmark) `in_process_compute`, written to FOLDER/compute.json."""
    folder = Path(folder)
    students = json.loads((folder / "students.json").read_text())
    compute = in_process_compute(students, folder / "work")
    (folder / "compute.json").write_text(json.dumps({f"{lesson}|{variant}": seconds
                                                     for (lesson, variant), seconds in compute.items()}))


def judge_figures(tree: Path, klass: Path, students: dict, sample: dict, lessons, folder: Path, cores: int) -> dict:
    """The judge (local pool, one worker), its checks in-process and fresh pytest, all on `tree`'s code."""
    # timed with no memory sampler (it would take most of a core: see peers.run_measured); the local
    # pool's peak memory comes from one more run of the same batch
    local = measured_judge(klass, folder / "out-local", lessons, "--jobs", str(cores), tree=tree, memory=False)
    print(f"[{tree.name}] judge: {local['seconds']:.1f} s", flush=True)
    single = measured_judge(klass, folder / "out-single", lessons, "--jobs", "1", tree=tree, memory=False)
    print(f"[{tree.name}] judge, one worker: {single['seconds']:.1f} s", flush=True)
    local["peak_mb"] = measured_judge(klass, folder / "out-memory", lessons, "--jobs", str(cores), tree=tree)["peak_mb"]
    print(f"[{tree.name}] judge, memory run: {local['peak_mb']:,.0f} MB", flush=True)
    compute = measured_in_process(students, folder / "in-process", tree)
    own = statistics.mean(compute[lesson, variant] for lessons_ in students.values()
                          for lesson, variant in lessons_.items())
    own_by_lesson = {lesson: statistics.mean(compute[lesson, lessons_[lesson]] for lessons_ in students.values())
                     for lesson in lessons}
    pytest = measured_pytest(sample, folder / "class-pytest", tree)
    print(f"[{tree.name}] pytest: {pytest['seconds']:.1f} s", flush=True)
    return {"local": local, "single": single, "own": own, "own_by_lesson": own_by_lesson, "pytest": pytest}


def before_after(columns: dict[str, dict], lessons, nbgrader_job_s: float) -> list[str]:
    """One column per code version: per-job time (overall and by lesson), overhead, memory, peers' ratios."""
    def figures(f):
        local, single = f["local"], f["single"]
        by_lesson = local["summary"]["timings"]["mean_job_s_by_lesson"]
        wall = local["seconds"] / local["jobs"]
        return {
            "wall per job, local pool (ms)": wall * 1000,
            "mean job in a worker, local pool (ms)": local["mean_job_s"] * 1000,
            **{f"{lesson}: mean job, local pool (ms)": by_lesson[lesson] * 1000 for lesson in lessons},
            "wall per job, one worker (ms)": single["seconds"] / single["jobs"] * 1000,
            "judge overhead per job, one worker (ms)": (single["mean_job_s"] - f["own"]) * 1000,
            "the same checks in-process, per job (ms)": f["own"] * 1000,
            "peak memory, local pool (MB)": local["peak_mb"],
            "fresh `pytest exercises/lessonNN` per job (ms)": f["pytest"]["per_job_s"] * 1000,
            "speed-up vs nbgrader (wall per job, local pool)": nbgrader_job_s / wall,
            "speed-up vs fresh pytest (wall per job, local pool)": f["pytest"]["per_job_s"] / wall,
        }
    table = {name: figures(f) for name, f in columns.items()}
    names = list(columns)
    header = "| | " + " | ".join(names) + (f" | {names[0]} / {names[-1]} |" if len(names) > 1 else " |")
    lines = [header, "|---|" + "---:|" * (len(names) + (len(names) > 1))]
    for key in table[names[0]]:
        values = [table[name][key] for name in names]
        speed_up = key.startswith("speed-up")
        cells = [f"{v:,.1f}×" if speed_up else f"{v:,.0f}" for v in values]
        if len(names) > 1:
            cells.append(f"{values[0] / values[-1]:.2f}" if values[-1] else "—")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def batch(count: int, peer_sample: int, baseline: str | None = None, dask: bool = True) -> str:
    """The same mixed class through the judge (local pool, Dask), pytest and nbgrader; with `baseline`,
    the judge and pytest on REF's code as well, in the same run, for a before / after table."""
    import peers

    from grader.authoring.demo import build_class
    lessons = FAST_LESSONS
    students = mixed_class(count, lessons)
    sample = dict(list(students.items())[:peer_sample])
    cores = os.cpu_count() or 1
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        klass = build_class(tmp / "class", students)
        columns = {}
        if baseline:   # first, then ours, one after the other: the same class, machine and load
            tree = exported_tree(baseline, tmp)
            columns[f"before ({baseline})"] = judge_figures(tree, klass, students, sample, lessons,
                                                            tmp / "baseline", cores)
        ours = columns["this tree"] = judge_figures(ROOT, klass, students, sample, lessons, tmp / "ours", cores)
        local, single = rows["judge"], rows["judge-1"] = ours["local"], ours["single"]
        shutil.copytree(tmp / "ours" / "out-local", tmp / "out-local")
        shutil.copytree(tmp / "ours" / "out-single", tmp / "out-single")
        if dask:
            seconds, peak_mb, code, output = peers.run_measured(
                [PYTHON, str(Path(__file__)), "_dask-batch", str(klass), str(tmp / "out-dask"), ",".join(lessons)],
                memory="pss")
            if code != 0:
                raise RuntimeError(f"the Dask batch failed ({code}):\n{output[-3000:]}")
            rows["dask"] = {"seconds": seconds, "peak_mb": peak_mb, "jobs": local["jobs"],
                            "mean_job_s": json.loads((tmp / "out-dask" / "summary.json").read_text())
                            ["timings"]["mean_job_s"]}
            print(f"dask: {seconds:.1f} s", flush=True)
        same_gradebooks = scores(tmp / "out-local") == scores(tmp / "out-single") and (
            not dask or scores(tmp / "out-local") == scores(tmp / "out-dask"))
        own, own_by_lesson = ours["own"], ours["own_by_lesson"]
        single_by_lesson = single["summary"]["timings"]["mean_job_s_by_lesson"]

        notebooks = build_class(tmp / "class-notebooks", sample, notebooks=True)
        rows["judge-notebooks"] = measured_judge(notebooks, tmp / "out-notebooks", lessons, "--jobs", str(cores))
        print(f"judge on notebooks: {rows['judge-notebooks']['seconds']:.1f} s", flush=True)
        rows["pytest"] = ours["pytest"]
        peers.ensure_nbgrader_env()
        course = peers.nbgrader_course(tmp / "nbgrader", lessons, sample)
        nbgrader = rows["nbgrader"] = peers.nbgrader_autograde(course, lessons)
        print(f"nbgrader: {nbgrader['seconds']:.1f} s", flush=True)
        judged = scores(tmp / "out-local")
        agree = sum(abs(judged[s][lesson] - nbgrader["scores"][s][lesson][0]) < 1e-6
                    for s in sample for lesson in lessons
                    if s in nbgrader["scores"] and lesson in nbgrader["scores"][s])
        notebook_scores = scores(tmp / "out-notebooks")
        same_as_notebooks = sum(abs(judged[s][lesson] - notebook_scores[s][lesson]) < 1e-6
                                for s in sample for lesson in lessons)

    jobs = count * len(lessons)
    sample_jobs = len(sample) * len(lessons)
    pytest_job_s = rows["pytest"]["per_job_s"]
    nbgrader_job_s = nbgrader["seconds"] / nbgrader["jobs"]

    def row(name, ran, measured_jobs, seconds, peak_mb, overhead_ms="—"):
        per_job = seconds / measured_jobs
        return (f"| {name} | {ran} | {per_job * 1000:,.0f} | {per_job * jobs / 60:,.1f} | {overhead_ms} | "
                f"{'—' if peak_mb is None else format(peak_mb, ',.0f')} | {pytest_job_s / per_job:,.1f}× |")

    lines = [
        f"### Batch: {count} submissions × {len(lessons)} lessons ({', '.join(lessons)}) = {jobs} jobs", "",
        f"_{machine()}_", "",
        "Each lesson's submissions cycle through the solution, the stub and every catalogue patch "
        "(mistakes and alternative correct styles). The judge's rows are timed with no memory sampler: reading "
        "PSS costs the kernel ~28 ms per torch process, and sampling every 50 ms took most of a core from "
        "the batch. Peak memory: the largest sum of PSS over the whole process tree, sampled at most every "
        "50 ms (and never more than a fifth of the time), in a separate run of the local pool for the judge, "
        "in the timed runs for the others (one process at a time: the other core absorbs the sampler). "
        "Rows marked _sample_ ran the first "
        f"{len(sample)} submissions ({sample_jobs} jobs) and are extrapolated to {jobs} jobs.", "",
        f"| grader | what ran | wall per job (ms) | for all {jobs} jobs (min) | judge overhead per job (ms) | "
        "peak memory (MB) | speed-up vs pytest |",
        "|---|---|---|---|---|---|---|",
        row(f"judge, local pool (`--jobs {cores}`)", f"all {jobs} jobs, `.py` files", local["jobs"], local["seconds"],
            local["peak_mb"], f"{(local['mean_job_s'] - own) * 1000:.0f}"),
        row("judge, one worker (`--jobs 1`)", f"all {jobs} jobs, `.py` files", single["jobs"], single["seconds"],
            single["peak_mb"], f"**{(single['mean_job_s'] - own) * 1000:.0f}**"),
        *([row("judge, Dask `LocalCluster` (2 workers × 1 thread)", f"all {jobs} jobs, `.py` files",
               rows["dask"]["jobs"], rows["dask"]["seconds"], rows["dask"]["peak_mb"],
               f"{(rows['dask']['mean_job_s'] - own) * 1000:.0f}")] if dask else []),
        row(f"judge, local pool (`--jobs {cores}`)", "_sample_, notebooks", rows["judge-notebooks"]["jobs"],
            rows["judge-notebooks"]["seconds"], rows["judge-notebooks"]["peak_mb"]),
        row("`pytest exercises/lessonNN`, once per submission and lesson", "_sample_, `.py` files",
            rows["pytest"]["jobs"], rows["pytest"]["seconds"], rows["pytest"]["peak_mb"]),
        row(f"nbgrader {peers.NBGRADER_VERSION} `autograde`", "_sample_, notebooks", nbgrader["jobs"],
            nbgrader["seconds"], nbgrader["peak_mb"]),
        "",
        f"- Judge overhead per job: the mean time of a job inside a worker minus the same checks on the same code "
        f"run in-process, one at a time, warm, with no isolation ({own * 1000:.0f} ms on average). With one worker "
        f"the job's time is {single['mean_job_s'] * 1000:.0f} ms: that difference is the judge's own cost (in bold). "
        f"With {cores} workers on {cores} cores, each job takes {local['mean_job_s'] * 1000:.0f} ms: the workers, "
        "their zygotes' forks and the children compete for the cores (and the in-process baseline ran alone).",
        "- Judge overhead per job and lesson, one worker: " + ", ".join(
            f"{lesson} {(single_by_lesson[lesson] - own_by_lesson[lesson]) * 1000:.0f} ms" for lesson in lessons) + ".",
        f"- The local pool (both sizes){' and Dask' if dask else ''} gave "
        f"{'identical' if same_gradebooks else 'DIFFERENT'} gradebook scores.",
        f"- nbgrader's points equal the judge's for {agree} of {sample_jobs} sampled jobs; the judge grading the "
        f"notebooks equals it grading the `.py` files for {same_as_notebooks} of {sample_jobs}.",
        f"- Per job: pytest {pytest_job_s:.2f} s, nbgrader {nbgrader_job_s:.2f} s "
        "(" + ", ".join(f"{lesson} {m['seconds'] / m['jobs']:.1f} s"
                        for lesson, m in nbgrader["lessons"].items()) + ").",
        "",
        "#### Per job, by lesson" + (f": before ({baseline}) and after, same class, machine and run" if baseline
                                     else ""), "",
        "The judge and fresh pytest on each version's code (its grader, checks, solutions and stubs, with this "
        "venv), one version after the other; nbgrader once (it does not run our code). The last column is "
        "before / after: above 1 where this tree is faster (for the speed-ups: below 1).", "",
        *before_after(columns, lessons, nbgrader_job_s),
    ]
    return "\n".join(lines)


def scaling(sizes: list[int], lessons=("lesson03", "lesson07")) -> str:
    """How the judge's time grows with the number of submissions (the fast lessons)."""
    from grader.authoring.demo import build_class
    cores = os.cpu_count() or 1
    lines = [f"### Scaling: the judge (`--jobs {cores}`) on {' and '.join(lessons)}, mixed submissions", "",
             f"_{machine()}_", "",
             "| submissions | jobs | wall (s) | per job (ms) | jobs per second | peak memory (MB) |",
             "|---|---|---|---|---|---|"]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            klass = build_class(tmp / "class", mixed_class(size, lessons))
            run = measured_judge(klass, tmp / "out", lessons, "--jobs", str(cores))
        lines.append(f"| {size:,} | {run['jobs']:,} | {run['seconds']:.1f} | "
                     f"{run['seconds'] / run['jobs'] * 1000:.0f} | {run['jobs'] / run['seconds']:.1f} | "
                     f"{run['peak_mb']:,.0f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def cuda() -> str:
    try:
        import torch
        available = torch.cuda.is_available()
    except ImportError:
        available = False
    if not available:
        return f"### CUDA\n\n_{machine()}_\n\nNo CUDA device on this machine: no GPU numbers in this run."
    lines = ["### CUDA: `pytest exercises/lessonNN --device cuda`, MNIST lessons, correct code", "",
             f"_{machine()} · {torch.cuda.get_device_name(0)}_", "",
             "| lesson | median wall time (s) | runs |", "|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for lesson in ("lesson05", "lesson06"):
            folder = solution_tree(lesson, Path(tmp))
            times = [time_pytest(folder, "--device", "cuda")[0] for _ in range(2)]
            lines.append(f"| {lesson} | {statistics.median(times):.1f} | 2 |")
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
    if sys.argv[1:2] == ["_dask-batch"]:
        return dask_batch(*sys.argv[2:5])
    if sys.argv[1:2] == ["_in-process"]:
        return in_process_main(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("student", "batch", "scaling", "cuda", "all"))
    parser.add_argument("-n", type=int, default=100, help="submissions in the batch benchmark")
    parser.add_argument("--sample", type=int, default=5,
                        help="submissions that pytest and nbgrader grade (their time is extrapolated)")
    parser.add_argument("--sizes", default="10,100,1000", help="submission counts for the scaling benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true", help="batch: leave out the Dask LocalCluster run")
    parser.add_argument("--baseline", metavar="REF",
                        help="batch: also run the judge and pytest on this git commit's code (before / after)")
    args = parser.parse_args()
    run = {"student": lambda: student(args.repeats),
           "batch": lambda: batch(args.n, args.sample, args.baseline, not args.no_dask),
           "scaling": lambda: scaling([int(n) for n in args.sizes.split(",")]), "cuda": cuda}
    sections = [run[name]() for name in (run if args.what == "all" else [args.what])]
    text = "\n\n".join(sections) + "\n"
    print(text)
    results = ROOT / "benchmarks" / f"results-{args.what}.md"
    results.write_text(text, encoding="utf-8")
    print(f"written to {results}")


if __name__ == "__main__":
    main()
