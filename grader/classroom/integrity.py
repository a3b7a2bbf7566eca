"""Are the grading files the released ones? The release manifest and `grader classroom --verify`.

At release every grading file (checks, plugin, recorded answers, workflow, pyproject) gets its
sha256 in grader/answers/MANIFEST.json, and the manifest's own digest is sealed into the checks
package and the workflow (grader/classroom/seal.py), so rewriting the manifest's hashes alone
shows too. In a released repository each `grader classroom` run compares the files with it;
`--verify` does only that comparison (and, in GitHub Actions, adds an error annotation to the run).

Only the standard library here: a grading file broken by hand must not stop this comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from grader.classroom import seal

ANSWERS_DIR = Path(__file__).resolve().parent.parent / "answers"   # grader/answers/, only once released
MANIFEST_NAME = "MANIFEST.json"
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".txt", ".cfg", ".ini", ".json"}


def file_digest(path: Path) -> str:
    """sha256 of a file; text files with CRLF line ends hash as with LF (a Windows checkout)."""
    data = path.read_bytes()
    if path.suffix in TEXT_SUFFIXES:
        data = data.replace(b"\r\n", b"\n")
    if Path(path).as_posix().endswith(seal.WORKFLOW):   # it holds the manifest's digest: hashed without it
        data = seal.blank_workflow_digest(data)
    return hashlib.sha256(data).hexdigest()


def _ignored(relative: str) -> bool:
    parts = relative.split("/")
    return "__pycache__" in parts or relative.endswith((".pyc", ".pyo")) or any(p.endswith(".egg-info") for p in parts)


def verify(root: Path, manifest_path: Path) -> tuple[list[str], str | None]:
    """(problems, manifest digest): files changed, missing, or added to the grader package."""
    if not manifest_path.is_file():
        return [f"{manifest_path} is missing"], None
    raw = manifest_path.read_bytes()
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()
    try:
        files = json.loads(raw)["files"]
    except (ValueError, KeyError, TypeError):
        return ["the release manifest cannot be read"], digest
    problems = []
    for relative, expected in sorted(files.items()):
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative} is missing")
        elif file_digest(path) != expected:
            problems.append(f"{relative} was changed")
    package = root / "grader"
    manifest_rel = manifest_path.resolve().relative_to(root.resolve()).as_posix() \
        if manifest_path.resolve().is_relative_to(root.resolve()) else None
    if package.is_dir():
        for path in sorted(package.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not _ignored(relative) and relative not in files \
                    and relative not in (manifest_rel, seal.SEAL_MODULE):
                problems.append(f"{relative} was added")
    return problems + seal.problems(root, digest), digest


def default_manifest() -> Path:
    return ANSWERS_DIR / MANIFEST_NAME


def integrity(root: Path, manifest: Path | None = None) -> int:
    """`grader classroom --verify`: say whether the grading files are the released ones. In a
    GitHub Actions step a modification also becomes an error annotation on the run."""
    problems, digest = verify(root, manifest or default_manifest())
    if not problems:
        print(f"grading files: all match release manifest {digest[:12]}")
        return 0
    where = f"release manifest {digest[:12]}" if digest else "the release"
    print(f"grading files modified: they differ from {where}:")
    for problem in problems:
        print(f"  {problem}")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::error title=grading files modified::{'; '.join(problems)[:900]} (CI points are advisory; "
              "the official grade comes from the instructor's run with the original checks)")
    return 1
