"""The adversarial catalogue (tests/adversarial/cases.py), graded in one batch by the real judge."""

import json
from pathlib import Path

import pytest

from adversarial.cases import (ARCHIVE_BUILDERS, ARCHIVE_CASES, CASES, SOLUTION_MARK, evil_pickle,
                              looping_notebook)
from conftest import SOLUTIONS
from grader.judge import intake, sandbox
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions
from grader.results import submission_from_dict

ACTIVE = set(sandbox.probe_protections())
RUNNABLE = [case for case in CASES if case.needs is None or case.needs in ACTIVE] + ARCHIVE_CASES


def _content(value):
    if value == "@@EVIL_PICKLE@@":
        return evil_pickle()
    if value == "@@NOTEBOOK_LOOP@@":
        return looping_notebook()
    if isinstance(value, str):
        return value.replace(SOLUTION_MARK, (SOLUTIONS / "lesson03" / "backprop.py").read_text())
    return value


def build(folder: Path, cases) -> list[Path]:
    """One folder per case under `folder`, plus the archive cases as archives beside it."""
    paths = [folder]
    folder.mkdir(parents=True, exist_ok=True)
    archives = folder.parent / "archives"
    archives.mkdir(exist_ok=True)
    for case in cases:
        if case.name in ARCHIVE_BUILDERS:
            paths.append(ARCHIVE_BUILDERS[case.name](archives, _content(SOLUTION_MARK)))
            continue
        for relative, value in case.files.items():
            target = folder / case.name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            content = _content(value)
            (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
    return paths


def grade(paths: list[Path], out: Path):
    options = GradeOptions(out=out, lessons=("lesson03",), jobs=2, call_timeout=3.0, lesson_timeout=40.0,
                           memory_mb=1024, progress=False, seed=20261127)
    return grade_batch(intake.find_submissions(paths), options)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    for case in RUNNABLE:
        if case.outside:
            Path(case.outside).unlink(missing_ok=True)
    root = tmp_path_factory.mktemp("adversarial")
    report = grade(build(root / "class", RUNNABLE), root / "out")
    return root / "out", report


def result_of(out: Path, student: str):
    return submission_from_dict(json.loads((out / student / "result.json").read_text())["result"])


def test_the_batch_completes_for_every_case(graded):
    out, report = graded
    assert sorted(r.student for r in report.graded) == sorted(c.name for c in RUNNABLE)
    lines = (out / "gradebook.csv").read_text().splitlines()
    assert len(lines) == 1 + len(RUNNABLE)


def test_catalogue_is_large_enough():
    assert len(CASES) + len(ARCHIVE_CASES) >= 25


@pytest.mark.parametrize("case", CASES + ARCHIVE_CASES, ids=lambda c: c.name)
def test_case_outcome(case, graded):
    if case not in RUNNABLE:
        pytest.skip(f"needs the {case.needs!r} protection, not active here ({sorted(ACTIVE)})")
    out, _ = graded
    result = result_of(out, case.name)
    lesson = result.lessons[0]
    assert lesson.score == case.score, [(c.label, c.status, c.message) for c in lesson.checks]
    if case.message:
        messages = " ".join(c.message for c in lesson.checks) + lesson.problem
        assert case.message in messages
    for name in case.ignored:
        assert any(Path(f).name == name for f in result.ignored_files), result.ignored_files
    if case.note:
        assert any(case.note in note for note in lesson.notes), lesson.notes
    if case.outside:
        assert not Path(case.outside).exists()
    assert (out / case.name / "results.json").exists() and (out / case.name / "feedback.md").exists()


def test_controls_score_the_same_when_graded_alone(graded, tmp_path):
    out, _ = graded
    controls = [c for c in CASES if c.name.startswith("control_")]
    grade(build(tmp_path / "class", controls), tmp_path / "out")
    for case in controls:
        assert result_of(tmp_path / "out", case.name).score == result_of(out, case.name).score == case.score
