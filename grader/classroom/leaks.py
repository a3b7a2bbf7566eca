"""The solution-leak scan: no line of a solution's TODO bodies may be released.

A TODO body's significant lines (stripped; short, generic and comment lines left out) must appear
in no released file, unless the grader's own source has the same line (public by design); nor may
a whole body of two or more lines appear in a row. Gzip members are read decompressed.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from grader.authoring.stubs import parse_todos

SIGNIFICANT = 12                   # solution lines at least this long must not appear in the release
GENERIC = {"return x", "pass", "return model", "return loss", "return None", "return out"}


def solution_bodies(project: Path, lessons: list[str]) -> dict[str, list[str]]:
    """Each TODO body of the solutions as its significant lines (stripped; short, generic and
    comment lines left out), keyed by where it comes from."""
    bodies = {}
    for lesson in lessons:
        for path in sorted((project / "solutions" / lesson).glob("*.py")):
            for todo in parse_todos(path.read_text(encoding="utf-8"), str(path)):
                lines = [line.strip() for line in todo.body]
                bodies[f"{path.relative_to(project).as_posix()} TODO {todo.name}"] = [
                    line for line in lines if len(line) >= SIGNIFICANT and line not in GENERIC
                    and not line.startswith("#")]
    return bodies


def public_lines(project: Path) -> set[str]:
    """Every line of the grader's own source: public by design (a probe that saves a model has the
    same `torch.save(model, path)` line as the TODO that saves one; hints quote such lines too)."""
    return {line.strip() for path in (project / "grader").rglob("*.py") if "__pycache__" not in path.parts
            for line in path.read_text(encoding="utf-8").splitlines()}


def _released_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def leaks(out: Path, bodies: dict[str, list[str]], public: set[str]) -> list[str]:
    """Released files holding solution code: a TODO line found nowhere in the grader's own source,
    or a whole TODO body of two or more lines in a row (gzip members are read decompressed)."""
    distinct = {line: where for where, lines in bodies.items() for line in lines if line not in public}
    runs = {where: lines for where, lines in bodies.items() if len(lines) >= 2}
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and ".git" not in p.relative_to(out).parts
                       and p.relative_to(out).parts[0] != "datasets"):     # MNIST, bundled: data, not code
        lines = [line.strip() for line in _released_text(path).splitlines()]
        for number, line in enumerate(lines, start=1):
            if line in distinct:
                found.append(f"{path.relative_to(out)}:{number} holds a line of {distinct[line]}")
        code = [line for line in lines if line]
        for where, body in runs.items():
            if any(code[i:i + len(body)] == body for i in range(len(code) - len(body) + 1)):
                found.append(f"{path.relative_to(out)} holds the body of {where}")
    return found


def shared_lines(bodies: dict[str, list[str]], public: set[str]) -> list[str]:
    """Solution lines that the grader's own source also has (reported, not a leak)."""
    return sorted({f"{line}  ({where})" for where, lines in bodies.items() for line in lines if line in public})
