"""Safe intake of submissions: layout detection (archives through `archives.py`), copying the
lesson files.

Nothing here runs student code, but everything here reads student-controlled bytes and names:
archives are checked entry by entry (no traversal, no links, no special files, bounded size
and count, sizes counted while streaming since headers can lie), symlinks are never followed,
and only the lesson files ever leave a submission (`copy_lesson_files`).
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import re
import shutil
import stat
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.i18n import tr
from grader.judge.archives import UNREADABLE_SUFFIXES, MiB, UnsafeArchive, archive_stem, extract_archive, is_archive
from grader.judge.lms_export import export_entries

MAX_LESSON_FILE_BYTES = 50 * MiB
MAX_LISTED = 100                   # ignored entries listed per submission

LESSON_DIR = re.compile(r"lesson0*(\d{1,2})", re.IGNORECASE)
# lessonNN.ipynb, or a generated notebook in another language: lessonNN.vi.ipynb (grader/authoring/lesson_notebooks.py)
LESSON_NOTEBOOK = re.compile(r"lesson0*(\d{1,2})(?:\.(?P<lang>[a-z]{2}))?\.ipynb", re.IGNORECASE)
# Never graded, never listed: version control and tool droppings.
JUNK = {".git", "__pycache__", ".ipynb_checkpoints", "__MACOSX", ".DS_Store"}
# Python files in a lesson folder that are never lesson modules (pytest and interpreter hooks).
NEVER_LESSON_MODULES = {"conftest.py", "sitecustomize.py", "usercustomize.py", "setup.py", "__init__.py"}


@dataclass(frozen=True)
class Submission:
    student: str
    root: Path
    lessons: dict[str, Path]       # "lesson05" -> the folder holding that lesson's files
    ignored: tuple[str, ...] = ()  # paths under root (and skipped archive links) that are not graded
    refused: str = ""              # why nothing of it can be graded (an unsafe archive), else ""
    origin: str = ""               # what the instructor gave for it (folder, archive, notebook): named in messages
    lms_id: str = ""               # the LMS's id of the student, from an export's file name
    lms_time: str | None = None    # when the LMS received it (ISO 8601), from an export


# --- layouts ---------------------------------------------------------------------------------------
_scratch: Path | None = None


def _default_scratch() -> Path:
    """A temporary folder for extracted archives and lone notebooks, removed at exit."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="grader-intake-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def find_submissions(paths: Iterable[Path], *, scratch: Path | None = None,
                     strip_prefix: bool = False) -> list[Submission]:
    """The submissions in `paths`, each of which may be:

    - a folder holding `exercises/lessonNN/...`, `lessonNN/...` or `lessonNN.ipynb` (one student,
      named after the folder);
    - a folder of such folders (a class; GitHub Classroom's `<assignment>-submissions/<assignment>-<login>`
      gives the student `<login>`; elsewhere a shared prefix is dropped only with `strip_prefix`);
    - a folder or .zip of per-student archives, as Canvas, Moodle and Gradescope export them
      (`lms_export.py` maps their file names to students);
    - a .zip / .tar(.gz) / .tgz of either (named after the archive; wrapper folders are skipped);
    - a .rar or .7z: a student whose submission is refused, with the reason;
    - a lone `lessonNN.ipynb` (named after its folder).
    Archives and lone notebooks are unpacked or copied under `scratch` (default: a temporary
    folder removed at exit). Raises FileNotFoundError; an unsafe archive becomes a refused Submission.
    """
    if scratch is not None:
        Path(scratch).mkdir(parents=True, exist_ok=True)
    found: list[Submission] = []
    scratch = scratch or _default_scratch()
    notebooks: dict[Path, list[Path]] = {}
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        if path.is_dir():
            found += _from_folder(path, path.name, scratch=scratch, strip_prefix=strip_prefix)
        elif is_archive(path) or path.name.lower().endswith(UNREADABLE_SUFFIXES):
            found += _from_archive(path, archive_stem(path), scratch, strip_prefix=strip_prefix)
        elif LESSON_NOTEBOOK.fullmatch(path.name):
            notebooks.setdefault(path.resolve().parent, []).append(path)
        else:
            warnings.warn(f"{path} is neither a folder, an archive nor a lessonNN.ipynb: skipped", stacklevel=2)
    for lone in notebooks.values():    # lone notebooks of one folder are one student's lessons
        found.append(dataclasses.replace(_lone_notebooks(lone, scratch), origin=", ".join(map(str, lone))))
    return found


