import os
import shutil
from pathlib import Path

import pytest
import torch

from grader import strategies
from grader.checks import LESSON_IDS, load_lesson
from grader.handle import LocalHandle

PROJECT = Path(__file__).resolve().parent.parent
PRISTINE_GRADING = strategies.GRADING   # as grading sets it up: derandomized, no shrinking
SOLUTIONS, EXERCISES = PROJECT / "solutions", PROJECT / "exercises"

torch.set_num_threads(int(os.environ.get("GRADER_THREADS", "1")))


# End-to-end modules: a real judge batch, a release, GitHub Classroom's path, a Dask cluster, the
# catalogue's MNIST training, notebooks through a kernel. With every test that runs a student's
# pytest in a fresh process (the `pytester` fixture), they are `slow`: `pytest -m "not slow"` is
# the fast lane.
SLOW_MODULES = {"test_batch.py", "test_dask.py", "test_adversarial.py", "test_release.py", "test_classroom.py",
                "test_catalogue.py", "test_notebooks.py", "test_student_release.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_MODULES or "pytester" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def written_lessons() -> list[str]:
    """Lessons whose checks exist (all eight once the course is complete)."""
    return [lesson for lesson in LESSON_IDS if (PROJECT / "grader" / "checks" / f"{lesson}.py").exists()]


@pytest.fixture(scope="session")
def reference_handles():
    cache = {}

    def get(lesson_id: str) -> LocalHandle:
        if lesson_id not in cache:
            lesson = load_lesson(lesson_id)
            cache[lesson_id] = LocalHandle(SOLUTIONS / lesson_id / lesson.filename)
        return cache[lesson_id]
    return get


@pytest.fixture(scope="session")
def mnist_root():
    from grader import data
    return data.data_root()


@pytest.fixture(autouse=True)
def grading_settings_restored():
    """Release and replay switch a process to replay mode (no shrinking); no test may inherit it.

    Both before and after each test: a module- or session-scoped fixture (a release built once
    for a file's tests) runs before this function-scoped fixture, so restoring only afterwards
    would keep its setting for the test that first used it — and for judge workers forked there.
    """
    from grader import strategies
    strategies.GRADING = PRISTINE_GRADING
    yield
    strategies.GRADING = PRISTINE_GRADING


@pytest.fixture
def lesson03(pytester):
    """A student's copy of exercises/lesson03 (the stub), in pytester's folder."""
    folder = pytester.path / "lesson03"
    shutil.copytree(EXERCISES / "lesson03", folder)
    return folder


def run_student_pytest(pytester, folder, *args):
    """`pytest FOLDER` as a student runs it, in a fresh process, the reference from solutions/."""
    return pytester.runpytest_subprocess(str(folder), f"--solutions={SOLUTIONS}", "-p", "no:cacheprovider", *args)
