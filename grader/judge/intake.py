"""Safe intake of submissions: archive extraction, layout detection, copying the lesson files.

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
import tarfile
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from grader.i18n import tr
from grader.judge.lms_export import export_entries

MiB = 2**20
MAX_ARCHIVE_BYTES = 200 * MiB
MAX_ARCHIVE_FILES = 5000
MAX_LESSON_FILE_BYTES = 50 * MiB
MAX_RATIO = 100                    # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1 * MiB
MAX_LISTED = 100                   # ignored entries listed per submission

LESSON_DIR = re.compile(r"lesson0*(\d{1,2})", re.IGNORECASE)
# lessonNN.ipynb, or a generated notebook in another language: lessonNN.vi.ipynb (grader/authoring/lesson_notebooks.py)
LESSON_NOTEBOOK = re.compile(r"lesson0*(\d{1,2})(?:\.(?P<lang>[a-z]{2}))?\.ipynb", re.IGNORECASE)
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
UNREADABLE_SUFFIXES = (".rar", ".7z")     # archives students hand in that the judge cannot open
# Never graded, never listed: version control and tool droppings.
JUNK = {".git", "__pycache__", ".ipynb_checkpoints", "__MACOSX", ".DS_Store"}
# Python files in a lesson folder that are never lesson modules (pytest and interpreter hooks).
NEVER_LESSON_MODULES = {"conftest.py", "sitecustomize.py", "usercustomize.py", "setup.py", "__init__.py"}


class UnsafeArchive(Exception):
    """An archive that cannot be extracted safely (or at all); the message says why."""


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


# --- archives ------------------------------------------------------------------------------------
def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ZIP_SUFFIXES + TAR_SUFFIXES)


def archive_stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(ZIP_SUFFIXES + TAR_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return path.stem


def extract_archive(path: Path, dest: Path, *, max_bytes: int = MAX_ARCHIVE_BYTES,
                    max_files: int = MAX_ARCHIVE_FILES, skipped: list[str] | None = None) -> Path:
    """Extract a .zip, .tar, .tar.gz or .tgz into the empty (or new) folder `dest`; returns `dest`.

    Raises UnsafeArchive for path traversal, absolute names, device files and other special
    files, more than `max_files` entries, more than `max_bytes` declared or actual bytes, and a
    member over 1 MiB compressed more than 100x. Links (symbolic or hard) are never created:
    they are skipped and their names appended to `skipped`.
    """
    path, dest = Path(path), Path(dest)
    if path.stat().st_size > max_bytes:
        raise UnsafeArchive(tr("{archive}: the archive itself is larger than {mib} MiB", archive=path.name,
                                  mib=max_bytes // MiB))
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ValueError(f"{dest} must be empty")
    skipped = [] if skipped is None else skipped
    budget = _Budget(path.name, max_bytes, max_files)
    name = path.name.lower()
    try:
        if name.endswith(ZIP_SUFFIXES):
            _extract_zip(path, dest, budget, skipped)
        elif name.endswith(TAR_SUFFIXES):
            _extract_tar(path, dest, budget, skipped)
        else:
            raise UnsafeArchive(tr("{archive}: not a .zip, .tar, .tar.gz or .tgz archive", archive=path.name))
    except UnsafeArchive:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, RuntimeError, NotImplementedError,
            OSError) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise UnsafeArchive(tr("{archive}: could not be read ({error})", archive=path.name, error=exc)) from None
    return dest


class _Budget:
    def __init__(self, archive: str, max_bytes: int, max_files: int):
        self.archive, self.max_bytes, self.max_files = archive, max_bytes, max_files
        self.bytes = self.files = 0

    def count_entry(self) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise UnsafeArchive(tr("{archive}: more than {count} entries", archive=self.archive, count=self.max_files))

    def count_bytes(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise UnsafeArchive(tr("{archive}: more than {mib} MiB once extracted", archive=self.archive,
                                  mib=self.max_bytes // MiB))


def _safe_target(dest: Path, name: str, archive: str) -> Path | None:
    """Where entry `name` goes inside dest; None for the archive's root entry."""
    if "\x00" in name:
        raise UnsafeArchive(tr("{archive}: an entry name contains a NUL byte", archive=archive))
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"[A-Za-z]:", posix):
        raise UnsafeArchive(tr("{archive}: absolute path {name!r}", archive=archive, name=name))
    parts = posix.split("/")
    if ".." in parts:
        raise UnsafeArchive(tr("{archive}: path traversal in {name!r}", archive=archive, name=name))
    parts = [p for p in parts if p not in ("", ".")]
    return dest.joinpath(*parts) if parts else None


