"""`grader gradescope --out autograder.zip`: Gradescope's autograder package, built from this checkout.

The zip holds, at its root: `setup.sh` and `run_autograder` (from templates/), `autograder.json`
(the lessons, a secret seed, which course file), `wheels/` (the grader, built here with
`pip wheel --no-deps`), `solutions/` (the references of the lessons graded), `course.toml` when
given, and MNIST's four archives under `data/` when a lesson trains on it.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from string import Template

import grader
from grader import data
from grader.checks import load_lesson
from grader.gradebook.deadlines import load_course

TEMPLATES = Path(__file__).resolve().parent / "templates"
PROJECT_ROOT = Path(grader.__file__).resolve().parent.parent
CONFIG = "autograder.json"
EXECUTABLE = 0o755
# zip entries get a fixed time: a rebuilt package differs only where its content does
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The package cannot be built (one line: what is missing and how to get it)."""


@dataclass(frozen=True)
class AutograderPackage:
    path: Path
    lessons: tuple[str, ...]
    wheel: str
    files: tuple[str, ...]
    mnist: bool


def _fill(template: str, values: dict[str, str]) -> str:
    """templates/`template` with every `$key` filled (a missing key is an error, not a blank)."""
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def build_wheel(project: Path, folder: Path) -> Path:
    """The grader's wheel, built from `project` without its dependencies or network, from a clean copy
    of its sources (a build/ folder left in the checkout could carry stale modules into the wheel)."""
    if not (project / "pyproject.toml").is_file():
        raise PackageError(f"{project} has no pyproject.toml: build the autograder from a checkout of the grader")
    clean = folder / "project"
    shutil.copytree(project / "grader", clean / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(project / name, clean / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-index", "--quiet", "--wheel-dir", str(folder), str(clean)],
                          capture_output=True, text=True, timeout=600)
    wheels = sorted(folder.glob("torch_course_grader-*.whl"))
    if done.returncode != 0 or not wheels:
        raise PackageError(f"pip wheel failed: {(done.stderr or done.stdout).strip()[-400:]}")
    return wheels[-1]


def _torch_pins() -> dict[str, str]:
    """The torch and torchvision versions the grader was tested with, without a local build tag (+cu130)."""
    return {f"{name}_version": version(name).split("+")[0] for name in ("torch", "torchvision")}


def build_package(out: Path, *, lessons: tuple[str, ...], course: Path | None = None,
                  policy: str = "latest", project: Path = PROJECT_ROOT, seed: int | None = None) -> AutograderPackage:
    """Write the autograder zip to `out` and say what it holds."""
    if course is not None:
        load_course(course)      # a bad course file stops the build, not the first submission
    solutions = project / "solutions"
    mnist = any(load_lesson(lesson).needs_mnist for lesson in lessons)
    raw = data.raw_dir(data.data_root()) if mnist else None
    entries: dict[str, bytes | Path] = {}
    for lesson_id in lessons:
        module = solutions / lesson_id / load_lesson(lesson_id).filename
        if not module.is_file():
            raise PackageError(f"no reference {module}: the autograder grades against the solutions")
        entries[f"solutions/{lesson_id}/{module.name}"] = module
    if raw is not None:
        for name in data.MNIST_FILES:
            entries[f"data/MNIST/raw/{name}"] = raw / name
    if course is not None:
        entries["course.toml"] = Path(course)
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as folder:
        wheel = build_wheel(project, Path(folder))
        entries[f"wheels/{wheel.name}"] = wheel.read_bytes()
    values = {"grader_version": grader.__version__, "wheel": wheel.name, **_torch_pins()}
    config = {"lessons": list(lessons), "seed": seed if seed is not None else secrets.randbelow(2**31 - 1) + 1,
              "course": "course.toml" if course is not None else None, "policy": policy,
              "grader_version": grader.__version__}
    entries[CONFIG] = json.dumps(config, indent=2).encode()
    scripts = {name: _fill(name, values).encode() for name in ("setup.sh", "run_autograder")}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in {**scripts, **dict(sorted(entries.items()))}.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((EXECUTABLE if name in scripts else 0o644) | 0o100000) << 16
            archive.writestr(info, content.read_bytes() if isinstance(content, Path) else content)
    return AutograderPackage(out, lessons, wheel.name, tuple([*scripts, *sorted(entries)]), mnist)
