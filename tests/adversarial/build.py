"""Build a class of student folders (and archives) from catalogue cases."""

from __future__ import annotations

from pathlib import Path

from conftest import SOLUTIONS

from adversarial.cases import ARCHIVE_BUILDERS, SOLUTION_MARK, evil_pickle, looping_notebook


def _content(value):
    if value == "@@EVIL_PICKLE@@":
        return evil_pickle()
    if value == "@@NOTEBOOK_LOOP@@":
        return looping_notebook()
    if isinstance(value, str):
        return value.replace(SOLUTION_MARK, (SOLUTIONS / "lesson03" / "backprop.py").read_text())
    return value


def build(folder: Path, cases) -> list[Path]:
    """One folder per case under `folder`, plus the archive cases as archives beside it."""
    paths = [folder]
    folder.mkdir(parents=True, exist_ok=True)
    archives = folder.parent / "archives"
    archives.mkdir(exist_ok=True)
    for case in cases:
        if case.name in ARCHIVE_BUILDERS:
            paths.append(ARCHIVE_BUILDERS[case.name](archives, _content(SOLUTION_MARK)))
            continue
        for relative, value in case.files.items():
            target = folder / case.name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            content = _content(value)
            (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
    return paths
