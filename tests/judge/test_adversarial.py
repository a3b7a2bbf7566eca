"""The adversarial catalogue (tests/adversarial/cases.py), graded in one batch by the real judge."""

import csv
import json
import os
from pathlib import Path

import pytest
from adversarial.build import build
from adversarial.cases import ARCHIVE_CASES, CASES, SECRET, SECRET_NAME
from adversarial.killer import WorkerKiller

from grader.judge import intake, sandbox
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions
from grader.results import submission_from_dict

ACTIVE = set(sandbox.probe_protections())
RUNNABLE = [case for case in CASES if case.needs is None or case.needs in ACTIVE] + ARCHIVE_CASES


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
    paths = build(root / "class", RUNNABLE)
    os.environ[SECRET_NAME] = SECRET     # what an instructor's shell or CI may hold
    try:
        with WorkerKiller() as killer:
            report = grade(paths, root / "out")
    finally:
        del os.environ[SECRET_NAME]
    from grader.writers.report import write_report
    write_report(root / "out")
    assert len(killer.killed) == 2 * sum(case.kill_worker for case in RUNNABLE)
    return root / "out", report


def written(out: Path) -> list[Path]:
    return [path for path in out.rglob("*") if path.is_file()]


def result_of(out: Path, student: str):
    return submission_from_dict(json.loads((out / student / "result.json").read_text())["result"])


def test_the_batch_completes_for_every_case(graded):
    out, report = graded
    assert sorted(r.student for r in report.graded) == sorted(c.name for c in RUNNABLE)
    lines = (out / "gradebook.csv").read_text().splitlines()
    assert len(lines) == 1 + len(RUNNABLE)


def test_lost_jobs_are_judge_errors_and_said_so(graded):
    out, report = graded
    lost = sorted(f"{c.name}/lesson03" for c in RUNNABLE if c.kill_worker)
    assert sorted(line.split(":")[0] for line in report.judge_errors) == lost
    assert json.loads((out / "summary.json").read_text())["judge_errors"] == len(lost)
    assert "Submissions the judge could not grade" in (out / "report.html").read_text()


def test_no_gradebook_cell_is_a_formula(graded):
    out, _ = graded
    rows = list(csv.reader((out / "gradebook.csv").open(newline="")))
    cells = [cell for row in rows for cell in row]
    assert "'=1+2+cmd|calc!A0" in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (
            cell.startswith("-") and not cell[1:].replace(".", "", 1).isdigit()), cell


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
    for text in case.absent:
        assert not [path for path in written(out) if text.encode() in path.read_bytes()], text
    if case.feedback:
        assert case.feedback in (out / case.name / "feedback.md").read_text()
    assert (out / case.name / "results.json").exists() and (out / case.name / "feedback.md").exists()


def test_controls_score_the_same_when_graded_alone(graded, tmp_path):
    out, _ = graded
    controls = [c for c in CASES if c.name.startswith("control_")]
    grade(build(tmp_path / "class", controls), tmp_path / "out")
    for case in controls:
        assert result_of(tmp_path / "out", case.name).score == result_of(out, case.name).score == case.score
