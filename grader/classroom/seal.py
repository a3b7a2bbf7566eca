"""The release's seal: the digest of its manifest, kept in three places that must agree.

`grader/answers/MANIFEST.json` lists the sha256 of every grading file of a released repository.
Rewriting its hashes would hide any change if the manifest were the only record, so `grader
release` also writes the manifest's own digest into the checks package (`grader/checks/_release.py`)
and into the workflow (`GRADER_RELEASE_DIGEST`). `problems` cross-checks the three: a manifest
rewritten alone no longer matches, and the official grade (the instructor's run with the
original checks) is never at stake anyway. Both places hold the digest of the manifest, so they
cannot be listed in it: the seal module is left out of it, and the workflow is hashed with its
digest line blanked.
"""

from __future__ import annotations

import re
from pathlib import Path

SEAL_MODULE = "grader/checks/_release.py"
WORKFLOW = ".github/workflows/classroom.yml"
WORKFLOW_KEY = "GRADER_RELEASE_DIGEST"
_WORKFLOW_LINE = re.compile(rb"^(\s*" + WORKFLOW_KEY.encode() + rb":\s*)\"?([0-9a-f]*)\"?[ \t]*$", re.MULTILINE)
_SEAL_LINE = re.compile(r'^MANIFEST_DIGEST\s*=\s*"([0-9a-f]*)"\s*$', re.MULTILINE)


def seal_module_text(digest: str) -> str:
    return (f'"""The digest of this release\'s grader/answers/MANIFEST.json (grader/classroom/seal.py). '
            f'Do not edit."""\n\n'
            f'MANIFEST_DIGEST = "{digest}"\n')


def workflow_env(digest: str) -> str:
    """The workflow's top-level `env:` block that carries the digest."""
    return f'env:\n  {WORKFLOW_KEY}: "{digest}"\n'


def blank_workflow_digest(data: bytes) -> bytes:
    """The workflow as the manifest hashes it: its digest line without the digest."""
    return _WORKFLOW_LINE.sub(lambda m: m.group(1) + b'""', data)


def sealed(root: Path) -> dict[str, str | None]:
    """The digest each place holds (None where the place or its line is missing)."""
    root = Path(root)
    out: dict[str, str | None] = {}
    try:
        found = _SEAL_LINE.search((root / SEAL_MODULE).read_text(encoding="utf-8"))
        out[SEAL_MODULE] = found.group(1) if found else None
    except (OSError, UnicodeDecodeError):
        out[SEAL_MODULE] = None
    try:
        found = _WORKFLOW_LINE.search((root / WORKFLOW).read_bytes().replace(b"\r\n", b"\n"))
        out[WORKFLOW] = found.group(2).decode() if found else None
    except OSError:
        out[WORKFLOW] = None
    return out


def problems(root: Path, manifest_digest: str | None) -> list[str]:
    """Where the seal does not hold: each place whose digest is not the manifest's."""
    if not manifest_digest:
        return []
    out = []
    for place, digest in sealed(root).items():
        if digest is None:
            out.append(f"{place} has no release digest")
        elif digest != manifest_digest:
            out.append(f"the release manifest ({manifest_digest[:12]}) does not match the digest recorded in "
                       f"{place} ({digest[:12]})")
    return out
