"""`grader release --out DIR`: the student template repository, without the solutions.

    solutions/ + grader/ + tests/catalogue/  ->  DIR/
        exercises/lessonNN/<module>.py       stubs generated from the solutions
        exercises/lessonNN/test_lessonNN.py  the file the pytest plugin turns into the checks
        grader/                              the checks, the plugin, `grader classroom`, and only the
                                             modules they import (no judge, no release, no solutions)
        grader/answers/lessonNN.*            the reference's answers, recorded (grader/recorded.py)
        grader/answers/MANIFEST.json         sha256 of every grading file, for `grader classroom --verify`
        .github/workflows/classroom.yml      one grading step per lesson + GitHub Classroom's reporter
        pyproject.toml, README.md, .gitignore, .gitattributes

The answers are recorded while each lesson's checks run, on the CPU with the course seed, against
the reference itself, the stubs, and every catalogued mistake and alternative style. The release
then proves itself before it finishes: replaying the answers must give every recorded run exactly
the same outcomes (the reference full marks, the stubs zero), and no file may contain a line of a
solution's TODO bodies. Any failure stops the release (`ReleaseError`).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__

PROJECT = Path(__file__).resolve().parent.parent

# Actions pinned to full commit SHAs (the tag each one was released as is in the comment). The
# reporter has no SHA here that could be checked offline: it is pinned to its v1 release line,
# and `--reporter-ref` sets a SHA.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2"
SETUP_PYTHON = "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b  # v5.3.0"
CACHE = "actions/cache@1bd1e32a3bdc45362d1e726936510720a7c30a57  # v4.2.0"
REPORTER = "classroom-resources/autograding-grading-reporter"
REPORTER_REF = "v1"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
MNIST_CACHE_KEY = "mnist-raw-v1"

STEP_TIMEOUT_MINUTES = 10
CLASSROOM_TIMEOUT_S = 540          # below the step's limit, so the result is written before the kill
SIGNIFICANT = 12                   # solution lines at least this long must not appear in the release
GENERIC = {"return x", "pass", "return model", "return loss", "return None", "return out"}


class ReleaseError(RuntimeError):
    """The release cannot be made (or would not be right); nothing usable was written."""


@dataclass
class LessonRelease:
    lesson: str
    title: str
    module: str
    points: float
    todos: tuple[str, ...]
    answers: int = 0                       # recorded (check, request) entries
    runs: dict[str, str] = field(default_factory=dict)   # run name -> "score / max"
    conflicts: list[str] = field(default_factory=list)


@dataclass
class ReleaseReport:
    out: Path
    lessons: list[LessonRelease]
    files: list[str]
    manifest_digest: str
    shared: list[str] = field(default_factory=list)   # solution lines also in the grader's own source
    seconds: float = 0.0


# ---------------------------------------------------------------- which lessons


def written_lessons(project: Path = PROJECT) -> list[str]:
    """Lessons with checks and a marked solution."""
    from grader.checks import LESSON_IDS
    out = []
    for lesson_id in LESSON_IDS:
        if not (project / "grader" / "checks" / f"{lesson_id}.py").exists():
            continue
        if any((project / "solutions" / lesson_id).glob("*.py")):
            out.append(lesson_id)
    return out


# ---------------------------------------------------------------- the grader package subset


def _module_file(package_root: Path, name: str) -> Path | None:
    parts = name.split(".")
    base = package_root.joinpath(*parts[1:]) if len(parts) > 1 else package_root
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file() and len(parts) > 1:
        return base.with_suffix(".py")
    return None


def package_closure(roots: list[str], package_root: Path) -> dict[str, Path]:
    """Every grader module reachable from `roots` by import statements (lazy ones included)."""
    found: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found or not (name == "grader" or name.startswith("grader.")):
            continue
        path = _module_file(package_root, name)
        if path is None:
            continue
        found[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        package = name if path.name == "__init__.py" else ".".join(parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                todo.append(module)
                todo += [f"{module}.{alias.name}" for alias in node.names]
    return found


def package_files(lessons: list[str], package_root: Path) -> list[Path]:
    probes = [f"grader.probes.{p.stem}" for p in (package_root / "probes").glob("*.py") if p.stem != "__init__"]
    roots = (["grader", "grader.pytest_plugin", "grader.classroom", "grader.recorded", "grader.writers.classroom",
              "grader.writers.console", "grader.data", "grader.checks", "grader.probes", "grader.notebooks.score_cell"]
             + [f"grader.checks.{lesson}" for lesson in lessons] + probes)
    modules = package_closure(roots, package_root)
    for forbidden in ("grader.release", "grader.cli", "grader.judge"):
        if any(m == forbidden or m.startswith(forbidden + ".") for m in modules):
            raise ReleaseError(f"the student package would include {forbidden}: a released module imports it")
    # the data files of the packages taken (message catalogues, ...), never compiled files
    data = [path for module in modules.values() if module.name == "__init__.py"
            for path in module.parent.iterdir()
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pyo") and not path.name.startswith(".")]
    return sorted(set(modules.values()) | set(data))


# ---------------------------------------------------------------- recording the reference


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
    from grader.checks import load_lesson
    from grader.handle import LocalHandle
    from grader.recorded import AnswerStore, RecordingHandle, bind_lesson
    from grader.runner import DEFAULT_SEED, grade_lesson
    from grader.authoring.stubs import make_stub
    import hypothesis
    import numpy
    import torch

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
    from grader.checks import load_lesson
    from grader.handle import LocalHandle
    from grader.recorded import recorded_reference
    from grader.runner import DEFAULT_SEED, grade_lesson

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


# ---------------------------------------------------------------- the template's text files


def _dependencies(project: Path) -> list[str]:
    import hypothesis
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    out = []
    for requirement in data["project"]["dependencies"]:
        name = re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()
        if name in ("nbformat", "nbclient"):
            continue   # the grader's own notebook tooling; students only need a kernel (ipykernel)
        if name == "hypothesis":
            requirement = f"hypothesis=={hypothesis.__version__}"   # generation must match the recording
        out.append(requirement)
    return out


def pyproject_text(project: Path, data_patterns: list[str]) -> str:
    dependencies = "".join(f'    "{d}",\n' for d in _dependencies(project))
    patterns = ", ".join(f'"{p}"' for p in ["answers/*"] + data_patterns)
    return f'''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "pytorch-course-exercises"
version = "{__version__}"
description = "Exercises of the eight-lesson PyTorch course, with the checks that grade them."
readme = "README.md"
requires-python = ">=3.10"
dependencies = [
{dependencies}]

[project.scripts]
grader = "grader.classroom:main"

[project.entry-points.pytest11]
torch_course_grader = "grader.pytest_plugin"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.setuptools.package-data]
grader = [{patterns}]

[tool.pytest.ini_options]
testpaths = ["exercises"]
addopts = "-p no:cacheprovider"
# the reference's answers in grader/answers/ were recorded on the CPU
grader_device = "cpu"
'''


def workflow_text(lessons: list, *, python: str, torch_version: str, torchvision_version: str,
                  needs_mnist: bool, reporter_ref: str = REPORTER_REF) -> str:
    runners = [lesson.id for lesson in lessons]
    # restore and save separately: a failing job (a student not yet at full marks) still saves it
    mnist = f'''      - name: Restore MNIST from the cache
        id: mnist
        uses: {CACHE.replace("actions/cache@", "actions/cache/restore@")}
        with:
          path: datasets/MNIST/raw
          key: {MNIST_CACHE_KEY}
      - name: Get MNIST (downloaded only when the cache had none)
        env:
          GRADER_ALLOW_DOWNLOAD: "1"
        run: python -c "from grader import data; data.ensure_extracted(data.data_root())"
      - name: Save MNIST to the cache
        if: steps.mnist.outputs.cache-hit != 'true'
        uses: {CACHE.replace("actions/cache@", "actions/cache/save@")}
        with:
          path: datasets/MNIST/raw
          key: {MNIST_CACHE_KEY}
''' if needs_mnist else ""
    steps = "".join(f'''      - name: {json.dumps(f"{lesson.id} · {lesson.title}", ensure_ascii=False)}
        id: {lesson.id}
        timeout-minutes: {STEP_TIMEOUT_MINUTES}
        run: grader classroom {lesson.id} --timeout {CLASSROOM_TIMEOUT_S} --github-output
''' for lesson in lessons)
    env = "".join(f'          {r.upper()}_RESULTS: "${{{{steps.{r}.outputs.result}}}}"\n' for r in runners)
    return f'''# Grades each lesson on every push and reports the points to GitHub Classroom.
# Points here are advisory: this repository (this file included) is yours, so the official grade
# comes from the instructor's run with the original checks. When the grading files differ from the
# release, each lesson's result shows a failing test "grading files modified".
name: Autograding Tests
'on':
  - push
  - repository_dispatch
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: {CHECKOUT}
      - name: Set up Python
        uses: {SETUP_PYTHON}
        with:
          python-version: "{python}"
          cache: pip
          cache-dependency-path: pyproject.toml
      - name: Install torch (CPU only) and the course package
        run: |
          python -m pip install --upgrade pip
          python -m pip install "torch=={torch_version}" "torchvision=={torchvision_version}" --index-url {TORCH_CPU_INDEX}
          python -m pip install -e .
{mnist}      - name: Check the grading files against the release
        run: grader classroom --verify
{steps}      - name: Autograding Reporter
        if: always()
        uses: {REPORTER}@{reporter_ref}
        env:
{env}        with:
          runners: {",".join(runners)}
'''


def readme_text(lessons: list, *, needs_mnist: bool) -> str:
    first = lessons[0]
    rows = "".join(f"| `{l.id}` | {l.title} | `exercises/{l.id}/{l.filename}` | {len(l.todos)} | "
                   f"{l.max_score:g} |\n" for l in lessons)
    total = sum(l.max_score for l in lessons)
    mnist = ('''
The MNIST lessons need the data set (about 11 MB). Get it once with

```bash
GRADER_ALLOW_DOWNLOAD=1 .venv/bin/python -c "from grader import data; data.ensure_extracted(data.data_root())"
```

It lands in `datasets/` (not committed), or point `GRADER_DATA` at a folder holding `MNIST/raw/`.
''' if needs_mnist else "")
    return f'''# PyTorch course — exercises

Your repository for the course: each lesson is a Python file with TODOs for you to fill in, and
checks that tell you, in seconds, which TODO is right, which is wrong and why, and your points.

## Set up once

```bash
python3 -m venv .venv
.venv/bin/pip install -e .
```

(Python 3.10 or newer. With no GPU, `pip install torch --index-url {TORCH_CPU_INDEX}` first
gives a much smaller download.)
{mnist}
## Work on a lesson

Open `exercises/{first.id}/{first.filename}`. Each function you write has a `# TODO name: hint` line and
a `raise NotImplementedError("TODO name")`: replace both with your code. Keep the function names
and signatures — the checks call them. Then run that lesson's checks:

```bash
.venv/bin/python -m pytest exercises/{first.id}
```

You see a line per check, a short message for each one that failed (what was expected, what came
back, and a hint), and a score table:

```
 TODO           status        points
 forward        passed           2 / 2
 squared_error  failed           1 / 2
 backprop_step  not started      0 / 6
```

`-k name` runs only the checks whose name contains `name`. Do not edit the `test_lessonNN.py`
files or anything in `grader/`: they are the checks. `grader classroom {first.id}` prints the
result GitHub's grading step will report for that lesson.

| lesson | topic | your file | TODOs | points |
|---|---|---|---|---|
{rows}| | | | total | {total:g} |

## How points work

- Every check belongs to one TODO and is worth a fixed number of points; a check on the CPU earns
  its points when it passes. Any correct way of writing a TODO gets full marks: the checks run
  your functions on many generated inputs, compare with the reference answers, check gradients
  against finite differences and look at autograd state. They never read your source code.
- A TODO that still raises `NotImplementedError` reads **not started** and earns nothing.
- Checks that compare with the reference use its answers recorded for the course's fixed inputs
  (in `grader/answers/`): so run with the default seed and on the CPU. If a check says the
  reference's answer "was not recorded", your code took an unusual path; the official grading,
  which has the reference itself, decides that check. The answers are stored as values, not
  hashes: the checks compare numbers within a tolerance, which a hash cannot do, and a failing
  check shows you the expected value anyway. They are outputs for particular inputs, not the
  code that computes them, and the official grading may use other inputs.

## Grading on GitHub

Every push runs `.github/workflows/classroom.yml`: one step per lesson runs
`grader classroom lessonNN`, and GitHub Classroom's reporter shows each check and sends your
points to Classroom. These points are a preview: this repository, workflow file included, is
yours to change, so the official grade comes from your instructor's own run of the same checks
(possibly with other generated inputs), with your code isolated and under time limits. Each
lesson's step also compares the checks, `grader/` and this workflow with the versions you were
given (`grader classroom --verify` does only that) and shows a failing test "grading files
modified" if they differ.
'''


def write_notebooks(out: Path, lessons: list, project: Path = PROJECT) -> list[Path]:
    """Each released lesson's student notebooks (English and Vietnamese), as `grader stubs` makes
    them for exercises/. They are scanned for solution lines with every other file."""
    from grader.authoring.lesson_notebooks import expected_notebooks
    ids = {getattr(lesson, "id", lesson) for lesson in lessons}
    written = []
    for path, text in expected_notebooks(project / "solutions", out / "exercises").items():
        if path.parent.name in ids:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


# ---------------------------------------------------------------- safety checks


def solution_bodies(project: Path, lessons: list[str]) -> dict[str, list[str]]:
    """Each TODO body of the solutions as its significant lines (stripped; short, generic and
    comment lines left out), keyed by where it comes from."""
    from grader.authoring.stubs import parse_todos
    bodies = {}
    for lesson in lessons:
        for path in sorted((project / "solutions" / lesson).glob("*.py")):
            for todo in parse_todos(path.read_text(encoding="utf-8"), str(path)):
                lines = [line.strip() for line in todo.body]
                bodies[f"{path.relative_to(project).as_posix()} TODO {todo.name}"] = [
                    line for line in lines if len(line) >= SIGNIFICANT and line not in GENERIC
                    and not line.startswith("#")]
    return bodies


def public_lines(project: Path) -> set[str]:
    """Every line of the grader's own source: public by design (a probe that saves a model has the
    same `torch.save(model, path)` line as the TODO that saves one; hints quote such lines too)."""
    return {line.strip() for path in (project / "grader").rglob("*.py") if "__pycache__" not in path.parts
            for line in path.read_text(encoding="utf-8").splitlines()}


def _released_text(path: Path) -> str:
    import gzip
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def leaks(out: Path, bodies: dict[str, list[str]], public: set[str]) -> list[str]:
    """Released files holding solution code: a TODO line found nowhere in the grader's own source,
    or a whole TODO body of two or more lines in a row (gzip members are read decompressed)."""
    distinct = {line: where for where, lines in bodies.items() for line in lines if line not in public}
    runs = {where: lines for where, lines in bodies.items() if len(lines) >= 2}
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and ".git" not in p.relative_to(out).parts):
        lines = [line.strip() for line in _released_text(path).splitlines()]
        for number, line in enumerate(lines, start=1):
            if line in distinct:
                found.append(f"{path.relative_to(out)}:{number} holds a line of {distinct[line]}")
        code = [line for line in lines if line]
        for where, body in runs.items():
            if any(code[i:i + len(body)] == body for i in range(len(code) - len(body) + 1)):
                found.append(f"{path.relative_to(out)} holds the body of {where}")
    return found


def shared_lines(bodies: dict[str, list[str]], public: set[str]) -> list[str]:
    return sorted({f"{line}  ({where})" for where, lines in bodies.items() for line in lines if line in public})


def sha256_file(path: Path) -> str:
    from grader.classroom import file_digest
    return file_digest(path)


# ---------------------------------------------------------------- the release


def release(out: Path, *, project: Path = PROJECT, lessons: list[str] | None = None, catalogue: bool = True,
            git: bool = False, force: bool = False, reporter_ref: str = REPORTER_REF,
            progress=None) -> ReleaseReport:
    import time

    import torch
    import torchvision

    from grader import data
    from grader.checks import load_lesson
    from grader.recorded import MANIFEST_NAME, replayable_hypothesis
    from grader.authoring.stubs import STUDENT_TESTS, make_stub

    started = time.monotonic()
    say = progress or (lambda message: None)
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ReleaseError(f"{out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    if project.resolve() in (out, *out.parents):
        raise ReleaseError(f"{out} is inside the project: release somewhere else")
    lesson_ids = lessons or written_lessons(project)
    if not lesson_ids:
        raise ReleaseError("no lesson has both checks and a solution yet")
    loaded = [load_lesson(lesson_id) for lesson_id in lesson_ids]
    needs_mnist = any(lesson.needs_mnist for lesson in loaded)
    data_root = None
    if needs_mnist:
        try:
            data_root = data.data_root()
            data.ensure_extracted(data_root)
        except data.MissingDataset as exc:
            raise ReleaseError(str(exc)) from None
    replayable_hypothesis()

    staging = Path(tempfile.mkdtemp(prefix=".release-", dir=out.parent if out.parent.exists() else None))
    try:
        tree = staging / "tree"
        # the student's files
        for lesson in loaded:
            solution = project / "solutions" / lesson.id / lesson.filename
            folder = tree / "exercises" / lesson.id
            folder.mkdir(parents=True)
            (folder / lesson.filename).write_text(make_stub(solution.read_text(encoding="utf-8"), lesson.id),
                                                  encoding="utf-8")
            (folder / f"test_{lesson.id}.py").write_text(STUDENT_TESTS.format(lesson=lesson.id), encoding="utf-8")
        # the grader package, only what the checks, the plugin and `grader classroom` import
        package_root = project / "grader"
        data_patterns = set()
        for path in package_files(lesson_ids, package_root):
            relative = path.relative_to(package_root)
            target = tree / "grader" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            if path.suffix != ".py":
                data_patterns.add((relative.parent / f"*{path.suffix}").as_posix())
        # the reference's answers
        answers = tree / "grader" / "answers"
        reports, meta = [], {}
        for lesson in loaded:
            say(f"recording {lesson.id} ...")
            store, runs = record_lesson(lesson.id, project, staging / "scratch", catalogue=catalogue,
                                        data_root=data_root)
            store.save(answers)
            meta = store.meta
            say(f"replaying {lesson.id} ({len(runs)} runs) ...")
            differences = replay_lesson(lesson.id, answers, runs, data_root)
            if differences:
                raise ReleaseError("replaying the recorded answers changes outcomes:\n  " + "\n  ".join(differences[:20]))
            reports.append(LessonRelease(
                lesson.id, lesson.title, lesson.module, lesson.max_score, lesson.todos, len(store),
                {name: f"{result.score:g} / {result.max_score:g}" for name, (_, _, result) in runs.items()},
                store.conflicts))
        # the rest of the template
        (tree / ".github" / "workflows").mkdir(parents=True)
        (tree / ".github" / "workflows" / "classroom.yml").write_text(workflow_text(
            loaded, python=".".join(platform.python_version_tuple()[:2]),
            torch_version=torch.__version__.split("+")[0], torchvision_version=torchvision.__version__.split("+")[0],
            needs_mnist=needs_mnist, reporter_ref=reporter_ref), encoding="utf-8")
        (tree / "pyproject.toml").write_text(pyproject_text(project, sorted(data_patterns)), encoding="utf-8")
        (tree / "README.md").write_text(readme_text(loaded, needs_mnist=needs_mnist), encoding="utf-8")
        (tree / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.pytest_cache/\n.hypothesis/\n"
                                         "datasets/\nbuild/\n", encoding="utf-8")
        (tree / ".gitattributes").write_text("* text=auto eol=lf\n*.gz binary\n*.bin binary\n", encoding="utf-8")
        write_notebooks(tree, loaded, project)
        # the manifest of grading files
        graded = sorted(
            [p for p in (tree / "grader").rglob("*") if p.is_file()]
            + list((tree / "exercises").glob("lesson*/test_lesson*.py"))
            + [tree / ".github" / "workflows" / "classroom.yml", tree / "pyproject.toml"])
        manifest = {"format": 1, "grader": __version__, "lessons": lesson_ids, "source_commit": _commit(project),
                    "recorded": meta,
                    "files": {p.relative_to(tree).as_posix(): sha256_file(p) for p in graded}}
        manifest_text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
        (answers / MANIFEST_NAME).write_text(manifest_text, encoding="utf-8")
        digest = hashlib.sha256(manifest_text.encode()).hexdigest()
        # nothing from the solutions, anywhere
        bodies, public = solution_bodies(project, lesson_ids), public_lines(project)
        found = leaks(tree, bodies, public)
        if found:
            raise ReleaseError("solution code would be released:\n  " + "\n  ".join(found[:20]))
        say("grading the released tree with the solutions copied in, then as released ...")
        problems = verify_released(tree, project, loaded, staging / "verify", data_root)
        if problems:
            raise ReleaseError("the released tree does not grade as it should:\n  " + "\n  ".join(problems))
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rmdir()
        shutil.move(str(tree), str(out))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if git:
        _git_init(out, lesson_ids)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.is_file() and ".git" not in p.relative_to(out).parts)
    return ReleaseReport(out, reports, files, digest, shared_lines(bodies, public), time.monotonic() - started)


def verify_released(tree: Path, project: Path, lessons: list, scratch: Path, data_root=None) -> list[str]:
    """Grade the released tree the way CI does, in fresh processes that import only the released
    package: with the solutions copied in, full marks; with the stubs, zero and no errors."""
    import os
    problems = []
    with_solutions = scratch / "with-solutions"
    shutil.copytree(tree, with_solutions)
    for lesson in lessons:
        shutil.copyfile(project / "solutions" / lesson.id / lesson.filename,
                        with_solutions / "exercises" / lesson.id / lesson.filename)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_SOLUTIONS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"   # nothing written into the tree being released
    if data_root is not None:
        env["GRADER_DATA"] = str(data_root)
    for root, expect_full in ((with_solutions, True), (tree, False)):
        for lesson in lessons:
            env["PYTHONPATH"] = str(root)
            done = subprocess.run([sys.executable, "-m", "grader.classroom", lesson.id, "--root", str(root)],
                                  cwd=root, env=env, capture_output=True, text=True, timeout=1800)
            try:
                result = json.loads(done.stdout)
            except ValueError:
                problems.append(f"{lesson.id}: `grader classroom` printed no result: {done.stderr[-500:]}")
                continue
            score = sum(t["score"] for t in result["tests"])
            bad = [t for t in result["tests"] if t["status"] != ("pass" if expect_full else "fail")]
            if bad or score != (result["max_score"] if expect_full else 0):
                what = "with the solutions" if expect_full else "with the stubs"
                problems.append(f"{lesson.id} {what}: {score} / {result['max_score']}, e.g. "
                                + "; ".join(f"{t['name']}: {t['status']} {t['message'][:200]}" for t in bad[:3]))
    shutil.rmtree(with_solutions, ignore_errors=True)
    return problems


def _commit(project: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True,
                               check=True).stdout.strip()
        return head + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _git_init(out: Path, lessons: list[str]) -> None:
    """A fresh repository whose only history is the release commit."""
    def git(*args):
        subprocess.run(["git", "-c", "user.name=Course release", "-c", "user.email=release@course.invalid",
                        "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                       cwd=out, check=True, capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", f"Course exercises: {', '.join(lessons)} (grader {__version__})")
