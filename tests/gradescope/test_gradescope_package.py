"""The Gradescope autograder, for real: `grader gradescope` builds the zip, it is unpacked in a
temporary folder laid out as Gradescope's /autograder, setup.sh installs the grader from the
zip's own wheel (offline: torch comes from this environment), and run_autograder grades a correct,
a wrong, a notebook and an MNIST submission into results.json."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from grader.authoring.demo import lesson_notebook_text, lesson_source
from grader.checks import load_lesson
from grader.cli import main

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
LESSONS = ("lesson01", "lesson03", "lesson05")
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}
COURSE = """
[lessons.lesson03]
due = "2026-12-01T23:59:00+07:00"
visibility = "after_due_date"
[late]
penalty_per_day = 0.10
"""
ON_TIME, TWO_DAYS_LATE = "2026-12-01T10:00:00.123456+07:00", "2026-12-03T20:00:00.000000+07:00"


def reference(lesson_id: str) -> str:
    return (PROJECT / "solutions" / lesson_id / load_lesson(lesson_id).filename).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The zip built by the CLI, unpacked as Gradescope does, with setup.sh's grader step run offline."""
    folder = tmp_path_factory.mktemp("gradescope")
    (folder / "course.toml").write_text(COURSE, encoding="utf-8")
    assert main(["gradescope", "--out", str(folder / "autograder.zip"), "--lessons", "1,3,5",
                 "--course", str(folder / "course.toml")]) == 0
    source = folder / "source"
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        names = archive.namelist()
        archive.extractall(source)
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "autograder.json", "course.toml"} <= set(names)
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert sorted(n for n in names if n.startswith("data/")) == sorted(
        f"data/MNIST/raw/{n}" for n in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
    assert [n for n in names if n.startswith("solutions/")] == [
        f"solutions/{lesson}/{load_lesson(lesson).filename}" for lesson in LESSONS]
    setup = (source / "setup.sh").read_text(encoding="utf-8")
    assert "download.pytorch.org/whl/cpu" in setup and "$" not in setup.split("torch==")[1].split('"')[0]

    venv = source / "venv"
    subprocess.run([str(Path(sys.base_prefix) / "bin" / "python3"), "-m", "venv", str(venv)], check=True)
    # torch and the grader's other dependencies: this environment's, so nothing is downloaded. It
    # becomes the venv's system site-packages (what --system-site-packages does for the base
    # interpreter): on sys.path after the venv's own, and among the prefixes the sandbox lets read.
    purelib = sysconfig.get_paths()["purelib"]
    venv_lib = next((venv / "lib").glob("python3*/site-packages"))
    (venv_lib / "host_dependencies.pth").write_text(
        f"import site, sys; site.PREFIXES.append({sys.prefix!r}); sys.path.append({purelib!r})\n", encoding="utf-8")
    subprocess.run(["bash", str(source / "setup.sh"), "grader"], check=True, cwd=source, timeout=600,
                   env={**os.environ, "GRADER_VENV": str(venv), "GRADER_PIP_ARGS": "--no-index --no-deps"})
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, check=True, cwd=folder).stdout.strip()
    assert Path(where).is_relative_to(venv_lib), where     # the wheel's grader, not this checkout's
    assert (source / "data" / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file()   # unpacked once, by setup.sh
    return source


def run_autograder(source: Path, root: Path, files: dict[str, str], *, created_at: str,
                   previous: list | None = None) -> dict:
    """Lay out `root` as Gradescope does, run run_autograder there and return results.json."""
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "source").symlink_to(source)
    for name, text in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": created_at, "submission_method": "upload",
        "assignment": {"due_date": "2026-12-01T23:59:00.000000+07:00", "title": "PyTorch course"},
        "users": [{"email": "ada@example.com", "id": 7, "name": "Ada"}],
        "previous_submissions": previous or []}), encoding="utf-8")
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, capture_output=True,
                          text=True, timeout=900, env={**os.environ, "GRADESCOPE_ROOT": str(root)})
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_format(results)
    return results


