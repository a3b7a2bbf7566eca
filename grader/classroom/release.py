"""`grader release --out DIR`: the student template repository, without the solutions.

    solutions/ + grader/ + tests/catalogue/  ->  DIR/
        exercises/lessonNN/<module>.py       stubs generated from the solutions
        exercises/lessonNN/test_lessonNN.py  the file the pytest plugin turns into the checks
        grader/                              the checks, the plugin, `grader classroom`, and only the
                                             modules they import (no judge, no release, no solutions)
        grader/answers/lessonNN.*            the reference's answers, recorded (recording.py, recorded.py)
        grader/answers/MANIFEST.json         sha256 of every grading file, for `grader classroom --verify`
        .github/workflows/classroom.yml      one grading step per lesson + GitHub Classroom's reporter
        pyproject.toml, README.md, .gitignore, .gitattributes

The answers are recorded while each lesson's checks run, on the CPU with the course seed, against
the reference itself, the stubs, and every catalogued mistake and alternative style. The release
then proves itself before it finishes: replaying the answers must give every recorded run exactly
the same outcomes (the reference full marks, the stubs zero), and no file may contain a line of a
solution's TODO bodies (leaks.py). Any failure stops the release (`ReleaseError`). The generated
text files come from templates/ (generated.py); which grader modules ship is packaging.py's job.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from grader import __version__, data
from grader.authoring.stubs import STUDENT_TESTS, make_stub
from grader.checks import LESSON_IDS, load_lesson
from grader.classroom import seal
from grader.classroom.errors import ReleaseError
from grader.classroom.generated import (
    REPORTER_REF,
    SHA,
    TEMPLATES,
    gitattributes_text,
    gitignore_text,
    pyproject_text,
    readme_text,
    workflow_text,
    write_notebooks,
)
from grader.classroom.integrity import MANIFEST_NAME, file_digest
from grader.classroom.leaks import leaks, public_lines, shared_lines, solution_bodies
from grader.classroom.packaging import package_files
from grader.classroom.recorded import replayable_hypothesis
from grader.classroom.recording import record_lesson, replay_lesson
from grader.notebooks.submitted import STUBS_FILE, released_stub_fingerprints

PROJECT = Path(__file__).resolve().parents[2]


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
    out = []
    for lesson_id in LESSON_IDS:
        if not (project / "grader" / "checks" / f"{lesson_id}.py").exists():
            continue
        if any((project / "solutions" / lesson_id).glob("*.py")):
            out.append(lesson_id)
    return out


# ---------------------------------------------------------------- the release


def release(out: Path, *, project: Path = PROJECT, lessons: list[str] | None = None, catalogue: bool = True,
            git: bool = False, force: bool = False, reporter_ref: str = REPORTER_REF, with_mnist: bool = False,
            progress=None) -> ReleaseReport:
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
    if not SHA.fullmatch(reporter_ref):
        say(f"warning: the reporter is pinned by the movable ref {reporter_ref!r}; pass --reporter-ref SHA")
    with_mnist = with_mnist and needs_mnist
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
                raise ReleaseError("replaying the recorded answers changes outcomes:\n  "
                                   + "\n  ".join(differences[:20]))
            reports.append(LessonRelease(
                lesson.id, lesson.title, lesson.module, lesson.max_score, lesson.todos, len(store),
                {name: f"{result.score:g} / {result.max_score:g}" for name, (_, _, result) in runs.items()},
                store.conflicts))
        # the rest of the template
        import torchvision  # only its version, here: importing it costs every command of the CLI ~1 s
        (tree / ".github" / "workflows").mkdir(parents=True)
        (tree / ".github" / "workflows" / "classroom.yml").write_text(workflow_text(
            loaded, python=".".join(platform.python_version_tuple()[:2]),
            torch_version=torch.__version__.split("+")[0], torchvision_version=torchvision.__version__.split("+")[0],
            needs_mnist=needs_mnist, reporter_ref=reporter_ref, with_mnist=with_mnist), encoding="utf-8")
        (tree / "pyproject.toml").write_text(pyproject_text(project, sorted(data_patterns)), encoding="utf-8")
        (tree / "README.md").write_text(readme_text(loaded, needs_mnist=needs_mnist, with_mnist=with_mnist),
                                        encoding="utf-8")
        (tree / ".gitignore").write_text(gitignore_text(with_mnist=with_mnist), encoding="utf-8")
        (tree / ".gitattributes").write_text(gitattributes_text(), encoding="utf-8")
        write_notebooks(tree, loaded, project)
        # a Python without the grader or torch: one line naming the Python to use
        shutil.copyfile(TEMPLATES / "exercises-conftest.py", tree / "exercises" / "conftest.py")
        # which file a student worked in is told from the stubs' fingerprints (no solutions there)
        (answers / STUBS_FILE.name).write_text(json.dumps(released_stub_fingerprints(tree / "exercises", loaded),
                                                          indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if with_mnist:   # the four archives, so neither the student nor CI downloads anything
            bundled = data.raw_dir(tree / "datasets")
            bundled.mkdir(parents=True)
            for name in data.MNIST_FILES:
                shutil.copyfile(data.raw_dir(data_root) / name, bundled / name)
        # the manifest of grading files
        graded = sorted(
            [p for p in (tree / "grader").rglob("*") if p.is_file()]
            + list((tree / "exercises").glob("lesson*/test_lesson*.py")) + [tree / "exercises" / "conftest.py"]
            + [tree / ".github" / "workflows" / "classroom.yml", tree / "pyproject.toml"])
        manifest = {"format": 1, "grader": __version__, "lessons": lesson_ids, "source_commit": _commit(project),
                    "recorded": meta,
                    "files": {p.relative_to(tree).as_posix(): file_digest(p) for p in graded}}
        manifest_text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
        (answers / MANIFEST_NAME).write_text(manifest_text, encoding="utf-8")
        digest = hashlib.sha256(manifest_text.encode()).hexdigest()
        # the seal: the manifest's digest in the checks package and the workflow (grader/classroom/seal.py)
        (tree / seal.SEAL_MODULE).write_text(seal.seal_module_text(digest), encoding="utf-8")
        workflow = tree / seal.WORKFLOW
        sealed = workflow.read_text(encoding="utf-8").replace(seal.workflow_env(""), seal.workflow_env(digest))
        workflow.write_text(sealed, encoding="utf-8")
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
