"""Which grader modules the student template ships: the closure of the checks, the pytest plugin,
the notebook score cell and `grader classroom` under their imports, plus their packages' data
files (message catalogues, ...). Never the release side, the judge or the instructor's CLI."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.classroom.errors import ReleaseError

# what the student's side runs: pytest (the plugin), the notebooks' score cell, `grader classroom`
# (`python -m grader.classroom` in the release's own check) and MNIST loading
SHIPPED_ROOTS = ["grader", "grader.pytest_plugin", "grader.notebooks.score_cell", "grader.data",
                 "grader.classroom.__main__", "grader.classroom.command", "grader.classroom.integrity",
                 "grader.classroom.recorded", "grader.classroom.reporter_result", "grader.writers.console",
                 "grader.checks", "grader.probes"]
NEVER_SHIPPED = ["grader.classroom.release", "grader.classroom.packaging", "grader.classroom.recording",
                 "grader.classroom.leaks", "grader.classroom.generated", "grader.classroom.errors",
                 "grader.cli", "grader.judge"]


def _module_file(package_root: Path, name: str) -> Path | None:
    parts = name.split(".")
    base = package_root.joinpath(*parts[1:]) if len(parts) > 1 else package_root
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file() and len(parts) > 1:
        return base.with_suffix(".py")
    return None


def package_closure(roots: list[str], package_root: Path) -> dict[str, Path]:
    """Every grader module reachable from `roots` by import statements (lazy ones included)."""
    found: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found or not (name == "grader" or name.startswith("grader.")):
            continue
        path = _module_file(package_root, name)
        if path is None:
            continue
        found[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        package = name if path.name == "__init__.py" else ".".join(parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                todo.append(module)
                todo += [f"{module}.{alias.name}" for alias in node.names]
    return found


def package_files(lessons: list[str], package_root: Path) -> list[Path]:
    """The files of the grader package that the student template holds."""
    probes = [f"grader.probes.{p.stem}" for p in (package_root / "probes").glob("*.py") if p.stem != "__init__"]
    roots = SHIPPED_ROOTS + [f"grader.checks.{lesson}" for lesson in lessons] + probes
    missing = [root for root in roots if _module_file(package_root, root) is None]
    if missing:   # a module that moved: the student side would silently lose it
        raise ReleaseError(f"the modules the student package starts from are missing: {', '.join(missing)}")
    modules = package_closure(roots, package_root)
    for forbidden in NEVER_SHIPPED:
        if any(m == forbidden or m.startswith(forbidden + ".") for m in modules):
            raise ReleaseError(f"the student package would include {forbidden}: a released module imports it")
    # the data files of the packages taken (message catalogues, ...), never compiled files
    data = [path for module in modules.values() if module.name == "__init__.py"
            for path in module.parent.iterdir()
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pyo") and not path.name.startswith(".")]
    return sorted(set(modules.values()) | set(data))
