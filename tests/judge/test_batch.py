"""Batch grading end to end: outputs, formats, re-runs, notebooks, the command line."""

import csv
import json
import sqlite3
import subprocess
import sys

import nbformat
import pytest
from conftest import EXERCISES, PROJECT, SOLUTIONS

from grader.judge import intake
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions

LESSON = ("lesson03",)


def student(folder, name, source):
    target = folder / name / "exercises" / "lesson03" / "backprop.py"
    target.parent.mkdir(parents=True)
    target.write_text(source)


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    solution = (SOLUTIONS / "lesson03" / "backprop.py").read_text()
    student(folder, "ada", solution)
    student(folder, "linus", (EXERCISES / "lesson03" / "backprop.py").read_text())
    student(folder, "grace", solution.replace("(y_pred - y) ** 2", "(y_pred - y).abs()"))
    return folder


def run(folder, out, **kw):
    options = GradeOptions(out=out, lessons=LESSON, jobs=2, progress=False, seed=20261127, **kw)
    return grade_batch(intake.find_submissions([folder]), options)


def test_outputs_and_formats(klass, tmp_path):
    out = tmp_path / "out"
    report = run(klass, out)
    assert {r.student: r.score for r in report.graded} == {"ada": 10, "linus": 0, "grace": 5}

    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8-sig")))
    assert [r["student"] for r in rows] == ["ada", "grace", "linus"]
    assert rows[0]["lesson03"] == "10" and rows[0]["percent"] == "100" and rows[0]["status"] == "graded"
    assert rows[0]["lesson03 status"] == "graded" and rows[0]["grader_version"]
    assert "seed" not in rows[0]                      # the seed stays in grades.sqlite

    results = json.loads((out / "grace" / "results.json").read_text())
    assert set(results) >= {"score", "execution_time", "output", "tests"}
    assert results["score"] == 5
    for test in results["tests"]:
        assert set(test) == {"name", "number", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
    assert sum(t["max_score"] for t in results["tests"]) == 10

    feedback = (out / "grace" / "feedback.md").read_text()
    assert "squared_error" in feedback and "Hint:" in feedback

    summary = json.loads((out / "summary.json").read_text())
    assert summary["submissions"] == 3 and summary["graded"] == 3
    assert summary["pass_rates"]["lesson03.forward_gradients"] == pytest.approx(2 / 3, abs=1e-3)


def test_rerun_skips_unchanged_and_regrades_changed_or_lost(klass, tmp_path):
    out = tmp_path / "out"
    run(klass, out)
    again = run(klass, out)
    assert again.graded == [] and sorted(again.skipped) == ["ada", "grace", "linus"]

    with sqlite3.connect(out / "grades.sqlite") as db:   # as if the judge had been killed before recording ada
        db.execute("DELETE FROM checks WHERE attempt IN (SELECT id FROM attempts WHERE student = 'ada')")
        db.execute("DELETE FROM attempts WHERE student = 'ada'")
    source = klass / "grace" / "exercises" / "lesson03" / "backprop.py"
    source.write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text())
    third = run(klass, out)
    assert sorted(r.student for r in third.graded) == ["ada", "grace"]
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8-sig"))}
    assert len(rows) == 3 and rows["grace"]["total"] == "10"
    assert [r.student for r in run(klass, out, force=True).graded].__len__() == 3


def test_a_notebook_grades_like_the_module(tmp_path):
    cells = [nbformat.v4.new_markdown_cell("# Lesson 3"),
             nbformat.v4.new_code_cell("%matplotlib inline\n" + (SOLUTIONS / "lesson03" / "backprop.py").read_text())]
    folder = tmp_path / "nb" / "kim"
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "lesson03.ipynb")
    report = run(tmp_path / "nb", tmp_path / "out")
    assert [r.score for r in report.graded] == [10]


def test_a_failing_notebook_cell_is_named(tmp_path):
    cells = [nbformat.v4.new_code_cell("import torch"), nbformat.v4.new_code_cell("1 / 0")]
    folder = tmp_path / "nb" / "kim"
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "lesson03.ipynb")
    run(tmp_path / "nb", tmp_path / "out")
    feedback = (tmp_path / "out" / "kim" / "feedback.md").read_text()
    assert "code cell 2 raised ZeroDivisionError" in feedback


