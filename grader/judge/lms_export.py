"""Submissions as an LMS exports them: a folder (or a .zip) of per-student files, named by the
LMS's own convention, which says whose they are and, by the entry's time, when they came in.

- Canvas:  `nguyenvanan_12345_67890_lesson03.zip` (`_LATE_` after the name when late);
- Moodle:  `Nguyen Van An_123456_assignsubmission_file_lesson03.zip` (or such a folder);
- Gradescope: `submission_123456/` folders and a `submission_metadata.yml` naming the submitters;
- anything else: a folder holding only archives, one per student, named after the archive.

The time of an entry is its modification time, which an export zip carries per entry (set by the
LMS when the file was received) and extraction keeps; it is read as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

CANVAS = re.compile(r"(?P<name>[^_]+?)(?:_LATE)?_(?P<id>\d+)_\d+_(?P<file>.+)", re.IGNORECASE)
MOODLE = re.compile(r"(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_\w+?_(?P<file>.*)")
GRADESCOPE = re.compile(r"submission_(?P<id>\d+)")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".rar", ".7z")


@dataclass(frozen=True)
class ExportEntry:
    path: Path              # an archive, or a folder holding the student's files
    student: str
    lms_id: str = ""
    time: str | None = None


def _time(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


def _stem(path: Path) -> str:
    """`ada` for ada.zip, ada.tar.gz, ada.rar."""
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if path.name.lower().endswith(suffix):
            return path.name[:-len(suffix)]
    return path.stem


def _is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def export_entries(folder: Path) -> list[ExportEntry]:
    """The per-student entries of an LMS export in `folder`, or [] when it is not one."""
    children = [c for c in sorted(folder.iterdir()) if not c.name.startswith((".", "__MACOSX")) and not c.is_symlink()]
    if (folder / "submission_metadata.yml").is_file():
        return _gradescope(folder, children)
    entries = []
    for child in children:
        match = MOODLE.fullmatch(child.name) or (CANVAS.fullmatch(child.name) if child.is_file() else None)
        if match is None:
            break
        if child.is_dir() or _is_archive(child):
            entries.append(ExportEntry(child, match.group("name"), match.group("id"), _time(child)))
        else:
            break        # a loose file: not a per-student archive export
    else:
        if entries:
            return entries
    archives = [c for c in children if _is_archive(c)]
    if archives and len(archives) == len(children):
        return [ExportEntry(a, _stem(a), time=_time(a)) for a in archives]
    return []


def _gradescope(folder: Path, children: list[Path]) -> list[ExportEntry]:
    """Gradescope's export: the metadata names each submission's submitters and its time."""
    text = (folder / "submission_metadata.yml").read_text(encoding="utf-8", errors="replace")
    meta: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if match := re.match(r"(submission_\d+):\s*$", line):
            current = meta.setdefault(match.group(1), {})
        elif current is not None and (match := re.match(r"\s*-?\s*:(name|sid|email|created_at):\s*(.*)$", line)):
            current.setdefault(match.group(1), match.group(2).strip().strip("'\""))
    entries = []
    for child in children:
        if not (GRADESCOPE.fullmatch(child.name) and child.is_dir()):
            continue
        info = meta.get(child.name, {})
        when = info.get("created_at")
        try:
            when = datetime.strptime(re.sub(r"\.\d+", "", when), "%Y-%m-%d %H:%M:%S %z").isoformat() if when else None
        except ValueError:
            when = None
        entries.append(ExportEntry(child, info.get("name") or child.name, info.get("sid") or info.get("email", ""),
                                   when or _time(child)))
    return entries
