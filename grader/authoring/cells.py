"""A lesson module cut into notebook cells: the imports, then one cell per top-level definition.

The notebook generator builds the lesson's notebook from these cells, and the check that a
student's notebook is still the untouched stub compares against them.
"""

from __future__ import annotations

import ast
import re

BANNER = re.compile(r"^#\s*-{3}.*$")   # `# --- Autograd -----` section rules: the prose has headings instead


class ProseError(ValueError):
    """A lesson cannot become a notebook: its code does not parse, its prose file is missing, or
    the prose's sections do not match the lesson's definitions."""


def _definition_name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    return None


def _is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` — a script's demo; in a notebook it would run on import."""
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__")


def split_cells(source: str, path: str = "<source>") -> list[tuple[str, str]]:
    """[("setup", imports and constants), (name, code of that definition), ...] in file order.

    The module docstring, `if __name__ == "__main__":` demos and `# --- ... ---` banner comments are
    left out; comment lines directly above a definition stay with it; any other top-level statement
    joins the cell before it.
    """
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise ProseError(f"{path}:{exc.lineno}: cannot parse the lesson file: {exc.msg}") from None
    lines = source.splitlines()
    cells: list[list] = [["setup", []]]
    previous_end = 0
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        previous_end = body[0].end_lineno
        body = body[1:]
    for node in body:
        if _is_main_guard(node):
            previous_end = node.end_lineno
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        while start - 1 > previous_end and lines[start - 2].lstrip().startswith("#") \
                and not BANNER.match(lines[start - 2].strip()):
            start -= 1                      # comments directly above belong to the definition
        chunk = lines[start - 1:node.end_lineno]
        name = _definition_name(node)
        if name is not None:
            cells.append([name, chunk])
        else:
            cells[-1][1].extend(chunk)
        previous_end = node.end_lineno
    return [(name, "\n".join(chunk).strip("\n")) for name, chunk in cells]
