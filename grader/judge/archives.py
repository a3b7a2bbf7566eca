"""Safe extraction of student archives: zip and tar, checked entry by entry.

No traversal, no links, no special files; bounded size, count and compression ratio, with sizes
counted while streaming since headers can lie. `.rar` and `.7z` cannot be opened here: intake
makes them a refused student rather than a vanished one.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from grader.i18n import tr

MiB = 2**20
MAX_ARCHIVE_BYTES = 200 * MiB
MAX_ARCHIVE_FILES = 5000
MAX_RATIO = 100                    # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1 * MiB
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
UNREADABLE_SUFFIXES = (".rar", ".7z")     # archives students hand in that the judge cannot open


class UnsafeArchive(Exception):
    """An archive that cannot be extracted safely (or at all); the message says why."""


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
