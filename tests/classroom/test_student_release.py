"""A released template driven as a student would (issue 12): work done only in the notebook, a
crash-type mistake, no MNIST, MNIST bundled, a tampered check — through `pytest` and `grader
classroom` in the template itself, with the answers recorded at release (no solutions there)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from catalogue import variant
from conftest import SOLUTIONS
from test_classroom import validate_result

from grader import data
from grader.authoring.lesson_notebooks import lesson_notebook
from grader.classroom import seal
from grader.classroom.release import release

PYTHON = sys.executable
REBINDS_THEN_ZEROES = variant("lesson03", "mistake_rebinds_then_zeroes")   # w.grad is None


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    out = tmp_path_factory.mktemp("student-release") / "template"
    release(out, lessons=["lesson03", "lesson05"], catalogue=False)
    return out


def student_copy(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root)
    return root


def env_for(root: Path, tmp_path: Path) -> dict:
    """The student's machine: no project MNIST, no shared copy, no download; the released package."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "GRADER_SOLUTIONS", "GITHUB_OUTPUT", "GRADER_DATA", "GRADER_ALLOW_DOWNLOAD")}
    return {**env, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1",
            "GRADER_SHARED_DATA": str(tmp_path / "no-shared-copy")}


def run(root, tmp_path, *args, timeout=900):
    return subprocess.run([PYTHON, *args], cwd=root, env=env_for(root, tmp_path), capture_output=True, text=True,
                          timeout=timeout)


def classroom(root, tmp_path, lesson):
    done = run(root, tmp_path, "-m", "grader.classroom", lesson)
    result = json.loads(done.stdout)
    validate_result(result, modified=any(t["name"] == "grading files modified" for t in result["tests"]))
    return result, done.stderr


def points(result) -> int:
    return sum(t["score"] for t in result["tests"])


def test_work_done_only_in_the_notebook_counts_everywhere_and_is_named(template, tmp_path):
    root = student_copy(template, tmp_path)
    nbformat.write(lesson_notebook(SOLUTIONS / "lesson03" / "backprop.py", "en", solved=True),
                   root / "exercises" / "lesson03" / "lesson03.ipynb")
    done = run(root, tmp_path, "-m", "pytest", "exercises/lesson03")
    assert "Graded lesson03.ipynb, the file you changed" in done.stdout and "(100%)" in done.stdout, done.stdout
    result, log = classroom(root, tmp_path, "lesson03")
    assert points(result) == result["max_score"] == 10, result
    assert "Graded lesson03.ipynb" in log
    assert {t["filename"] for t in result["tests"]} == {"exercises/lesson03/lesson03.ipynb"}


def test_a_crash_type_mistake_is_explained_once_per_todo(template, tmp_path):
    root = student_copy(template, tmp_path)
    REBINDS_THEN_ZEROES.build(SOLUTIONS / "lesson03" / "backprop.py", root / "exercises" / "lesson03")
    text = run(root, tmp_path, "-m", "pytest", "exercises/lesson03").stdout
    # the full explanation once for the TODO (pytest's one-line summary repeats each message, cut to
    # the terminal's width, so only the failures section is counted)
    failures = text.split("short test summary info")[0]
    assert failures.count("Likely cause: w.grad is None") == 1, text
    assert "Fix: update the tensor you were given in place" in text
    assert text.count(": w.grad is None, as in backprop_step_returns_loss") >= 3     # the others name it
    result, _ = classroom(root, tmp_path, "lesson03")
    assert points(result) == 4           # forward and squared_error still count
    assert any("Likely cause: w.grad is None" in t["message"] for t in result["tests"])


def test_without_mnist_one_setup_message_and_the_checks_that_need_it_are_skipped(template, tmp_path):
    root = student_copy(template, tmp_path)
    assert not (root / "datasets").exists()
    done = run(root, tmp_path, "-m", "pytest", "exercises/lesson05")
    out = done.stdout
    assert out.count("MNIST is missing") == 1 and "-m grader.data" in out, out
    assert str(data.raw_dir(root / "datasets")) in out            # where it looked
    assert "grader error" not in out and "instructor" not in out and "INTERNALERROR" not in out
    result, log = classroom(root, tmp_path, "lesson05")
    assert result["status"] != "error" and "MNIST is missing" in log
    assert all(t["status"] != "error" for t in result["tests"])


def test_release_with_mnist_bundles_the_four_archives(tmp_path):
    out = tmp_path / "bundled"
    release(out, lessons=["lesson05"], catalogue=False, with_mnist=True, git=True)
    raw = data.raw_dir(out / "datasets")
    assert sorted(p.name for p in raw.iterdir()) == sorted(data.MNIST_FILES)
    assert not data.problems_in(raw)
    assert "nothing to download" in (out / "README.md").read_text()
    assert "Get MNIST" not in (out / ".github" / "workflows" / "classroom.yml").read_text()
    committed = subprocess.run(["git", "ls-files", "datasets"], cwd=out, capture_output=True, text=True).stdout
    assert sorted(Path(f).name for f in committed.split()) == sorted(data.MNIST_FILES)   # in the template's commit
    env = env_for(out, tmp_path)
    done = subprocess.run([PYTHON, "-m", "pytest", "exercises/lesson05", "-k", "make_loaders"], cwd=out, env=env,
                          capture_output=True, text=True, timeout=900)
    assert "MNIST is missing" not in done.stdout and "skipped: no data" not in done.stdout, done.stdout


def test_a_tampered_check_scores_nothing_even_with_the_manifest_rewritten(template, tmp_path):
    root = student_copy(template, tmp_path)
    checks = root / "grader" / "checks" / "lesson03.py"
    checks.write_text(re.sub(r"(def \w+\(t: Trial\):\n    \"\"\".*?\"\"\"\n)", r"\1    return\n", checks.read_text(),
                             flags=re.S))
    manifest_path = root / "grader" / "answers" / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text())
    from grader.classroom.integrity import file_digest
    manifest["files"]["grader/checks/lesson03.py"] = file_digest(checks)     # the hashes rewritten to match
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    result, log = classroom(root, tmp_path, "lesson03")
    assert points(result) == 0 and result["max_score"] == 10
    last = result["tests"][-1]
    assert last["name"] == "grading files modified" and f"{seal.SEAL_MODULE} (" in last["message"], last
    assert all("not counted" in t["message"] for t in result["tests"][:-1])
    assert "with them this check said pass" in result["tests"][0]["message"]   # the early return "passes"
    verify = run(root, tmp_path, "-m", "grader.classroom", "--verify", "--strict")
    assert verify.returncode == 1 and "does not match the digest recorded in" in verify.stdout


def test_an_untouched_release_is_sealed_and_verifies(template):
    manifest = (template / "grader" / "answers" / "MANIFEST.json").read_bytes()
    import hashlib
    digest = hashlib.sha256(manifest).hexdigest()
    assert seal.sealed(template) == {seal.SEAL_MODULE: digest, seal.WORKFLOW: digest}
    stubs = json.loads((template / "grader" / "answers" / "stubs.json").read_text())
    assert set(stubs) == {"lesson03", "lesson05"} and all(len(v) == 2 for v in stubs.values())
