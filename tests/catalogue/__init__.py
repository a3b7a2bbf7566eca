"""Student versions of each lesson built from the reference plus a small patch (see README.md)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
PROJECT = HERE.parent.parent
EXPECT = "Expect:"


@dataclass(frozen=True)
class Variant:
    lesson: str
    name: str
    patch: Path
    description: str
    loses: tuple[str, ...]
    says: tuple[str, ...] = ()   # phrases some message of the lost TODOs must contain (SAYS = (...))
    expect: str = ""             # the phrase the first message of a lost TODO must contain (`Expect:` line)

    @property
    def correct(self) -> bool:
        return self.name.startswith("correct_")

    def build(self, solution: Path, folder: Path) -> Path:
        """Write the patched module under `folder` with the solution's file name."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / solution.name
        target.write_text(solution.read_text(encoding="utf-8") + "\n\n# --- catalogue patch ---\n"
                          + self.patch.read_text(encoding="utf-8"), encoding="utf-8")
        return target


def variants(lesson: str | None = None) -> list[Variant]:
    out = []
    for patch in sorted(HERE.glob("lesson[0-9][0-9]/*.py")):
        if lesson and patch.parent.name != lesson:
            continue
        tree = ast.parse(patch.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree) or ""
        description = docstring.splitlines()[0] if docstring else ""
        expect = next((line.strip().removeprefix(EXPECT).strip() for line in docstring.splitlines()
                       if line.strip().startswith(EXPECT)), "")
        declared: dict[str, tuple[str, ...]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if getattr(target, "id", None) in ("LOSES", "SAYS"):
                        declared[target.id] = tuple(ast.literal_eval(node.value))
        out.append(Variant(patch.parent.name, patch.stem, patch, description, declared.get("LOSES", ()),
                           declared.get("SAYS", ()), expect))
    return out


def variant(lesson: str, name: str) -> Variant:
    """One catalogued version by its file name, e.g. variant("lesson03", "mistake_rebinds_then_zeroes")."""
    return next(v for v in variants(lesson) if v.name == name)