def _write_member(stream: BinaryIO, target: Path, declared: int, budget: _Budget, name: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except (NotADirectoryError, IsADirectoryError, FileExistsError):
        raise UnsafeArchive(tr("{archive}: entries conflict at {name!r}", archive=budget.archive, name=name)) from None
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(MiB):
            written += len(chunk)
            if written > declared:
                raise UnsafeArchive(tr("{archive}: {name!r} holds more bytes than its header declares",
                                         archive=budget.archive, name=name))
            budget.count_bytes(len(chunk))
            out.write(chunk)


def _extract_zip(path: Path, dest: Path, budget: _Budget, skipped: list[str]) -> None:
    dated: list[tuple[Path, tuple]] = []
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > budget.max_files:
            raise UnsafeArchive(tr("{archive}: more than {count} entries", archive=path.name,
                                   count=budget.max_files))
        declared = sum(m.file_size for m in members)
        if declared > budget.max_bytes:
            raise UnsafeArchive(tr("{archive}: declares {mib} MiB once extracted (limit {limit} MiB)",
                                   archive=path.name, mib=declared // MiB, limit=budget.max_bytes // MiB))
        for member in members:
            budget.count_entry()
            mode = member.external_attr >> 16 if member.create_system == 3 else 0  # 3: Unix
            if stat.S_ISLNK(mode):
                skipped.append(tr("{name} (link)", name=member.filename))
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeArchive(tr("{archive}: {name!r} is a device or other special file", archive=path.name,
                                       name=member.filename))
            target = _safe_target(dest, member.filename, path.name)
            if target is None:
                continue
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                dated.append((target, member.date_time))
                continue
            if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise UnsafeArchive(tr("{archive}: {name!r} is compressed more than {ratio}x (a zip bomb?)",
                                       archive=path.name, name=member.filename, ratio=MAX_RATIO))
            with archive.open(member) as stream:
                _write_member(stream, target, member.file_size, budget, member.filename)
            dated.append((target, member.date_time))
    # An entry keeps its time (an LMS export's says when the LMS received the file); folders last,
    # deepest first, since writing into a folder changes its time.
    for target, date_time in sorted(dated, key=lambda d: (d[0].is_dir(), -len(d[0].parts))):
        try:
            stamp = datetime(*date_time, tzinfo=timezone.utc).timestamp()
            os.utime(target, (stamp, stamp), follow_symlinks=False)
        except (ValueError, OSError):
            pass


def _extract_tar(path: Path, dest: Path, budget: _Budget, skipped: list[str]) -> None:
    data_filter = getattr(tarfile, "data_filter", None)   # Python >= 3.11.4 / 3.10.12
    with tarfile.open(path, "r:*") as archive:
        for member in archive:     # lazily: a huge member list is refused before it is all read
            budget.count_entry()
            if member.issym() or member.islnk():
                skipped.append(tr("{name} (link)", name=member.name))
                continue
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchive(tr("{archive}: {name!r} is a device or other special file", archive=path.name,
                                       name=member.name))
            target = _safe_target(dest, member.name, path.name)
            if data_filter is not None:
                try:
                    data_filter(member, str(dest))
                except tarfile.FilterError as exc:
                    raise UnsafeArchive(f"{path.name}: {exc}") from None
            if target is None:
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if budget.bytes + member.size > budget.max_bytes:
                raise UnsafeArchive(tr("{archive}: more than {mib} MiB once extracted", archive=path.name,
                                       mib=budget.max_bytes // MiB))
            stream = archive.extractfile(member)
            _write_member(stream, target, member.size, budget, member.name)


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
