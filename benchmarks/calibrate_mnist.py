"""Calibrate the MNIST accuracy thresholds of lessons 5 and 6 (see docs/calibration.md).

For each seed, the REFERENCE solution trains a grader-built model exactly as the accuracy check
does (same probes, loader, epochs, learning rate; the seed picks the initial weights and the
shuffling order), and the judge scores it on the 10,000 test images. The threshold in the
checks is the minimum over seeds minus a safety margin well above the spread.

Also reports, at the check's own seed, what each catalogued mistake of the `train` TODO reaches.

    .venv/bin/python benchmarks/calibrate_mnist.py                 # both lessons, 10 seeds
    .venv/bin/python benchmarks/calibrate_mnist.py --lessons 5 --seeds 5
    .venv/bin/python benchmarks/calibrate_mnist.py --lessons 6 --cost    # seconds: the check vs a full epoch
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]

from grader import data  # noqa: E402
from grader.checks import load_lesson  # noqa: E402
from grader.checks.mnist_training import trained_accuracy  # noqa: E402
from grader.handle import LocalHandle  # noqa: E402
from grader.runner import DEFAULT_SEED, check_seed  # noqa: E402

# lesson -> (the accuracy check's name, its setup and threshold, as the check module defines them)
SETUPS = {
    "lesson05": ("train_reaches_test_accuracy", "LOGREG_SETUP", "LOGREG_THRESHOLD"),
    "lesson06": ("train_reaches_test_accuracy", "MLP_SETUP", "MLP_THRESHOLD"),
}


def calibrate(lesson_id: str, seeds: list[int], device: str, mistakes: bool) -> None:
    lesson = load_lesson(lesson_id)
    module = sys.modules[f"grader.checks.{lesson_id}"]
    check_name, setup_name, threshold_name = SETUPS[lesson_id]
    setup, threshold = getattr(module, setup_name), getattr(module, threshold_name)
    check = next(c for c in lesson.checks if c.name == check_name)
    check_at_default = check_seed(DEFAULT_SEED, check, device)

    root = data.data_root()
    labels = data.load_mnist_labels(root, "test")
    reference = LocalHandle(PROJECT / "solutions" / lesson_id / lesson.filename)

    print(f"\n## {lesson_id}: {setup}")
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} thread(s)\n")
    print("| seed | test accuracy | train seconds |")
    print("|---:|---:|---:|")
    accuracies = []
    for seed in [check_at_default] + seeds:
        started = time.perf_counter()
        accuracy = trained_accuracy(reference, root, setup, device, seed, labels)
        label = f"{seed} (the check's seed)" if seed == check_at_default else str(seed)
        print(f"| {label} | {accuracy:.2%} | {time.perf_counter() - started:.2f} |", flush=True)
        accuracies.append(accuracy)
    low, mean, high = min(accuracies), statistics.mean(accuracies), max(accuracies)
    spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
    print(f"\nmin {low:.2%}, mean {mean:.2%}, max {high:.2%}, std {spread:.2%} over {len(accuracies)} runs")
    print(f"suggested threshold (min - 2 points): {low - 0.02:.3f}; the check uses {threshold}")

    if not mistakes:
        return
    from catalogue import variants

    print(f"\n| catalogued train mistake (seed {check_at_default}) | test accuracy |")
    print("|---|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for variant in variants(lesson_id):
            if variant.correct or "train" not in variant.loses:
                continue
            path = variant.build(PROJECT / "solutions" / lesson_id / lesson.filename, Path(folder) / variant.name)
            try:
                accuracy = trained_accuracy(LocalHandle(path), root, setup, device, check_at_default, labels)
                text = f"{accuracy:.2%}"
            except Exception as exc:  # a mistake that crashes never reaches an accuracy
                text = f"raises {type(exc).__name__}"
            print(f"| {variant.name}: {variant.description} | {text} |", flush=True)


def cost(lesson_id: str, device: str, seeds=(1, 2, 3)) -> None:
    """Seconds to train the reference as the accuracy check does, and over a full epoch, after a warm-up."""
    lesson = load_lesson(lesson_id)
    setup = getattr(sys.modules[f"grader.checks.{lesson_id}"], SETUPS[lesson_id][1])
    root = data.data_root()
    labels = data.load_mnist_labels(root, "test")
    reference = LocalHandle(PROJECT / "solutions" / lesson_id / lesson.filename)
    trained_accuracy(reference, root, setup, device, 0, labels)   # MNIST loaded, torch warm
    print(f"\n| {lesson_id}: what is trained | seconds per run (seeds {', '.join(map(str, seeds))}) |\n|---|---:|")
    for label, trained in ((f"the check: {setup.train_images:,} images, {setup.num_epochs} epoch(s)", setup),
                           ("a full epoch: 60,000 images", dataclasses.replace(setup, train_images=60_000,
                                                                               num_epochs=1))):
        seconds = []
        for seed in seeds:
            started = time.perf_counter()
            trained_accuracy(reference, root, trained, device, seed, labels)
            seconds.append(time.perf_counter() - started)
        print(f"| {label} | {', '.join(f'{s:.2f}' for s in seconds)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", default="5,6")
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds (0..n-1) besides the check's own")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-mistakes", action="store_true", help="skip the catalogued mistakes")
    parser.add_argument("--cost", action="store_true", help="only time the check's training against a full epoch")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("GRADER_THREADS", "1")))
    for part in args.lessons.split(","):
        lesson_id = f"lesson{int(part.strip().removeprefix('lesson')):02d}"
        if args.cost:
            cost(lesson_id, args.device)
        else:
            calibrate(lesson_id, list(range(args.seeds)), args.device, not args.no_mistakes)


if __name__ == "__main__":
    main()
