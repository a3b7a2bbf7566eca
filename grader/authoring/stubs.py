"""Generate student stubs from the reference solutions.

A solution marks each TODO body:

    def forward(x, w):
        \"\"\"Prediction of the linear model.\"\"\"
        # BEGIN TODO forward: multiply the input by the weight
        return x * w
        # END TODO

The stub keeps everything outside the markers (signatures, docstrings, imports) and replaces
each marked body with the hint as a comment and a `raise NotImplementedError("TODO forward")`
at the marker's indentation. Markers never reach students. Errors name file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN TODO (?P<name>[A-Za-z_][\w.]*)(?::\s*(?P<hint>.*\S))?\s*$")
END = re.compile(r"^(?P<indent>[ \t]*)# END TODO\s*$")
ANY_MARKER = re.compile(r"#\s*(BEGIN|END)\s+TODO\b")

HEADER = "# Lesson {lesson}: fill in each TODO, then run `pytest exercises/{lesson}`.\n"


STUDENT_TESTS = '''"""Checks for {lesson}. Run them with:  pytest exercises/{lesson}

The course grader's pytest plugin turns this file into one test per check: edit the lesson
file beside it, not this one. Run by a Python without the course grader, its one test fails with
one line naming the Python to use.
"""

import sys

import pytest


def test_grader_plugin_is_installed():
    pytest.fail(f"This Python ({{sys.executable}}) does not have the course grader, so no check ran: run pytest "
                "with the project's environment, .venv/bin/python -m pytest exercises/{lesson} (Windows: "
                ".venv\\\\Scripts\\\\python -m pytest exercises\\\\{lesson}), set up once as the README says.",
                pytrace=False)
'''


class MarkerError(ValueError):
    """A solution file's TODO markers are malformed."""


@dataclass(frozen=True)
class Todo:
    name: str
    hint: str
    first_line: int   # line of the BEGIN marker (1-based)
    last_line: int    # line of the END marker
    body: tuple[str, ...]


def parse_todos(source: str, path: str = "<solution>") -> list[Todo]:
    todos, open_todo = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_todo:
                raise MarkerError(f"{path}:{number}: TODO {begin['name']} begins inside TODO "
                                  f"{open_todo[0]['name']} (opened at line {open_todo[1]}); TODOs cannot nest")
            if any(t.name == begin["name"] for t in todos):
                raise MarkerError(f"{path}:{number}: TODO {begin['name']} is marked twice")
            open_todo = (begin, number, [])
        elif end:
            if not open_todo:
                raise MarkerError(f"{path}:{number}: END TODO without a BEGIN TODO")
            begin_match, first, body = open_todo
            if end["indent"] != begin_match["indent"]:
                raise MarkerError(f"{path}:{number}: END TODO is indented differently from its BEGIN "
                                  f"at line {first}")
            if not any(b.strip() for b in body):
                raise MarkerError(f"{path}:{first}: TODO {begin_match['name']} has an empty solution")
            todos.append(Todo(begin_match["name"], begin_match["hint"] or "", first, number, tuple(body)))
            open_todo = None
        elif ANY_MARKER.search(line):
            raise MarkerError(f"{path}:{number}: malformed marker {line.strip()!r}; "
                              "use '# BEGIN TODO name: hint' and '# END TODO' on their own lines")
        elif open_todo:
            open_todo[2].append(line)
    if open_todo:
        raise MarkerError(f"{path}:{open_todo[1]}: TODO {open_todo[0]['name']} is never closed with # END TODO")
    return todos


def make_stub(source: str, lesson: str, path: str = "<solution>") -> str:
    """The student's version of one solution file."""
    todos = {t.first_line: t for t in parse_todos(source, path)}
    if not todos:
        raise MarkerError(f"{path}: no TODO markers; every solution file needs at least one")
    lines, out, skip_until = source.splitlines(keepends=True), [HEADER.format(lesson=lesson)], 0
    for number, line in enumerate(lines, start=1):
        if number <= skip_until:
            continue
        if number in todos:
            todo = todos[number]
            indent = BEGIN.match(line)["indent"]
            if todo.hint:
                out.append(f"{indent}# TODO {todo.name}: {todo.hint}\n")
            out.append(f'{indent}raise NotImplementedError("TODO {todo.name}")\n')
            skip_until = todo.last_line
            continue
        out.append(line)
    return "".join(out)


def lesson_files(solutions: Path) -> list[Path]:
    """Every marked solution module: solutions/lessonNN/*.py."""
    return sorted(p for p in solutions.glob("lesson[0-9][0-9]/*.py") if not p.name.startswith("_"))


def stub_code(source: str, lesson: str, path: str = "<solution>") -> str:
    """The stub without its first-line header for the `.py` file: the code of a stub notebook."""
    return make_stub(source, lesson, path).split("\n", 1)[1]


def solution_code(source: str) -> str:
    """The solution without its TODO marker lines: the code a finished notebook holds."""
    return "".join(line for line in source.splitlines(keepends=True) if not (BEGIN.match(line) or END.match(line)))
