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
    expect: str = ""        # a mistake's message must contain this phrase (its docstring's `Expect:` line)

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
        loses: tuple[str, ...] = ()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "LOSES" for t in node.targets):
                loses = tuple(ast.literal_eval(node.value))
        out.append(Variant(patch.parent.name, patch.stem, patch, description, loses, expect))
    return out