def assert_gradescope_format(results: dict) -> None:
    """The fields and types of Gradescope's results.json specification."""
    assert isinstance(results["score"], (int, float)) and isinstance(results["execution_time"], (int, float))
    assert isinstance(results["output"], str) and isinstance(results["tests"], list)
    for test in results["tests"]:
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITIES
        assert 0 <= test["score"] <= test["max_score"]
    for entry in results.get("leaderboard", []):
        assert set(entry) == {"name", "value", "order"} and entry["order"] in ("asc", "desc")
        assert isinstance(entry["value"], (int, float))


def lesson_tests(results: dict, lesson: str) -> list[dict]:
    return [t for t in results["tests"] if t["name"].startswith(lesson + " ")]


def points(tests: list[dict]) -> tuple[float, float]:
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


def test_a_correct_upload_gets_every_point_with_the_exam_lessons_tests_shown_after_the_due_date(source, tmp_path):
    files = {load_lesson(lesson).filename: reference(lesson) for lesson in ("lesson01", "lesson03")}
    results = run_autograder(source, tmp_path / "correct", files, created_at=ON_TIME)
    for lesson, visibility in (("lesson01", "visible"), ("lesson03", "after_due_date")):
        tests = lesson_tests(results, lesson)
        score, max_score = points(tests)
        assert tests and score == max_score > 0
        assert {t["visibility"] for t in tests} == {visibility}
    assert points(lesson_tests(results, "lesson05"))[0] == 0        # not handed in
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert "lesson05" in results["output"] and "leaderboard" not in results
    assert results["extra_data"]["lessons"]["lesson03"]["status"] == "graded"


def test_a_wrong_late_repository_loses_points_and_an_earlier_lesson_still_counts(source, tmp_path):
    earlier = run_autograder(source, tmp_path / "first", {"tensors.py": reference("lesson01")}, created_at=ON_TIME)
    lesson01 = points(lesson_tests(earlier, "lesson01"))[0]
    assert lesson01 > 0
    files = {"README.md": "my repository\n",
             "exercises/lesson03/backprop.py": lesson_source("lesson03", "mistake_abs_error")}
    previous = [{"submission_time": ON_TIME, "score": earlier["score"], "results": earlier}]
    results = run_autograder(source, tmp_path / "wrong", files, created_at=TWO_DAYS_LATE, previous=previous)
    tests = lesson_tests(results, "lesson03")
    raw, max_score = points(tests)
    assert 0 < raw < max_score
    assert any(t["status"] == "failed" and t["output"] for t in tests)
    assert results["extra_data"]["lessons"]["lesson03"]["status"] == "late"
    assert "late" in results["output"] and "20" in results["output"]
    # lesson03: its raw points less 20 % (two started days); lesson01 is missing here, the earlier one counts
    assert results["score"] == pytest.approx(round(raw * 0.8, 2) + lesson01)
    assert "lesson01" in results["output"] and ON_TIME[:10] in results["output"]


def test_a_notebook_upload_is_graded_like_the_module(source, tmp_path):
    results = run_autograder(source, tmp_path / "notebook",
                             {"lesson03.ipynb": lesson_notebook_text("lesson03", "solution")}, created_at=ON_TIME)
    score, max_score = points(lesson_tests(results, "lesson03"))
    assert score == max_score > 0
    assert "lesson03.ipynb" in results["output"]


SNOOPING = """
import importlib.util
from pathlib import Path

SOURCE = Path({source!r})
seen = []
for path in (SOURCE / "autograder.json", SOURCE / "solutions" / "lesson03" / "backprop.py"):
    try:
        seen.append(path.read_text())
    except OSError as exc:
        seen.append(None)
        blocked = exc
if seen[1] is not None:       # the reference itself, answering for the student
    spec = importlib.util.spec_from_file_location("the_reference", SOURCE / "solutions" / "lesson03" / "backprop.py")
    the_reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(the_reference)
    forward, squared_error, backprop_step = (the_reference.forward, the_reference.squared_error,
                                             the_reference.backprop_step)
else:
    def forward(x, w):
        raise RuntimeError(f"could not read the autograder's files: {{blocked}} {{seen[0]}}")
    squared_error = backprop_step = forward
if seen[0] is not None:
    raise RuntimeError("the autograder's settings: " + seen[0])
"""


