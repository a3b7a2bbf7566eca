"""The layout's promises: no import cycles inside grader/, and every import hidden inside a
function says why it is there (an optional dependency, start-up cost, the child's fork)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "grader"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported_modules(path: Path, name: str):
    """(module imported, line, inside a function?) for each grader module `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    local = {id(n) for f in functions for n in ast.walk(f)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node.lineno, id(node) in local


def test_the_import_graph_has_no_cycles():
    # a package's __init__ importing its own submodules is containment, not a dependency
    graph = {name: {t for t, _, _ in imported_modules(path, name) if not t.startswith(name + ".")}
             for name, path in MODULES.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ first: those edges are real too
    for name in list(graph):
        parent = name.rpartition(".")[0]
        if parent in graph and parent != "grader":
            graph[name].add(parent)
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node):   # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_every_function_local_import_states_its_reason():
    def explained(lines: list[str], line: int) -> bool:
        """A comment on the import's line, or on the line just above its block of imports."""
        above = line - 1
        while above > 0 and (not lines[above - 1].strip()
                             or lines[above - 1].lstrip().startswith(("import ", "from "))):
            above -= 1
        return "#" in lines[line - 1] or (above > 0 and "#" in lines[above - 1])

    unexplained = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for _, line, local in imported_modules(path, name):
            if local and not explained(lines, line):
                unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert unexplained == []


def test_the_top_of_the_package_stays_small():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 15, top     # 15: diagnosis.py, the crash table every front end shares (issue 12)
