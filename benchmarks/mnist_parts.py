"""What the MNIST lessons' judge work costs, part by part, before and after issue 14's changes:
each pair measured in turn, in one process, on the same warm judge worker and child.

    GRADER_THREADS=1 .venv/bin/python benchmarks/mnist_parts.py --repeats 5

1. The zygote's MNIST preload on a new view (one per batch): before, the archives decoded and
   the 60,000 training images converted to float; after, the judge's decoded uint8 copies
   shared into the view and loaded as they are (training set and test images).
2. Scoring a trained model on the 10,000 test images: before, the judge converted them to float
   and sent them (31 MB) to the child's `predict_classes`; after, the child reads them itself
   (`predict_test_classes`) and only the predictions come back.
3. The reference side of `train_matches_reference_sgd` (lesson 6): before, trained for every job;
   after, once per reference handle (`mnist_training.reference_training`).
4. The judge's side of `evaluate_counts_correct_predictions` (the template classifier and the
   subsets that end in its mistakes): before, computed for every job; after, remembered by value.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from grader import data  # noqa: E402
from grader.checks import load_lesson, mnist_training  # noqa: E402
from grader.checks.mnist_training import _REFERENCE_RUNS, new_model  # noqa: E402
from grader.handle import LocalHandle  # noqa: E402
from grader.judge import jobs  # noqa: E402
from grader.judge.dataview import submission_view  # noqa: E402
from grader.judge.remote import Budget, ProcessHandle  # noqa: E402
from grader.lesson import Trial  # noqa: E402
from grader.runner import DEFAULT_SEED, check_seed  # noqa: E402


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def preload_before(view: Path) -> None:
    for part in ("images", "labels"):
        data.cache_path(view.resolve(), "train", part).unlink(missing_ok=True)
    data.decoded.cache_clear()
    data.load_mnist(view, "train")


def preload_after(view: Path) -> None:
    data.decoded.cache_clear()
    data.preload(view)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("GRADER_THREADS", "1")))
    root = data.data_root()
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        before, after = [], []
        for i in range(args.repeats):
            view = submission_view(root, folder / f"view{i}")
            before.append(timed(preload_before, view))
            view = submission_view(root, folder / f"view{i}b")
            after.append(timed(preload_after, view))
        rows["the zygote's MNIST preload on a new view"] = (before, after)

        lesson = load_lesson("lesson06")
        view = submission_view(root, folder / "view")
        options = jobs.GradeOptions(out=folder / "out", lessons=("lesson06",), device="cpu", progress=False,
                                    seed=DEFAULT_SEED, data_root=root, submission_data_root=view)
        jobs.worker.start(options)
        workdir = folder / "work"
        workdir.mkdir()
        source = workdir / lesson.filename
        source.write_text((ROOT / "solutions" / "lesson06" / lesson.filename).read_text())
        child = ProcessHandle(jobs.worker.zygote, source, workdir, Budget(call_s=60, lesson_s=600, memory_mb=4096,
                                                                           reply_mb=64), project_root=ROOT,
                              data_dirs=[view], filename=lesson.filename)
        try:
            model = new_model(child, "mlp", (784, 500, 10), "cpu", 0)
            child.probe("predict_test_classes", model, str(view))   # warm
            before, after = [], []
            for _ in range(args.repeats):
                before.append(timed(lambda: child.probe("predict_classes", model,
                                                        data.load_mnist_images(root, "test"))))
                after.append(timed(lambda: child.probe("predict_test_classes", model, str(view))))
            rows["scoring on the 10,000 test images (judge + child)"] = (before, after)
        finally:
            child.close()
            jobs.worker.release().close()

        from grader.checks.lesson06 import SMALL_MLP
        from grader.checks.mnist_training import train_both
        check = next(c for c in lesson.checks if c.name == "train_matches_reference_sgd")
        shared = LocalHandle(ROOT / "solutions" / "lesson06" / lesson.filename)
        submission = LocalHandle(ROOT / "solutions" / "lesson06" / lesson.filename)

        def reference_side(reference):
            seed = check_seed(DEFAULT_SEED, check, "cpu")
            t = Trial(sub=submission, ref=reference, device="cpu", seed=seed, data_root=root,
                      submission_data_root=view)
            started = time.perf_counter()
            train_both(t, SMALL_MLP, 2000, 2600, 100, num_epochs=2, learning_rate=0.05)
            return time.perf_counter() - started

        reference_side(shared)                                   # trains the shared one once
        before, after = [], []
        for _ in range(args.repeats):
            fresh = LocalHandle(ROOT / "solutions" / "lesson06" / lesson.filename)
            reference_side(fresh)                                # its module loaded: not what is measured
            _REFERENCE_RUNS.pop(fresh)
            before.append(reference_side(fresh))
            after.append(reference_side(shared))
        rows["train_both in lesson06.train_matches_reference_sgd (both sides)"] = (before, after)

        def templates(seed=7):
            t = SimpleNamespace(rng=np.random.default_rng(seed))
            weight, bias = mnist_training.template_weights(root, t)
            for count in (1001, 7):
                mnist_training.subset_ending_in_a_mistake(root, t, weight, bias, count)

        def afresh():
            mnist_training.class_mean_images.cache_clear()
            mnist_training._TEMPLATE_MISTAKES.clear()
            templates()

        templates()
        before, after = [], []
        for _ in range(args.repeats):
            before.append(timed(afresh))
            after.append(timed(templates))
        rows["the judge's templates for evaluate_counts_correct_predictions"] = (before, after)

    print(f"\nload average {os.getloadavg()[0]:.1f}; torch {torch.__version__}; {torch.get_num_threads()} thread(s); "
          f"median of {args.repeats}, ms\n")
    print("| part | before | after | before / after |\n|---|---:|---:|---:|")
    for name, (before, after) in rows.items():
        b, a = statistics.median(before) * 1000, statistics.median(after) * 1000
        print(f"| {name} | {b:.0f} | {a:.0f} | {b / a:.1f}× |")


if __name__ == "__main__":
    main()
