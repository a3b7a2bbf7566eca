"""`python -m grader.gradescope [ROOT]`: what run_autograder runs (ROOT: $GRADESCOPE_ROOT, else /autograder)."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import torch

from grader.gradescope.autograde import run_autograder
from grader.i18n import tr
from grader.writers.atomic import write_atomic


def main(argv: list[str]) -> int:
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    torch.set_num_threads(1)     # before any tensor work: forked judge workers deadlock otherwise
    root = Path(argv[0] if argv else os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    try:
        results = run_autograder(root)
    except Exception:   # the grader broke: the student reads a calm line, the instructor the traceback
        traceback.print_exc()
        write_atomic(root / "results" / "results.json", json.dumps({
            "score": 0, "tests": [], "stdout_visibility": "hidden",
            "output": tr("The autograder could not grade this submission. This is not your fault; tell your "
                         "instructor.")}, indent=2))
        return 1
    print(f"graded: {results['score']:g} points, {len(results['tests'])} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
