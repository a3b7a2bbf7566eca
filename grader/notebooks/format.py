"""Reading a lesson notebook: its code cells, the score cell left out.

Parsing is plain JSON: a notebook that is not JSON is reported as such (NotANotebook).
The score cell, which runs the checks inside the notebook, is tagged `grader-checks` and its
source starts with `# grader-checks` (kept when an editor loses the tags).
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.i18n import tr

CHECKS_TAG = "grader-checks"      # cell metadata tag of the score cell ...
CHECKS_MARKER = "# grader-checks"  # ... and the comment its source starts with (kept when tags are lost)
INSTALLS = ("%pip", "%conda", "%mamba")


class NotANotebook(ValueError):
    pass


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_checks_cell(cell: dict) -> bool:
    """The score cell: tagged `grader-checks`, or its source starts with `# grader-checks`."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    if isinstance(tags, list) and CHECKS_TAG in tags:
        return True
    return cell_source(cell).lstrip().startswith(CHECKS_MARKER)


def _is_shell(line: str) -> bool:
    line = line.lstrip()
    return line.startswith("!") or line.split(" ", 1)[0] in INSTALLS


def code_cells(path: Path, *, magics: bool = False) -> list[tuple[int, str]]:
    """[(number, source)] of the notebook's code cells, numbered from 1 as Jupyter shows them, the
    score cell left out (its number kept) and shell lines removed; `%` lines too unless `magics`."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise NotANotebook(tr("{name} is not a readable notebook ({error})", name=Path(path).name,
                              error=type(exc).__name__)) from None
    out, number = [], 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        if is_checks_cell(cell):
            continue
        lines = [line for line in cell_source(cell).splitlines()
                 if not (_is_shell(line) or (not magics and line.lstrip().startswith("%")))]
        out.append((number, "\n".join(lines)))
    return out
