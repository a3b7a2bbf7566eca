"""`grader release`: the student template holds no solution, grades with the recorded reference
(full marks with the solutions copied in, zero without errors as released), and its workflow's
shell steps run here, step by step, into results the Classroom reporter reads."""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT, SOLUTIONS
from test_classroom import decode_runner, reporter_numbers, validate_result

from grader.authoring.stubs import parse_todos
from grader.checks import LESSON_IDS, load_lesson
from grader.classroom.generated import REPORTER_REF, workflow_text
from grader.classroom.release import release

LESSONS = ["lesson03", "lesson08"]       # fast ones; `grader release` with no --lessons takes all
PYTHON = sys.executable


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "template"
    report = release(out, lessons=LESSONS, git=True)
    return out, report


@pytest.fixture(scope="module")
def with_solutions(released, tmp_path_factory):
    out, _ = released
    copy = tmp_path_factory.mktemp("solved") / "template"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns(".git"))
    for lesson_id in LESSONS:
        lesson = load_lesson(lesson_id)
        shutil.copy(SOLUTIONS / lesson_id / lesson.filename, copy / "exercises" / lesson_id / lesson.filename)
    return copy


def released_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts)


def env_for(root: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_SOLUTIONS", "GITHUB_OUTPUT")}
    return {**env, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1", **extra}


# ---------------------------------------------------------------- what is in the tree


def test_tree_holds_the_template_and_nothing_else(released):
    out, report = released
    top = sorted(p.name for p in out.iterdir())
    assert top == [".git", ".gitattributes", ".github", ".gitignore", "README.md", "exercises", "grader",
                   "pyproject.toml"]
    names = {p.relative_to(out).as_posix() for p in released_files(out)}
    for lesson_id in LESSONS:
        module = load_lesson(lesson_id).filename
        assert {f"exercises/{lesson_id}/{module}", f"exercises/{lesson_id}/test_{lesson_id}.py",
                f"grader/answers/{lesson_id}.json.gz", f"grader/answers/{lesson_id}.bin",
                f"grader/checks/{lesson_id}.py"} <= names
    assert {".github/workflows/classroom.yml", "grader/answers/MANIFEST.json", "grader/pytest_plugin.py",
            "grader/classroom/__main__.py", "grader/classroom/command.py", "grader/classroom/integrity.py",
            "grader/classroom/recorded.py", "grader/classroom/reporter_result.py"} <= names
    release_side = ("release", "packaging", "recording", "leaks", "generated", "errors")
    for absent in (*(f"grader/classroom/{m}.py" for m in release_side), "grader/cli.py", "grader/authoring/stubs.py",
                   "grader/authoring/demo.py"):
        assert absent not in names
    assert not any(n.startswith(("grader/judge/", "grader/classroom/templates/", "solutions/", "tests/"))
                   for n in names)
    unreleased = [lid for lid in LESSON_IDS if lid not in LESSONS]
    assert not any(f"exercises/{lid}/" in n or f"answers/{lid}." in n for lid in unreleased for n in names)
    assert sorted(names) == report.files


def _solution_bodies():
    """Every lesson's TODO bodies (released or not), as their significant lines."""
    bodies = {}
    for path in sorted(SOLUTIONS.glob("lesson*/*.py")):
        for todo in parse_todos(path.read_text(encoding="utf-8"), str(path)):
            lines = [line.strip() for line in todo.body]
            bodies[f"{path.name} {todo.name}"] = [lid for lid in lines if len(lid) >= 12 and not lid.startswith("#")]
    return bodies


def _text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", errors="replace")


def test_no_solution_line_in_any_released_file(released):
    out, _ = released
    bodies = _solution_bodies()
    # lines the grader's own public code also has (a probe saving a model, a hint quoting a call)
    # are not evidence of a leak one by one; a whole body in a row, or any other line, is
    public = {line.strip() for path in (PROJECT / "grader").rglob("*.py") for line in path.read_text().splitlines()}
    lines = {line: where for where, body in bodies.items() for line in body if line not in public}
    assert len(lines) > 20, "the scan would not find much: check the solutions are there"
    whole = {where: body for where, body in bodies.items() if len(body) >= 2}
    solution_bytes = {p.read_bytes() for p in SOLUTIONS.rglob("*.py")} | \
        {p.read_bytes() for p in (PROJECT / "tests" / "catalogue").rglob("*.py")}
    found = []
    for path in released_files(out):
        assert path.read_bytes() not in solution_bytes, path
        text = [line.strip() for line in _text(path).splitlines()]
        found += [f"{path.relative_to(out)}:{n} {lines[line]}" for n, line in enumerate(text, 1) if line in lines]
        code = [line for line in text if line]
        found += [f"{path.relative_to(out)} {where}" for where, body in whole.items()
                  if any(code[i:i + len(body)] == body for i in range(len(code) - len(body) + 1))]
    assert not found


def test_history_is_the_release_commit_only(released):
    out, _ = released
    git = lambda *a: subprocess.run(["git", *a], cwd=out, capture_output=True, text=True, check=True).stdout
    assert git("rev-list", "--all", "--count").strip() == "1"
    assert git("status", "--porcelain") == ""
    tracked = sorted(git("ls-files").split())
    assert tracked == [p.relative_to(out).as_posix() for p in released_files(out)]


# ---------------------------------------------------------------- grading the released tree


def pytest_in(root: Path, *args):
    return subprocess.run([PYTHON, "-m", "pytest", "exercises", "-p", "no:cacheprovider", *args], cwd=root,
                          env=env_for(root), capture_output=True, text=True, timeout=900)


def test_as_released_every_check_reads_not_started(released):
    out, _ = released
    run = pytest_in(out)
    assert run.returncode == 1, run.stdout[-3000:]
    assert re.search(r"total\s+0 / 10\s", run.stdout) and re.search(r"total\s+0 / 26\s", run.stdout)
    assert "grader error" not in run.stdout and "Traceback" not in run.stdout
    assert " not started in " in run.stdout.splitlines()[-1] and "failed" not in run.stdout.splitlines()[-1]


def test_with_the_solutions_copied_in_every_check_passes(with_solutions):
    run = pytest_in(with_solutions)
    assert run.returncode == 0, run.stdout[-3000:]
    assert re.search(r"total\s+10 / 10\s+\(100%\)", run.stdout)
    assert re.search(r"total\s+26 / 26\s+\(100%\)", run.stdout)


def test_a_mistake_nobody_catalogued_fails_with_a_message_not_an_error(with_solutions, tmp_path):
    root = tmp_path / "template"
    shutil.copytree(with_solutions, root)
    module = root / "exercises" / "lesson03" / "backprop.py"
    module.write_text(module.read_text().replace("    return x * w\n", "    return x * w + 1\n"))
    run = subprocess.run([PYTHON, "-m", "grader.classroom", "classroom", "lesson03"], cwd=root,
                         env=env_for(root), capture_output=True, text=True, timeout=600)
    result = json.loads(run.stdout)
    validate_result(result)
    forward = result["tests"][0]
    assert forward["status"] == "fail" and "has the wrong values" in forward["message"], forward
    assert result["status"] == "fail" and not any(t["status"] == "error" for t in result["tests"])


def test_classroom_json_in_the_released_tree(released, with_solutions):
    out, _ = released
    for root, points in ((out, 0), (with_solutions, 10)):
        run = subprocess.run([PYTHON, "-m", "grader.classroom", "classroom", "lesson03"], cwd=root,
                             env=env_for(root), capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        validate_result(result)
        assert result["max_score"] == 10 and sum(t["score"] for t in result["tests"]) == points
        assert result["status"] == ("pass" if points else "fail")
        assert "recorded reference answers" in run.stderr


def test_another_seed_is_an_error_that_says_why(with_solutions):
    run = subprocess.run([PYTHON, "-m", "grader.classroom", "lesson03", "--seed", "7"], cwd=with_solutions,
                         env=env_for(with_solutions), capture_output=True, text=True, timeout=600)
    result = json.loads(run.stdout)
    validate_result(result)
    compared = [t for t in result["tests"] if "matches_reference" in t["name"]]
    assert compared and all(t["status"] == "error" and "not recorded at release" in t["message"] for t in compared)
    assert any(t["status"] == "pass" and "gradients" in t["name"] for t in result["tests"])   # gradcheck: live


def test_modified_grading_files_show_in_the_result(with_solutions, tmp_path):
    root = tmp_path / "template"
    shutil.copytree(with_solutions, root)
    with open(root / "grader" / "expect.py", "a") as handle:
        handle.write("\n# made lenient\n")
    (root / ".github" / "workflows" / "classroom.yml").write_text("name: nothing\n")
    verify = subprocess.run([PYTHON, "-m", "grader.classroom", "--verify", "--strict"], cwd=root, env=env_for(root),
                            capture_output=True, text=True, timeout=300)
    assert verify.returncode == 1 and "grader/expect.py was changed" in verify.stdout
    run = subprocess.run([PYTHON, "-m", "grader.classroom", "lesson03"], cwd=root, env=env_for(root),
                         capture_output=True, text=True, timeout=600)
    result = json.loads(run.stdout)
    validate_result(result, modified=True)
    last = result["tests"][-1]
    assert last["name"] == "grading files modified" and last["status"] == "fail" and last["score"] == 0
    assert "grader/expect.py was changed" in last["message"] and ".github/workflows/classroom.yml" in last["message"]
    assert result["max_score"] == 10 and result["status"] == "fail"
    assert sum(t["score"] for t in result["tests"]) == 0          # the checks still ran: their outcome is said
    assert all("this check said pass" in t["message"] for t in result["tests"][:-1])


def test_a_solutions_folder_added_later_is_not_the_reference(released, tmp_path):
    root = tmp_path / "template"
    shutil.copytree(released[0], root, ignore=shutil.ignore_patterns(".git"))
    wrong = (SOLUTIONS / "lesson03" / "backprop.py").read_text().replace("    return x * w\n", "    return x + w\n")
    (root / "solutions" / "lesson03").mkdir(parents=True)
    for target in (root / "solutions" / "lesson03" / "backprop.py", root / "exercises" / "lesson03" / "backprop.py"):
        target.write_text(wrong)
    run = subprocess.run([PYTHON, "-m", "grader.classroom", "lesson03"], cwd=root, env=env_for(root),
                         capture_output=True, text=True, timeout=600)
    result = json.loads(run.stdout)
    assert result["tests"][0]["status"] == "fail" and "recorded reference answers" in run.stderr


# ---------------------------------------------------------------- the workflow


def _steps(root: Path) -> list[dict]:
    workflow = yaml.safe_load((root / ".github" / "workflows" / "classroom.yml").read_text())
    assert workflow["name"] == "Autograding Tests"
    assert workflow["on"] == ["push", "repository_dispatch", "workflow_dispatch"]
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest" and "github-classroom[bot]" in job["if"]
    return job["steps"]


def test_workflow_pins_actions_and_installs_cpu_torch(released):
    out, _ = released
    steps = _steps(out)
    uses = [s["uses"] for s in steps if "uses" in s]
    pinned = [u for u in uses if re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u)]
    assert pinned == uses and len(pinned) == 3            # checkout, setup-python, the reporter: all by SHA
    assert uses[-1] == f"classroom-resources/autograding-grading-reporter@{REPORTER_REF}"
    text = (out / ".github" / "workflows" / "classroom.yml").read_text()
    assert "# v7.0.1" in text and "# v7.0.0" in text           # checkout, setup-python: current majors (Node 24)
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert "--index-url https://download.pytorch.org/whl/cpu" in install and re.search(r'"torch==[\d.]+"', install)
    lesson_steps = [s for s in steps if s.get("id") in LESSONS]
    assert [s["id"] for s in lesson_steps] == LESSONS
    for step in lesson_steps:     # runs after an earlier failure, and always writes a result
        command, fallback = step["run"].split(" || ")
        assert command == f"grader classroom {step['id']} --timeout 540 --github-output"
        assert step["if"] == "${{ !cancelled() }}" and step["timeout-minutes"] == 10
        encoded = re.fullmatch(r'echo "result=([A-Za-z0-9+/=]+)" >> "\$GITHUB_OUTPUT"', fallback).group(1)
        broken = decode_runner(encoded)       # one error test, the lesson's max_score: 0 points sent, 0 shown
        assert broken["status"] == "error" and broken["max_score"] == load_lesson(step["id"]).max_score
        assert [(t["status"], t["score"]) for t in broken["tests"]] == [("error", 0)]
        assert reporter_numbers([broken]) == (0, 0)
    reporter = steps[-1]
    assert reporter["if"] == "${{ !cancelled() }}" and reporter["with"]["runners"] == ",".join(LESSONS)
    assert reporter["env"] == {f"{lid.upper()}_RESULTS": f"${{{{steps.{lid}.outputs.result}}}}" for lid in LESSONS}


def test_by_default_every_action_is_pinned_by_a_full_commit_sha():
    for needs_mnist in (False, True):      # with the MNIST cache steps too
        text = workflow_text([load_lesson("lesson03"), load_lesson("lesson05")], python="3.11",
                             torch_version="2.4.0", torchvision_version="0.19.0", needs_mnist=needs_mnist)
        steps = yaml.safe_load(text)["jobs"]["run-autograding-tests"]["steps"]
        uses = [s["uses"] for s in steps if "uses" in s]
        assert len(uses) == (5 if needs_mnist else 3)
        assert all(re.fullmatch(r"[\w.-]+(/[\w.-]+)+@[0-9a-f]{40}", u) for u in uses), uses


def test_the_reporter_is_pinned_by_the_sha_given(tmp_path):
    sha = "0123456789abcdef0123456789abcdef01234567"
    text = workflow_text([load_lesson("lesson03")], python="3.11", torch_version="2.4.0",
                         torchvision_version="0.19.0", needs_mnist=False, reporter_ref=sha)
    steps = yaml.safe_load(text)["jobs"]["run-autograding-tests"]["steps"]
    assert steps[-1]["uses"] == f"classroom-resources/autograding-grading-reporter@{sha}"


def workflow_schema():
    """GitHub's workflow schema as check-jsonschema ships it (SchemaStore's), read offline."""
    check_jsonschema = pytest.importorskip("check_jsonschema", reason="the test extra installs check-jsonschema")
    path = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "github-workflows.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("needs_mnist, with_mnist", [(False, False), (True, False), (True, True)])
def test_the_workflow_is_valid_against_the_workflow_schema(needs_mnist, with_mnist):
    import jsonschema
    lessons = [load_lesson("lesson03")] + ([load_lesson("lesson05")] if needs_mnist else [])
    text = workflow_text(lessons, python="3.11", torch_version="2.4.0", torchvision_version="0.19.0",
                         needs_mnist=needs_mnist, with_mnist=with_mnist, digest="ab" * 32)
    errors = [e.message for e in jsonschema.Draft7Validator(workflow_schema()).iter_errors(yaml.safe_load(text))]
    assert errors == []
    names = [s["name"] for s in yaml.safe_load(text)["jobs"]["run-autograding-tests"]["steps"]]
    assert ("Get MNIST (downloaded only when the cache had none)" in names) == (needs_mnist and not with_mnist)


def test_mnist_lessons_get_a_cached_download_that_no_lesson_depends_on():
    lessons = [load_lesson("lesson03"), load_lesson("lesson05")]
    text = workflow_text(lessons, python="3.11", torch_version="2.4.0", torchvision_version="0.19.0",
                         needs_mnist=True)
    steps = yaml.safe_load(text)["jobs"]["run-autograding-tests"]["steps"]
    names = [s["name"] for s in steps]
    restore, get, save = (names.index(n) for n in ("Restore MNIST from the cache",
                                                    "Get MNIST (downloaded only when the cache had none)",
                                                    "Save MNIST to the cache"))
    assert restore < get < save < names.index("lesson05 · Logistic regression on MNIST")
    assert re.fullmatch(r"actions/cache/restore@[0-9a-f]{40}", steps[restore]["uses"])
    assert re.fullmatch(r"actions/cache/save@[0-9a-f]{40}", steps[save]["uses"])
    assert steps[restore]["with"] == steps[save]["with"] == {"path": "datasets/MNIST/raw", "key": "mnist-raw-v1"}
    # saved even when the job fails later (a student below full marks), unless it was restored or not fetched
    assert "steps.mnist.outputs.cache-hit != 'true'" in steps[save]["if"] and steps[restore]["id"] == "mnist"
    assert steps[get]["run"] == "python -m grader.data" and "GRADER_ALLOW_DOWNLOAD" in steps[get]["env"]
    # a failed download fails no lesson step: the data steps may fail, every later step still runs
    assert all(steps[i].get("continue-on-error") for i in (restore, get, save))
    assert all("!cancelled()" in s["if"] for s in steps[restore:])


def run_workflow_locally(root: Path, tmp_path: Path) -> dict:
    """Each shell step in order, as Actions would (bash -e, its own GITHUB_OUTPUT file); the
    install step (network) and the actions are skipped: `grader` and `python` are this venv's,
    reading the released package. Returns the reporter's decoded runner results."""
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "grader").write_text(f'#!/bin/sh\nexec "{PYTHON}" -m grader.classroom "$@"\n')
    (shims / "python").write_text(f'#!/bin/sh\nexec "{PYTHON}" "$@"\n')
    for shim in shims.iterdir():
        shim.chmod(0o755)
    outputs, ran = {}, []
    steps = _steps(root)
    for number, step in enumerate(steps):
        if "uses" in step or "pip install" in step.get("run", ""):
            continue
        output = tmp_path / f"output-{number}"
        output.touch()
        env = env_for(root, PATH=f"{shims}{os.pathsep}{os.environ['PATH']}", GITHUB_OUTPUT=str(output),
                      GITHUB_ACTIONS="true", **step.get("env", {}))
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=root, env=env, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, (step["name"], done.stdout[-2000:], done.stderr[-2000:])
        ran.append(step["name"])
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert ran[0] == "Check the grading files against the release" and len(ran) == 1 + len(LESSONS)
    reporter = steps[-1]
    results = {}
    for runner in reporter["with"]["runners"].split(","):
        template = reporter["env"][f"{runner.strip().upper()}_RESULTS"]
        step_id = re.fullmatch(r"\$\{\{steps\.([\w-]+)\.outputs\.result\}\}", template).group(1)
        results[runner] = decode_runner(outputs[step_id]["result"])
    return results


@pytest.mark.parametrize("solved", [False, True], ids=["as-released", "solutions-copied-in"])
def test_workflow_steps_run_locally_into_the_reporter(released, with_solutions, tmp_path, solved):
    root = with_solutions if solved else released[0]
    results = run_workflow_locally(root, tmp_path)
    assert list(results) == LESSONS
    for result in results.values():
        validate_result(result)
        assert result["status"] == ("pass" if solved else "fail")
    sent, table = reporter_numbers(list(results.values()))
    assert sent == table == (36 if solved else 0)
    assert sum(r["max_score"] for r in results.values()) == 36


def test_readme_and_pyproject(released):
    out, report = released
    readme = (out / "README.md").read_text()
    for needed in ("Set up once", "pip install -e .", "pytest exercises/lesson03", "How points work",
                   "official grade", "| total | 36 |",
                   # CPU torch and torchvision by default, CUDA as the alternative
                   "pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu", "CUDA build",
                   # the notebooks: how to open them, which file is graded
                   "python -m notebook exercises/lesson03/lesson03.ipynb", "VS Code", "the file you changed is graded",
                   "--lang vi",
                   # Windows equivalents
                   "```powershell", "py -m venv .venv", ".venv\\Scripts\\python -m pytest exercises\\lesson03"):
        assert needed in readme, needed
    assert readme.count("```bash") == readme.count("```powershell")     # every command for both
    pyproject = (out / "pyproject.toml").read_text()
    assert 'grader = "grader.classroom.command:main"' in pyproject and 'grader_device = "cpu"' in pyproject
    assert re.search(r'"hypothesis==[\d.]+"', pyproject)
    assert "copydetect" not in pyproject and "nbclient" not in pyproject    # the instructor's tools only
    manifest = json.loads((out / "grader" / "answers" / "MANIFEST.json").read_text())
    assert {".github/workflows/classroom.yml", "exercises/lesson03/test_lesson03.py", "grader/expect.py",
            "grader/answers/lesson03.json.gz", "pyproject.toml"} <= set(manifest["files"])
    assert manifest["recorded"]["seed"] == 20261127


@pytest.mark.skipif(os.environ.get("GRADER_SLOW_TESTS") != "1", reason="all lessons take minutes: GRADER_SLOW_TESTS=1")
def test_every_written_lesson_releases(tmp_path):
    report = release(tmp_path / "all")
    assert [lid.lesson for lid in report.lessons] == [lid for lid in LESSON_IDS if (SOLUTIONS / lid).is_dir()
                                                  and (PROJECT / "grader" / "checks" / f"{lid}.py").is_file()]
