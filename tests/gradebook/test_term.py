"""A term with the real judge: lessons graded in separate runs accumulate, a late student graded
alone joins the full gradebook with the course file's penalty (from a real git repository's
commit date), and two `grader grade` runs on one folder at once both land."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
from conftest import EXERCISES, PROJECT, SOLUTIONS

from grader.gradebook.history import history_lines
from grader.judge import intake
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions

pytestmark = pytest.mark.slow
SEED = 424242


def write(root, lesson, module, text):
    target = root / "exercises" / lesson / module
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def solution(lesson, module):
    return (SOLUTIONS / lesson / module).read_text()


def rows(out):
    with open(out / "gradebook.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def grade(paths, out, lessons, **kw):
    options = GradeOptions(out=out, lessons=lessons, jobs=2, progress=False, seed=SEED, device="cpu", **kw)
    return grade_batch(intake.find_submissions(paths), options)


def commit(repo, when: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when, GIT_AUTHOR_NAME="s",
               GIT_AUTHOR_EMAIL="s@example.edu", GIT_COMMITTER_NAME="s", GIT_COMMITTER_EMAIL="s@example.edu")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "work"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_a_term_of_runs_into_one_folder(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    write(klass / "ada", "lesson03", "backprop.py", solution("lesson03", "backprop.py"))
    write(klass / "ada", "lesson01", "tensors.py", solution("lesson01", "tensors.py"))
    write(klass / "linus", "lesson03", "backprop.py", (EXERCISES / "lesson03" / "backprop.py").read_text())

    grade([klass], out, ("lesson03",))                 # week 1
    grade([klass], out, ("lesson01",))                 # week 2
    book = rows(out)
    assert sorted(book) == ["ada", "linus"]
    assert book["ada"]["lesson03"] == "10" and book["ada"]["lesson01 status"] == "graded"
    assert book["linus"]["lesson03 status"] == "graded" and book["linus"]["lesson01 status"] == "missing"

    # zoe hands lesson 3 in late, as a Classroom repository: 2 days 3 hours after the deadline
    zoe = tmp_path / "late" / "zoe"
    write(zoe, "lesson03", "backprop.py", solution("lesson03", "backprop.py"))
    commit(zoe, "2026-12-04T02:59:00+07:00")
    course = tmp_path / "course.toml"
    course.write_text('[lessons.lesson03]\ndue = "2026-12-01T23:59:00+07:00"\n'
                      "[late]\ngrace_minutes = 15\npenalty_per_day = 0.10\nmax_days_late = 7\n")
    alone = grade([zoe], out, ("lesson03",), course=course)
    assert [r.student for r in alone.graded] == ["zoe"]
    book = rows(out)
    assert sorted(book) == ["ada", "linus", "zoe"]                # the late student joined everyone
    assert book["ada"]["lesson03"] == "10" and book["ada"]["percent"] == "100"
    assert book["zoe"]["lesson03 before penalty"] == "10" and book["zoe"]["lesson03 penalty"] == "30%"
    assert book["zoe"]["lesson03"] == "7" and book["zoe"]["lesson03 status"] == "late"
    assert book["zoe"]["lesson01 status"] == "missing"
    assert book["zoe"]["lesson03 submitted"] == "2026-12-04T02:59:00+07:00 (git)"
    feedback = (out / "zoe" / "feedback.md").read_text()
    assert "submitted 2 days 3 hours late: −30 %" in feedback
    [line] = history_lines(out, "zoe")
    assert "(git)" in line and "2026-12-04T02:59:00+07:00" in line and "late" in line


def test_two_runs_on_one_folder_at_once_both_land(tmp_path):
    out = tmp_path / "out"
    for section, names in (("sec1", ("ada", "bob")), ("sec2", ("cy", "dee"))):
        for name in names:
            write(tmp_path / section / name, "lesson03", "backprop.py", solution("lesson03", "backprop.py"))
    (tmp_path / "sec2" / "carol.rar").write_bytes(b"Rar!\x1a\x07\x00")
    write(tmp_path / "sec1" / "eve", "lesson03", "backprop.py", "def forward(:\n")
    runs = [subprocess.Popen([sys.executable, "-m", "grader", "grade", str(tmp_path / section), "--out", str(out),
                              "--lessons", "3", "--jobs", "1", "--seed", str(SEED), "--device", "cpu"],
                             cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for section in ("sec1", "sec2")]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    book = rows(out)
    assert sorted(book) == ["ada", "bob", "carol", "cy", "dee", "eve"]
    assert book["eve"]["lesson03 status"] == "not importable"
    assert (out / "eve" / "feedback.md").read_text().count("could not be imported") == 1   # said once
    assert all(book[s]["lesson03"] == "10" for s in ("ada", "bob", "cy", "dee"))
    assert book["carol"]["lesson03 status"] == "refused"
    assert ".rar archives cannot be read" in (out / "carol" / "feedback.md").read_text()
    sec2 = outputs[1][0]
    assert "carol" in sec2 and "needs attention" in sec2           # said per student, and again at the end
