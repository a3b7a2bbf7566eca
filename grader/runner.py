"""Run a lesson's checks against a submission handle and turn outcomes into results."""

from __future__ import annotations

import os
import time
import traceback
import weakref
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from grader import strategies
from grader.checks import load_lesson
from grader.classroom.recorded import reference_for
from grader.data import MissingDataset
from grader.diagnosis import diagnose
from grader.expect import Wrong
from grader.handle import Handle, NotStarted, StudentException, SubmissionError
from grader.i18n import tr
from grader.lesson import Check, Lesson, Trial
from grader.results import CheckResult, LessonResult
from grader.session import seed_everything

DEFAULT_SEED = 20261127
ALL_DEVICES = ("cpu", "cuda")
PROJECT_SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def grading_threads() -> int:
    """Torch threads while checks run: $GRADER_THREADS, else 1, so a result never depends on the machine."""
    return int(os.environ.get("GRADER_THREADS", "1"))


def solutions_dir(named: str | Path | None = None) -> tuple[Path, bool]:
    """The solutions folder, and whether it was named (then it must hold the lesson): `named`, else
    $GRADER_SOLUTIONS, else the project's solutions/."""
    named = named or os.environ.get("GRADER_SOLUTIONS")
    if named:
        return Path(named), True
    return PROJECT_SOLUTIONS, False


@dataclass(frozen=True)
class PreparedRun:
    lesson: Lesson       # bound to the recorded answers when `reference` replays them
    reference: Handle
    how: str             # which reference, in words


def prepare_run(lesson_id: str, solutions: str | Path | None = None) -> PreparedRun:
    """What every front end does before running a lesson's checks: the grading thread count, the
    lesson, and its reference (live from solutions/, else the answers recorded at release).
    Raises FileNotFoundError when there is no reference."""
    torch.set_num_threads(grading_threads())
    folder, explicit = solutions_dir(solutions)
    reference, lesson, how = reference_for(load_lesson(lesson_id), folder, explicit=explicit)
    return PreparedRun(lesson, reference, how)


def cuda_available() -> bool:
    return torch.cuda.is_available()


def devices_for(requested: str | None) -> tuple[str, ...]:
    """The devices tensor checks run on: both by default; `--device` narrows it."""
    if requested in (None, "", "all"):
        return ALL_DEVICES
    if requested not in ALL_DEVICES:
        raise ValueError(f"unknown device {requested!r}: use cpu or cuda")
    return (requested,)


def check_seed(base_seed: int, check: Check, device: str | None) -> int:
    """Per-check seed: one check's randomness does not depend on which others ran before it."""
    return (base_seed + zlib.crc32(f"{check.id}[{device}]".encode())) % 2**31


def run_check(check: Check, sub: Handle, ref: Handle, *, device: str | None, seed: int = DEFAULT_SEED,
              data_root: Path | None = None, submission_data_root: Path | None = None) -> CheckResult:
    """Run one check on one device; every outcome becomes a CheckResult, never an exception."""
    trial = None

    def result(status, message="", detail="", started=None):
        return CheckResult(check.id, check.lesson, check.todo, check.name, device, check.points, status,
                           message, detail, round(time.perf_counter() - started, 4) if started else 0.0,
                           trial.measured if trial is not None else None)

    if device == "cuda" and not cuda_available():
        return result("skipped", tr("no CUDA device here; the CPU run decides the points"))
    started = time.perf_counter()
    trial_seed = check_seed(seed, check, device)
    seed_everything(trial_seed)
    trial = Trial(sub=sub, ref=ref, device=device or "cpu", seed=trial_seed, data_root=data_root,
                  submission_data_root=submission_data_root)
    try:
        ref.begin_check()
        sub.begin_check()
        # The course's public seed keeps the examples the release recorded answers for; any other
        # seed (the judge's secret one) draws examples no student has seen.
        with strategies.examples_seeded(None if seed == DEFAULT_SEED else trial_seed):
            check.fn(trial)
    except Wrong as wrong:
        return result("failed", wrong.message, started=started)
    except NotStarted as exc:
        return result("not_started", exc.message, started=started)
    except MissingDataset:   # the student's setup, not the grader: said once before the checks (data.setup_problem)
        return result("skipped", tr("skipped: no data (MNIST is missing; see the message before the checks)"),
                      started=started)
    except StudentException as exc:
        return result("failed", explained(exc, check, sub), exc.detail or "", started=started)
    except SubmissionError as exc:
        return result("failed", exc.message, exc.detail or "", started=started)
    except Exception as exc:  # the checker itself broke: not the student's fault
        return result("error", tr("The grader could not finish this check ({error}). "
                                  "This is not your fault; tell your instructor.", error=type(exc).__name__),
                      traceback.format_exc(), started=started)
    return result("passed", started=started)


# per submission handle (one grading run of one lesson): (TODO, cause) -> the check that explained it
_EXPLAINED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def explained(exc: StudentException, check: Check, sub: Handle) -> str:
    """The crash's message with its likely cause and fix (grader/diagnosis.py), in full the first
    time a TODO of this submission hits that cause, then only named, so a student reads it once."""
    diagnosis = diagnose(exc.error_type, exc.error_message, exc.line)
    if diagnosis is None:
        return exc.message
    # PyTorch's own explanation can run to several sentences: its first is enough beside ours
    raised = tr("Your code raised {error}{where}", error=f"{exc.error_type}: {first_sentence(exc.error_message)}",
                where=exc.where).rstrip(".")
    first = _EXPLAINED.setdefault(sub, {}).setdefault((check.todo, diagnosis.key), check.name)
    if first != check.name:
        return tr("{error}: {cause}, as in {check} (its message says how to fix it).", error=raised,
                  cause=diagnosis.short, check=first)
    return tr("{error}. Likely cause: {cause}. Fix: {fix}.", error=raised, cause=diagnosis.cause, fix=diagnosis.fix)


def first_sentence(text: str, limit: int = 160) -> str:
    sentence = text.strip().split("\n", 1)[0]
    cut = sentence.find(". ")
    sentence = sentence[:cut + 1] if cut >= 0 else sentence
    return sentence if len(sentence) <= limit else sentence[:limit - 3].rstrip() + "..."


def planned_runs(lesson: Lesson, devices: Iterable[str],
                 todos: Iterable[str] | None = None) -> list[tuple[Check, str | None]]:
    devices, todos = tuple(devices), set(todos) if todos is not None else None
    return [(check, device) for check in lesson.checks if todos is None or check.todo in todos
            for device in (devices if check.per_device else (None,))]


def grade_lesson(lesson: Lesson, sub: Handle, ref: Handle, *, devices: Iterable[str] = ALL_DEVICES,
                 seed: int = DEFAULT_SEED, data_root: Path | None = None,
                 submission_data_root: Path | None = None,
                 todos: Iterable[str] | None = None,
                 on_result: Callable[[CheckResult], None] | None = None) -> LessonResult:
    """Run the lesson's checks (only those of `todos`, if given) and collect the results."""
    results = []
    for check, device in planned_runs(lesson, devices, todos):
        outcome = run_check(check, sub, ref, device=device, seed=seed, data_root=data_root,
                            submission_data_root=submission_data_root)
        results.append(outcome)
        if on_result:
            on_result(outcome)
    return LessonResult(lesson.id, lesson.title, tuple(results))
