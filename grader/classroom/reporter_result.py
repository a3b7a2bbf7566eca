"""GitHub Classroom's runner result: the JSON `autograding-grading-reporter` reads for one runner.

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": <int>,
     "tests": [{"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}]}

The reporter sends Classroom the sum of the tests' `score`s out of `max_score`, but its own table
counts passing tests: (tests passed / tests) x max_score. The two agree only when every test is
worth the same, so a check worth p points becomes p tests of one point each (all passing or all
failing together). Points that are not whole numbers are scaled by the smallest factor that makes
every check's points whole (10 at most); `max_score` is always an integer. `duration` is in
milliseconds, as the command grader reports it.
"""

from __future__ import annotations

import ast
import base64
import json
from collections.abc import Iterable
from pathlib import Path

from grader.lesson import Lesson
from grader.results import CheckResult, check_points
from grader.writers.safe_text import plain_tree

VERSION = 1


def point_scale(points: Iterable[float]) -> int:
    """The smallest factor (1..10) turning every check's points into a whole number."""
    points = list(points)
    for factor in range(1, 11):
        if all(abs(p * factor - round(p * factor)) < 1e-9 for p in points):
            return factor
    raise ValueError(f"points {points} cannot be made whole with a factor up to 10")


def todo_line(source: Path, todo: str) -> int:
    """Line of `def todo` (or `class A: def b` for 'A.b') in the student's file; 0 when not found."""
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return 0
    parts, body = todo.split("."), tree.body
    node = None
    for part in parts:   # the last definition of a name is the one Python uses
        node = next((n for n in reversed(body) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                  ast.ClassDef)) and n.name == part), None)
        if node is None:
            return 0
        body = node.body
    return node.lineno if node is not None else 0


def exception_line(traceback_text: str) -> str:
    """The message of the exception a formatted traceback ends in (notes after it left out)."""
    lines = traceback_text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    for line in lines[starts[-1] + 1 if starts else 0:]:
        if line.strip() and not line[0].isspace():
            return line.split(": ", 1)[1] if ": " in line else line
    return ""


def _explain(run: CheckResult) -> str:
    """What the student reads for one failed run; for a grader error, what the error says too."""
    text = run.message
    if run.status == "error" and run.detail:
        reason = exception_line(run.detail)
        text = f"{text} {reason}" if text and reason and reason not in text else (text or reason)
    return f"[{run.device}] {text}" if run.device else text


def lesson_result(lesson: Lesson, results: Iterable[CheckResult], *, root: Path | None = None,
                  problem: str = "", modified: list[str] | None = None, manifest_digest: str = "",
                  graded_file: str | None = None) -> dict:
    """The runner result for one lesson. Checks without a result (the run stopped early) count as
    errors with `problem` as their message; a non-empty `problem` makes the whole status "error".
    `modified` (grading files that differ from the release): no check counts, every test scores 0
    and fails with the reason (its message still says how the student's code did), and a failing
    test "grading files modified" names the files; `max_score` stays the lesson's points.
    `graded_file`: the lesson file that was graded (the module or a notebook), for locations."""
    results = list(results)
    by_check: dict[str, list[CheckResult]] = {}
    for run in results:
        by_check.setdefault(run.check_id, []).append(run)
    scale = point_scale(c.points for c in lesson.checks)
    filename = f"exercises/{lesson.id}/{graded_file or lesson.filename}"
    source = (root / filename) if root is not None else None
    lines: dict[str, int] = {}
    tests, any_error = [], bool(problem)
    for check in lesson.checks:
        runs = by_check.get(check.id, [])
        units = int(round(check.points * scale))
        ran = [r for r in runs if r.status != "skipped"]
        if not runs:
            status, message = "error", problem or "this check did not run"
        elif check_points(runs) == check.points:
            status, message = "pass", check.doc
        elif any(r.status == "error" for r in ran):
            status = "error"
            message = " ".join(_explain(r) for r in ran if r.status != "passed")
        else:
            status = "fail"
            message = " ".join(_explain(r) for r in ran if r.status != "passed") or runs[0].message
        any_error |= status == "error"
        if check.todo not in lines:
            lines[check.todo] = todo_line(source, check.todo) if source is not None else 0
        duration = int(round(sum(r.duration for r in runs) * 1000))
        for unit in range(1, units + 1):
            label = f"{check.todo} · {check.name}" + (f" (point {unit} of {units})" if units > 1 else "")
            tests.append({
                "name": label,
                "status": status,
                "score": 1 if status == "pass" else 0,
                "message": message,
                "test_code": f"pytest exercises/{lesson.id} -k {check.name}",
                "filename": filename,
                "line_no": lines[check.todo],
                "duration": duration if unit == 1 else 0,
            })
    max_score = len(tests)
    if modified:    # points only for the released checks: this run's cannot be trusted
        tests = [{**test, "status": "fail", "score": 0,
                  "message": NOT_COUNTED.format(outcome=test["status"], message=test["message"])} for test in tests]
        tests.append(modified_test(modified, manifest_digest))
    if any_error:
        overall = "error"
    elif all(t["status"] == "pass" for t in tests):
        overall = "pass"
    else:
        overall = "fail"
    return plain_tree({"version": VERSION, "status": overall, "max_score": max_score, "tests": tests})


NOT_COUNTED = ("not counted: the grading files differ from the release (see the test \"grading files modified\"); "
               "with them this check said {outcome}: {message}")


def failed_result(name: str, message: str, max_score: int = 0) -> dict:
    """A well-formed result when nothing could be graded (the grader itself broke)."""
    return plain_tree({"version": VERSION, "status": "error", "max_score": int(max_score),
                       "tests": [{"name": name, "status": "error", "score": 0, "message": message, "test_code": "",
                                  "filename": "", "line_no": 0, "duration": 0}]})


def modified_test(problems: list[str], manifest_digest: str) -> dict:
    """The zero-point test a lesson's result gets when grading files differ from the release."""
    return {"name": "grading files modified", "status": "fail", "score": 0,
            "message": f"grading files differ from release manifest {manifest_digest[:12]}: " + "; ".join(problems)
                       + ". These CI points are advisory; the official grade comes from the instructor's run "
                         "with the original checks.",
            "test_code": "grader classroom --verify", "filename": "grader/answers/MANIFEST.json", "line_no": 0,
            "duration": 0}


def encode(result: dict) -> str:
    """The base64 form a step writes to its `result` output."""
    return base64.b64encode(json.dumps(result, separators=(",", ":")).encode()).decode("ascii")
