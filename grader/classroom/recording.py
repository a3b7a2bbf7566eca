"""Recording the reference's answers at release, and replaying them to prove the recording.

Each lesson's checks run on the CPU with the course seed against the reference itself, the stub
and every catalogued mistake and alternative style (tests/catalogue/), with a recording reference
(`RecordingHandle`, grader/classroom/recorded.py). Replaying the saved answers must then give
every run exactly the outcomes it had.
"""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path

import hypothesis
import numpy
import torch

from grader import __version__
from grader.authoring.stubs import make_stub
from grader.checks import load_lesson
from grader.classroom.errors import ReleaseError
from grader.classroom.recorded import AnswerStore, RecordingHandle, bind_lesson, recorded_reference
from grader.handle import LocalHandle
from grader.runner import DEFAULT_SEED, grade_lesson


def _catalogue(project: Path):
    folder = project / "tests"
    if not (folder / "catalogue" / "__init__.py").is_file():
        return None
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module("catalogue")


def _outcomes(result) -> dict[str, str]:
    return {c.check_id + (f"[{c.device}]" if c.device else ""): c.status for c in result.checks}


def record_lesson(lesson_id: str, project: Path, scratch: Path, *, catalogue: bool = True, data_root=None):
    """Run the lesson's checks against the reference, the stub and the catalogue with a recording
    reference. Returns (store, runs): runs maps a run name to (submission path, outcomes, result)."""
    lesson = load_lesson(lesson_id)
    solution = project / "solutions" / lesson_id / lesson.filename
    if not solution.is_file():
        raise ReleaseError(f"{lesson_id}: no solution at {solution}")
    meta = {"seed": DEFAULT_SEED, "devices": ["cpu"], "grader": __version__, "hypothesis": hypothesis.__version__,
            "torch": torch.__version__.split("+")[0], "numpy": numpy.__version__,
            "python": platform.python_version()}
    store = AnswerStore(lesson_id, meta)
    stub = scratch / "stub" / lesson_id / lesson.filename
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text(make_stub(solution.read_text(encoding="utf-8"), lesson_id), encoding="utf-8")
    submissions = {"reference": solution, "stub": stub}
    if catalogue and (module := _catalogue(project)) is not None:
        for variant in module.variants(lesson_id):
            submissions[variant.name] = variant.build(solution, scratch / "catalogue" / variant.name / lesson_id)
    bound = bind_lesson(lesson)
    runs = {}
    for name, path in submissions.items():
        reference = RecordingHandle(LocalHandle(solution), store)   # a fresh reference per run
        result = grade_lesson(bound, LocalHandle(path), reference, devices=("cpu",), seed=DEFAULT_SEED,
                              data_root=data_root)
        runs[name] = (path, _outcomes(result), result)
    reference_result, stub_result = runs["reference"][2], runs["stub"][2]
    if reference_result.score != reference_result.max_score:
        bad = [f"{c.label}: {c.status} {c.message}" for c in reference_result.checks if c.status != "passed"]
        raise ReleaseError(f"{lesson_id}: the reference does not get full marks: " + "; ".join(bad))
    if stub_result.score != 0 or any(c.status == "error" for c in stub_result.checks):
        raise ReleaseError(f"{lesson_id}: the stub scores {stub_result.score} or errors; it must score zero")
    return store, runs


def replay_lesson(lesson_id: str, answers: Path, runs: dict, data_root=None) -> list[str]:
    """Grade every recorded run again with the saved answers; differences from the recording."""
    lesson = load_lesson(lesson_id)
    differences = []
    for name, (path, recorded, _) in runs.items():
        reference, bound = recorded_reference(lesson, answers)
        result = grade_lesson(bound, LocalHandle(path), reference, devices=("cpu",), seed=DEFAULT_SEED,
                              data_root=data_root)
        replayed = _outcomes(result)
        for check, status in recorded.items():
            if replayed.get(check) != status:
                detail = next((c.detail.strip().splitlines()[-1] for c in result.checks
                               if c.check_id + (f"[{c.device}]" if c.device else "") == check and c.detail), "")
                differences.append(f"{lesson_id} {name} {check}: recorded {status}, replayed "
                                   f"{replayed.get(check)} {detail}".rstrip())
    return differences
