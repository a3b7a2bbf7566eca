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
from grader.classroom.reporter_result import encode, failed_result, lesson_result
from grader.classroom.seal import workflow_env

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Actions pinned to full commit SHAs, at their current major versions (which run on the Node 24
# runtime), the release tag in the comment. The SHAs were read offline from public workflows that
# pin the same releases; re-check them against the action repositories when bumping.
CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1"
SETUP_PYTHON = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97  # v7.0.0"
CACHE = "actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9  # v6.1.0"
# The reporter, pinned by commit too (`--reporter-ref` overrides it; the release warns on a movable
# ref such as the v1 tag). This SHA is the commit of its built dist/main.js as the public code
# index shows it (read offline, no network here): check it against what the v1 tag points to
# before a real term, and update it when v1 moves.
REPORTER = "classroom-resources/autograding-grading-reporter"
REPORTER_REF = "d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca"
SHA = re.compile(r"[0-9a-f]{40}")
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
        if name in ("nbformat", "nbclient", "copydetect"):
            continue   # the instructor's tooling (notebooks, similarity); students only need a kernel (ipykernel)
        if name == "hypothesis":
            requirement = f"hypothesis=={hypothesis.__version__}"   # generation must match the recording
        out.append(requirement)
    return out


def pyproject_text(project: Path, data_patterns: list[str]) -> str:
    return fill("student-pyproject.toml", version=__version__, entry_point=ENTRY_POINT,
                dependencies="".join(f'    "{d}",\n' for d in _dependencies(project)),
                patterns=", ".join(f'"{p}"' for p in ["answers/*"] + data_patterns))


def workflow_text(lessons: list, *, python: str, torch_version: str, torchvision_version: str,
                  needs_mnist: bool, reporter_ref: str = REPORTER_REF, digest: str = "",
                  with_mnist: bool = False) -> str:
    """The Classroom workflow. `digest`: the release manifest's, sealed into it (grader/classroom/seal.py).
    Each lesson's step falls back to an error result of its own when `grader` cannot run at all (a
    failed install), so the reporter always gets one result per lesson."""
    runners = [lesson.id for lesson in lessons]
    # restore and save separately: a failing job (a student not yet at full marks) still saves it;
    # with the data bundled in the template there is nothing to fetch
    mnist_steps = fill("classroom-mnist-steps.yml", mnist_cache_key=MNIST_CACHE_KEY,
                       cache_restore=CACHE.replace("actions/cache@", "actions/cache/restore@"),
                       cache_save=CACHE.replace("actions/cache@", "actions/cache/save@")) \
        if needs_mnist and not with_mnist else ""
    lesson_steps = "".join(
        fill("classroom-lesson-step.yml", name=json.dumps(f"{lesson.id} · {lesson.title}", ensure_ascii=False),
             lesson=lesson.id, timeout_minutes=STEP_TIMEOUT_MINUTES, timeout_s=CLASSROOM_TIMEOUT_S,
             fallback=encode(broken_result(lesson, "the grading step could not run grader classroom (see its log: "
                                                   "did the install step fail?)")))
        for lesson in lessons)
    reporter_env = "".join(fill("classroom-reporter-env.yml", variable=f"{r.upper()}_RESULTS", lesson=r)
                           for r in runners)
    return fill("classroom.yml", checkout=CHECKOUT, setup_python=SETUP_PYTHON, python=python,
                torch_version=torch_version, torchvision_version=torchvision_version,
                torch_cpu_index=TORCH_CPU_INDEX, mnist_steps=mnist_steps, lesson_steps=lesson_steps,
                reporter=REPORTER, reporter_ref=reporter_ref, reporter_env=reporter_env, runners=",".join(runners),
                seal_env=workflow_env(digest))


def readme_text(lessons: list, *, needs_mnist: bool, with_mnist: bool = False) -> str:
    first = lessons[0]
    rows = "".join(f"| `{lesson.id}` | {lesson.title} | `exercises/{lesson.id}/{lesson.filename}` | "
                   f"{len(lesson.todos)} | {lesson.max_score:g} |\n" for lesson in lessons)
    total = sum(lesson.max_score for lesson in lessons)
    mnist = (fill("README-mnist-bundled.md") if with_mnist else fill("README-mnist.md")) if needs_mnist else ""
    return fill("README.md", torch_cpu_index=TORCH_CPU_INDEX, mnist=mnist,
                first_id=first.id, first_filename=first.filename, rows=rows, total=f"{total:g}")


def gitignore_text(*, with_mnist: bool = False) -> str:
    text = fill("gitignore")
    if with_mnist:   # the four archives are part of the template; what the grader unpacks is not
        text = text.replace("datasets/\n", "datasets/*\n!datasets/MNIST/\ndatasets/MNIST/*\n!datasets/MNIST/raw/\n"
                                            "datasets/MNIST/raw/*\n!datasets/MNIST/raw/*.gz\n")
    return text


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


def broken_result(lesson, message: str) -> dict:
    """The result of a lesson whose step could not run at all: one error test, the lesson's max_score."""
    return failed_result(lesson.id, message, max_score=lesson_result(lesson, [])["max_score"])
