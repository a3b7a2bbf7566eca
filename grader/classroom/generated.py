"""The template's generated files: the workflow, README, pyproject and git settings, filled from
the text files in templates/ with `string.Template` (`$name` is filled in, `$$` is a literal `$`),
and the lessons' student notebooks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from string import Template

import hypothesis
import tomllib

from grader import __version__
from grader.authoring.lesson_notebooks import expected_notebooks

TEMPLATES = Path(__file__).resolve().parent / "templates"

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
ENTRY_POINT = "grader.classroom.command:main"   # the released repository's `grader` command

STEP_TIMEOUT_MINUTES = 10
CLASSROOM_TIMEOUT_S = 540          # below the step's limit, so the result is written before the kill


def fill(template: str, **values) -> str:
    """templates/`template` with every `$key` replaced (a missing key is an error, not a blank)."""
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def _dependencies(project: Path) -> list[str]:
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
    return fill("student-pyproject.toml", version=__version__, entry_point=ENTRY_POINT,
                dependencies="".join(f'    "{d}",\n' for d in _dependencies(project)),
                patterns=", ".join(f'"{p}"' for p in ["answers/*"] + data_patterns))


def workflow_text(lessons: list, *, python: str, torch_version: str, torchvision_version: str,
                  needs_mnist: bool, reporter_ref: str = REPORTER_REF) -> str:
    runners = [lesson.id for lesson in lessons]
    # restore and save separately: a failing job (a student not yet at full marks) still saves it
    mnist_steps = fill("classroom-mnist-steps.yml", mnist_cache_key=MNIST_CACHE_KEY,
                       cache_restore=CACHE.replace("actions/cache@", "actions/cache/restore@"),
                       cache_save=CACHE.replace("actions/cache@", "actions/cache/save@")) if needs_mnist else ""
    lesson_steps = "".join(
        fill("classroom-lesson-step.yml", name=json.dumps(f"{lesson.id} · {lesson.title}", ensure_ascii=False),
             lesson=lesson.id, timeout_minutes=STEP_TIMEOUT_MINUTES, timeout_s=CLASSROOM_TIMEOUT_S)
        for lesson in lessons)
    reporter_env = "".join(fill("classroom-reporter-env.yml", variable=f"{r.upper()}_RESULTS", lesson=r)
                           for r in runners)
    return fill("classroom.yml", checkout=CHECKOUT, setup_python=SETUP_PYTHON, python=python,
                torch_version=torch_version, torchvision_version=torchvision_version,
                torch_cpu_index=TORCH_CPU_INDEX, mnist_steps=mnist_steps, lesson_steps=lesson_steps,
                reporter=REPORTER, reporter_ref=reporter_ref, reporter_env=reporter_env, runners=",".join(runners))


def readme_text(lessons: list, *, needs_mnist: bool) -> str:
    first = lessons[0]
    rows = "".join(f"| `{lesson.id}` | {lesson.title} | `exercises/{lesson.id}/{lesson.filename}` | "
                   f"{len(lesson.todos)} | {lesson.max_score:g} |\n" for lesson in lessons)
    total = sum(lesson.max_score for lesson in lessons)
    return fill("README.md", torch_cpu_index=TORCH_CPU_INDEX, mnist=fill("README-mnist.md") if needs_mnist else "",
                first_id=first.id, first_filename=first.filename, rows=rows, total=f"{total:g}")


def gitignore_text() -> str:
    return fill("gitignore")


def gitattributes_text() -> str:
    return fill("gitattributes")


def write_notebooks(out: Path, lessons: list, project: Path) -> list[Path]:
    """Each released lesson's student notebooks (English and Vietnamese), as `grader stubs` makes
    them for exercises/. They are scanned for solution lines with every other file."""
    ids = {getattr(lesson, "id", lesson) for lesson in lessons}
    written = []
    for path, text in expected_notebooks(project / "solutions", out / "exercises").items():
        if path.parent.name in ids:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