def _from_archive(path: Path, name: str, scratch: Path, *, strip_prefix: bool = False,
                  lms_id: str = "", lms_time: str | None = None) -> list[Submission]:
    """The submissions in one archive: one student's (named `name`), or a class (an LMS export)."""
    if path.name.lower().endswith(UNREADABLE_SUFFIXES):
        reason = tr("{archive}: {kind} archives cannot be read by the grader; hand in a .zip",
                    archive=path.name, kind=Path(path.name).suffix.lower())
        return [Submission(name, path, {}, refused=tr("Refused: {reason}.", reason=reason), origin=str(path),
                           lms_id=lms_id, lms_time=lms_time)]
    dest = Path(tempfile.mkdtemp(prefix="archive-", dir=scratch))
    skipped: list[str] = []
    try:
        extract_archive(path, dest, skipped=skipped)
    except UnsafeArchive as exc:  # this student gets the message; the batch goes on
        return [Submission(name, path, {}, refused=tr("Refused: {reason}.", reason=exc), origin=str(path),
                           lms_id=lms_id, lms_time=lms_time)]
    inside = _from_folder(_unwrap(dest), name, extra_ignored=skipped, scratch=scratch, strip_prefix=strip_prefix)
    # An archive is always one student's, even when no lesson file survived extraction.
    inside = inside or [Submission(name, dest, {}, tuple(skipped))]
    one = len(inside) == 1 and inside[0].student == name
    return [dataclasses.replace(s, origin=str(path) if one else f"{path} → {Path(s.origin or s.root).name}",
                                lms_id=s.lms_id or (lms_id if one else ""),
                                lms_time=s.lms_time or (lms_time if one else None)) for s in inside]


def _lesson_id(match: re.Match) -> str:
    return f"lesson{int(match.group(1)):02d}"


def lessons_in(root: Path) -> dict[str, Path]:
    """Lesson id -> folder, from exercises/lessonNN/, lessonNN/ or lessonNN.ipynb (first found wins)."""
    lessons: dict[str, Path] = {}
    for base in (root / "exercises", root):
        if not base.is_dir() or base.is_symlink():
            continue
        for entry in sorted(base.iterdir()):
            if entry.is_symlink():
                continue
            if (match := LESSON_DIR.fullmatch(entry.name)) and entry.is_dir():
                lessons.setdefault(_lesson_id(match), entry)
            elif (match := LESSON_NOTEBOOK.fullmatch(entry.name)) and entry.is_file():
                lessons.setdefault(_lesson_id(match), base)
    return dict(sorted(lessons.items()))


def _visible_dirs(folder: Path) -> list[Path]:
    return [e for e in sorted(folder.iterdir())
            if e.is_dir() and not e.is_symlink() and e.name not in JUNK and not e.name.startswith(".")]


def _unwrap(folder: Path) -> Path:
    """Skip wrapper folders (`repo-main/` in a GitHub zip): a folder with no lessons whose only
    content is one folder."""
    for _ in range(5):
        entries = [e for e in folder.iterdir() if e.name not in JUNK]
        if lessons_in(folder) or len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
            break
        folder = entries[0]
    return folder


def _from_folder(folder: Path, name: str, extra_ignored: Iterable[str] = (), *, scratch: Path | None = None,
                 strip_prefix: bool = False) -> list[Submission]:
    lessons = lessons_in(folder)
    if lessons:
        return [Submission(name, folder, lessons, tuple(extra_ignored) + _ignored_files(folder, lessons),
                           origin=str(folder))]
    exported = export_entries(folder)
    if exported:
        found = []
        for entry in exported:
            if entry.path.is_dir():
                root = _unwrap(entry.path)
                found.append(Submission(entry.student, root, lessons_in(root), _ignored_files(root, lessons_in(root)),
                                        origin=str(entry.path), lms_id=entry.lms_id, lms_time=entry.time))
            else:
                found += _from_archive(entry.path, entry.student, scratch or _default_scratch(),
                                       lms_id=entry.lms_id, lms_time=entry.time)
        return found
    children = _visible_dirs(folder)
    students = [(child, _unwrap(child)) for child in children]
    if not any(lessons_in(root) for _, root in students) and not folder.name.endswith("-submissions"):
        return []
    names = student_names(folder.name, [child.name for child in children], strip_prefix=strip_prefix)
    found = [Submission(names[child.name], root, lessons_in(root), _ignored_files(root, lessons_in(root)),
                        origin=str(child))
             for child, root in students]
    # archives beside the student folders are students too (never silently left out)
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and not entry.is_symlink() and not entry.name.startswith(".") and (
                is_archive(entry) or entry.name.lower().endswith(UNREADABLE_SUFFIXES)):
            name = archive_stem(entry) if is_archive(entry) else entry.name.rsplit(".", 1)[0]
            found += _from_archive(entry, name, scratch or _default_scratch())
    return found


def student_names(parent: str, folders: list[str], *, strip_prefix: bool = False) -> dict[str, str]:
    """Folder name -> student name. Only in GitHub Classroom's `<assignment>-submissions` folder is
    the `<assignment>-` prefix dropped; elsewhere only with `strip_prefix` (the prefix shared by all,
    up to a `-`): two sections' `nguyen-van-an` and `tran-van-an` must not both become `an`."""
    prefix = parent[:-len("submissions")] if parent.endswith("-submissions") else ""
    if not (prefix and all(f.startswith(prefix) for f in folders)):
        common = os.path.commonprefix(folders) if len(folders) > 1 and strip_prefix else ""
        prefix = common[:common.rfind("-") + 1]
    if any(len(f) <= len(prefix) for f in folders):
        prefix = ""
    return {f: f[len(prefix):] for f in folders}


