"""Read the catalogue keys out of the source: every `tr("...")` and `N_("...")` literal.

Used by tests/test_i18n.py and by `python -m grader.i18n` (which reports and syncs catalogues).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import placeholders

PACKAGE_ROOT = Path(__file__).resolve().parent.parent          # grader/
LITERAL_ONLY = {"tr", "N_"}                                      # first argument must be a literal
TRANSLATING = {"tr"}                                             # keyword values must match the key


@dataclass
class Extracted:
    keys: dict[str, list[str]] = field(default_factory=dict)    # key -> ["grader/x.py:12", ...], in order
    problems: list[str] = field(default_factory=list)           # "grader/x.py:12: ..." for every misuse


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def extract(roots: list[Path] | None = None, relative_to: Path | None = None) -> Extracted:
    roots = roots or [PACKAGE_ROOT]
    base = relative_to or PACKAGE_ROOT.parent
    out = Extracted()
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            where = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _name(node.func) in LITERAL_ONLY:
                    _one_call(node, _name(node.func), f"{where}:{node.lineno}", out)
    for key in out.keys:
        out.keys[key].sort(key=lambda loc: (loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1])))
    out.keys = dict(sorted(out.keys.items(), key=lambda item: _order(item[1][0])))
    return out


def _order(location: str) -> tuple[str, int]:
    file, line = location.rsplit(":", 1)
    return file, int(line)


def _one_call(node: ast.Call, name: str, location: str, out: Extracted) -> None:
    if not node.args or not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        out.problems.append(f"{location}: {name}() needs a string literal as its first argument "
                            "(put what varies in {placeholders})")
        return
    key = node.args[0].value
    out.keys.setdefault(key, []).append(location)
    try:
        fields = placeholders(key)
    except ValueError as exc:
        out.problems.append(f"{location}: {key!r} is not a valid format string ({exc}); double literal braces")
        return
    for field_name, _, _ in fields:
        if not field_name.isidentifier():
            out.problems.append(f"{location}: placeholder {{{field_name}}} in {key!r} should be a plain name "
                                "(no positions, attributes or indexes)")
    if name == "N_":
        if len(node.args) != 1 or node.keywords:
            out.problems.append(f"{location}: N_() takes the text only")
        return
    if len(node.args) > 1:
        out.problems.append(f"{location}: tr() takes its values as keywords")
    if any(k.arg is None for k in node.keywords):  # tr(key, **values): not checkable here
        return
    given, needed = {k.arg for k in node.keywords}, {f[0] for f in fields}
    if given != needed:
        missing, extra = sorted(needed - given), sorted(given - needed)
        out.problems.append(f"{location}: tr({key!r}) " + "; ".join(
            ([f"has no value for {', '.join(missing)}"] if missing else [])
            + ([f"is given {', '.join(extra)}, not in the text"] if extra else [])))