def test_a_submission_can_read_neither_the_seed_nor_the_reference_in_the_autograders_folder(source, tmp_path):
    """On Gradescope the student's code runs in the autograder's own container: the confined child
    must not read /autograder/source (the official inputs' seed, the reference solutions)."""
    seed = json.loads((source / "autograder.json").read_text(encoding="utf-8"))["seed"]
    root = tmp_path / "snooping"
    results = run_autograder(source, root, {"backprop.py": SNOOPING.format(source=str(root / "source"))},
                             created_at=ON_TIME)
    score, max_score = points(lesson_tests(results, "lesson03"))
    assert max_score > 0 and score == 0
    assert str(seed) not in json.dumps(results)
    assert "could not read the autograder's files" in json.dumps(results)


def test_an_mnist_submission_puts_its_trained_model_and_checkpoint_on_the_leaderboard(source, tmp_path):
    import io

    import torch

    torch.manual_seed(0)
    checkpoint = io.BytesIO()
    torch.save(torch.nn.Linear(28 * 28, 10).state_dict(), checkpoint)    # untrained: about 10 %
    files = {"lesson05/logistic_regression.py": reference("lesson05"),
             "lesson05/logistic_regression_model.ckpt": checkpoint.getvalue()}
    results = run_autograder(source, tmp_path / "mnist", files, created_at=ON_TIME)
    board = {entry["name"]: entry for entry in results["leaderboard"]}
    trained = board["lesson05 trained model accuracy (%)"]
    untrained = board["lesson05 logistic_regression_model.ckpt accuracy (%)"]
    assert trained["order"] == untrained["order"] == "desc"
    assert 85 < trained["value"] <= 100 and 0 < untrained["value"] < 30
    assert f"{untrained['value'] / 100:.4f}"[:5] in results["output"]    # the feedback line says the same


def test_the_batch_judge_writes_the_same_leaderboard_to_leaderboard_csv_and_report_html(tmp_path):
    """`grader grade` on two students' lesson 5: the accuracies the judge measured, ranked."""
    import io

    import torch

    for student, seed in (("ada", 0), ("grace", 1)):
        folder = tmp_path / "class" / student / "lesson05"
        folder.mkdir(parents=True)
        folder.joinpath("logistic_regression.py").write_text(reference("lesson05"), encoding="utf-8")
        torch.manual_seed(seed)
        checkpoint = io.BytesIO()
        torch.save(torch.nn.Linear(28 * 28, 10).state_dict(), checkpoint)
        folder.joinpath("logistic_regression_model.ckpt").write_bytes(checkpoint.getvalue())
    out = tmp_path / "graded"
    assert main(["grade", str(tmp_path / "class"), "--out", str(out), "--lessons", "5", "--jobs", "2",
                 "--quiet", "--device", "cpu"]) == 0
    with (out / "leaderboard.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["lesson"], r["model"]) for r in rows} == {("lesson05", "trained model"),
                                                        ("lesson05", "logistic_regression_model.ckpt")}
    assert all(r["student"].startswith("student-") for r in rows) and len(rows) == 4
    trained = [float(r["accuracy"]) for r in rows if r["model"] == "trained model"]
    assert trained == sorted(trained, reverse=True) and all(85 < a <= 100 for a in trained)
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="leaderboard">'):]
    assert all(f"{a:.2f}%" in section for a in trained)
    for student in ("ada", "grace"):
        results = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        assert {e["name"] for e in results["leaderboard"]} == {
            "lesson05 trained model accuracy (%)", "lesson05 logistic_regression_model.ckpt accuracy (%)"}