def notebook_name(match: re.Match) -> str:
    """The canonical name of a lesson notebook: lesson03.ipynb, lesson03.vi.ipynb."""
    lang = match.group("lang")
    return f"{_lesson_id(match)}.{lang.lower()}.ipynb" if lang else f"{_lesson_id(match)}.ipynb"


def _lone_notebooks(paths: list[Path], scratch: Path) -> Submission:
    """Lesson notebooks given one by one, from one folder: its student's lessons."""
    student = paths[0].resolve().parent.name or "student"
    folder = Path(tempfile.mkdtemp(prefix="notebooks-", dir=scratch))
    lessons = {}
    for path in paths:
        match = LESSON_NOTEBOOK.fullmatch(path.name)
        if not (folder / notebook_name(match)).exists():
            _copy_file(path, folder / notebook_name(match))
        lessons[_lesson_id(match)] = folder
    return Submission(student, folder, dict(sorted(lessons.items())))


def _is_lesson_file(name: str, lesson_folder: bool) -> bool:
    if not lesson_folder:
        return False
    if LESSON_NOTEBOOK.fullmatch(name) or name.endswith(".ckpt"):
        return True
    return (name.endswith(".py") and name not in NEVER_LESSON_MODULES and not name.startswith("test_")
            and not name.endswith("_test.py"))


def _ignored_files(root: Path, lessons: dict[str, Path]) -> tuple[str, ...]:
    """Files under root that cannot be lesson files (the exact list per lesson comes from
    `copy_lesson_files`); links are listed too, and never followed."""
    lesson_folders = set(lessons.values())
    listed: list[str] = []
    for folder, dirs, files in os.walk(root):
        folder_path = Path(folder)
        links = [d for d in dirs if (folder_path / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in JUNK and d not in links)
        for name in sorted(files + links):
            if name in JUNK:
                continue
            path = folder_path / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                relative = tr("{name} (link)", name=relative)
            elif _is_lesson_file(name, folder_path in lesson_folders):
                continue
            listed.append(relative)
        if len(listed) > 10 * MAX_LISTED:   # a tree of junk: enough walking
            break
    listed.sort()
    if len(listed) > MAX_LISTED:
        listed[MAX_LISTED:] = [tr("... and {count} more", count=len(listed) - MAX_LISTED)]
    return tuple(listed)


# --- copying ------------------------------------------------------------------------------------------
def copy_lesson_files(submission: Submission, lesson: str, dest: Path,
                      allowed: set[str]) -> tuple[list[str], list[str]]:
    """Copy only `lesson`'s files into `dest`: the modules named in `allowed`, `lessonNN.ipynb`
    (under that exact name) and `*.ckpt`, never through a link and none over 50 MiB.
    Returns (copied, ignored): the names copied, and everything else found there."""
    source = submission.lessons[lesson]
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    copied: list[str] = []
    ignored: list[str] = []
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        if entry.name in JUNK:
            continue
        if entry.is_symlink():
            ignored.append(tr("{name} (link)", name=entry.name))
        elif entry.is_dir(follow_symlinks=False):
            ignored += _files_below(Path(entry.path), entry.name)
        elif not entry.is_file(follow_symlinks=False):
            ignored.append(tr("{name} (not a regular file)", name=entry.name))
        else:
            match = LESSON_NOTEBOOK.fullmatch(entry.name)
            notebook = match is not None and _lesson_id(match) == lesson
            if not (entry.name in allowed or notebook or entry.name.endswith(".ckpt")):
                ignored.append(entry.name)
            elif entry.stat(follow_symlinks=False).st_size > MAX_LESSON_FILE_BYTES:
                ignored.append(tr("{name} (larger than {mib} MiB)", name=entry.name, mib=MAX_LESSON_FILE_BYTES // MiB))
            else:
                _copy_file(Path(entry.path), dest / (notebook_name(match) if notebook else entry.name))
                copied.append(entry.name)
    return copied, ignored


def _files_below(folder: Path, prefix: str) -> list[str]:
    found = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in JUNK)
        relative = Path(prefix) / Path(here).relative_to(folder)
        found += [(relative / f).as_posix() for f in sorted(files) if f not in JUNK]
        if len(found) > MAX_LISTED:
            return found[:MAX_LISTED] + ["..."]
    return found or [prefix + "/"]


def _copy_file(source: Path, target: Path) -> None:
    """Copy a regular file without following a link at the last step, re-checking type and size
    on the open descriptor (the file may change between listing and copying)."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as src:
        info = os.fstat(src.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_LESSON_FILE_BYTES:
            raise UnsafeArchive(tr("{name}: not a regular file of at most {mib} MiB", name=source.name,
                                   mib=MAX_LESSON_FILE_BYTES // MiB))
        out_fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(out_fd, "wb") as out:
            left = MAX_LESSON_FILE_BYTES
            while chunk := src.read(MiB):
                left -= len(chunk)
                if left < 0:
                    raise UnsafeArchive(tr("{name}: grew past {mib} MiB while copied", name=source.name,
                                           mib=MAX_LESSON_FILE_BYTES // MiB))
                out.write(chunk)