def cli(*args):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=PROJECT)


def test_cli_exit_codes(klass, tmp_path):
    done = cli("grade", str(klass), "--out", str(tmp_path / "out"), "--lessons", "3", "--jobs", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "sandbox:" in done.stdout and "ada" in done.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = cli("grade", str(empty), "--out", str(tmp_path / "o2"), "--lessons", "3")
    assert nothing.returncode == 2 and nothing.stderr.count("\n") == 1
    bad = cli("grade", str(klass), "--out", str(tmp_path / "o3"), "--lessons", "9")
    assert bad.returncode == 2 and "unknown lesson" in bad.stderr


def test_each_check_starts_without_the_objects_kept_for_the_last(tmp_path):
    """A lesson builds models by reference (Refs) in each check: begin_check lets them go, in the
    confined child as in-process, or a lesson's ResNets would pile up in memory."""
    import shutil

    import torch

    from grader.handle import LocalHandle, SubmissionError
    from grader.judge.jobs import Worker
    from grader.judge.remote import Budget, ProcessHandle

    source = tmp_path / "backprop.py"
    shutil.copy(SOLUTIONS / "lesson03" / "backprop.py", source)
    worker = Worker()
    worker.start(GradeOptions(out=tmp_path / "out", lessons=LESSON, jobs=1, progress=False))
    remote = ProcessHandle(worker.zygote, source, tmp_path, Budget(), project_root=PROJECT, data_dirs=[],
                           filename="backprop.py")
    try:
        for handle in (LocalHandle(source), remote):
            kept = handle.new(torch.ones(3))
            assert handle.fetch(kept).value.tolist() == [1.0, 1.0, 1.0]
            handle.begin_check()
            with pytest.raises(SubmissionError, match="unknown object"):
                handle.fetch(kept)
            assert handle.call("forward", torch.ones(2), torch.tensor(2.0)).value.tolist() == [2.0, 2.0]
    finally:
        remote.close()
        worker.release().close()


DRAWS = '''
import random

import numpy as np
import torch


def draw():
    return torch.rand(2), random.random(), float(np.random.rand())
'''


def test_seeds_and_releases_ride_with_the_next_request_and_a_dead_child_is_replaced(tmp_path):
    """The isolated handle sends seed and release_all with the check's next request, not on their
    own: the child is seeded and let go of its objects all the same, in order; a child that died
    after its last answer is seen at the next check's start, which then gets a fresh process."""
    import os
    import signal
    import time

    import torch

    from grader.handle import LocalHandle, SubmissionError
    from grader.judge.jobs import Worker
    from grader.judge.remote import Budget, ProcessHandle

    source = tmp_path / "draws.py"
    source.write_text(DRAWS)
    worker = Worker()
    worker.start(GradeOptions(out=tmp_path / "out", lessons=LESSON, jobs=1, progress=False))
    remote = ProcessHandle(worker.zygote, source, tmp_path, Budget(), project_root=PROJECT, data_dirs=[],
                           filename="draws.py")
    try:
        draws = {}
        for name, handle in (("local", LocalHandle(source)), ("remote", remote)):
            handle.seed(5)
            kept = handle.new(torch.ones(1))
            handle.seed(11)                          # the later seed wins: both ride, in order
            first = handle.call("draw")
            handle.begin_check()
            handle.seed(11)
            with pytest.raises(SubmissionError, match="unknown object"):
                handle.fetch(kept)                   # released before the fetch, seeded too
            second = handle.call("draw")
            draws[name] = [(d[0].value.tolist(), d[1], d[2]) for d in (first, second)]
        assert draws["remote"] == draws["local"]
        assert draws["local"][0] == draws["local"][1]    # seeded with 11 last, each time

        first_pid = remote.pid
        remote.new(torch.ones(1))
        os.kill(first_pid, signal.SIGKILL)           # dies after its answer, between two checks
        deadline = time.monotonic() + 10
        while not remote._hung_up() and time.monotonic() < deadline:
            time.sleep(0.01)
        remote.begin_check()
        remote.seed(11)
        again = remote.call("draw")
        assert remote.pid != first_pid and remote.respawns == 1
        assert (again[0].value.tolist(), again[1], again[2]) == draws["local"][0]
    finally:
        remote.close()
        worker.release().close()
