"""The official grade uses inputs no student has seen (issue 9, part 2).

The attack: run the public checks locally (the course's seed, answers from the released
reference), log every input a TODO is called with and the answer, and hand in a lookup table that
answers those inputs and falls back to a wrong answer. At the public seed the table passes checks
the honest wrong answer fails; graded by the judge with the folder's secret seed it must pass none
of them. Played on lesson 3's `squared_error` and on lesson 1's `slices` (no gradient involved).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import torch
from conftest import SOLUTIONS

from grader.checks import load_lesson
from grader.codec import TensorSnap
from grader.handle import LocalHandle
from grader.runner import DEFAULT_SEED, run_check

# (lesson, module, TODO, the honest wrong answer replacing the right line)
ATTACKS = [
    ("lesson03", "backprop.py", "squared_error", "return (y_pred - y) ** 2", "return (y_pred - y).abs()"),
    ("lesson01", "tensors.py", "slices", "return x[:, 0], x[1, :], x[1, 1].item()",
     "return x[0, :], x[:, 1], x[1, 1].item()"),
]


def _plain(value):
    """A logged value as JSON: tensors as their values and dtype."""
    if isinstance(value, TensorSnap):
        value = value.value
    if isinstance(value, torch.Tensor):
        return {"tensor": value.tolist(), "dtype": str(value.dtype).removeprefix("torch.")}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


class Logger(LocalHandle):
    """The student's local run: the released reference answers, and every call is written down."""

    def __init__(self, source: Path, todo: str):
        super().__init__(source)
        self.todo, self.table = todo, {}

    def call(self, name, *args, keep=False, **kwargs):
        answer = super().call(name, *args, keep=keep, **kwargs)
        if name == self.todo and not kwargs:
            self.table[json.dumps(_plain(list(args)))] = _plain(answer)
        return answer


LOOKUP = '''

import json as _json
import torch as _torch
_TABLE = _json.loads({table!r})
_honest = {todo}


def _plain(value):
    if isinstance(value, _torch.Tensor):
        return {{"tensor": value.detach().cpu().tolist(), "dtype": str(value.dtype).removeprefix("torch.")}}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _back(value, device):
    if isinstance(value, dict):
        return _torch.tensor(value["tensor"], dtype=getattr(_torch, value["dtype"]), device=device)
    if isinstance(value, list):
        return tuple(_back(v, device) for v in value)
    return value


def {todo}(*args):
    logged = _TABLE.get(_json.dumps(_plain(list(args))))
    return _honest(*args) if logged is None else _back(logged, args[0].device)
'''


def submissions(lesson_id: str, module: str, todo: str, right: str, wrong: str) -> tuple[str, str]:
    """(the honest wrong module, the lookup module built from a logged public run)."""
    solution = (SOLUTIONS / lesson_id / module).read_text()
    assert right in solution
    honest = solution.replace(right, wrong)
    logger = Logger(SOLUTIONS / lesson_id / module, todo)
    reference = LocalHandle(SOLUTIONS / lesson_id / module)
    for check in load_lesson(lesson_id).checks:
        if check.todo == todo:
            run_check(check, logger, reference, device="cpu", seed=DEFAULT_SEED)
    assert logger.table, "the local run logged nothing"
    return honest, honest + LOOKUP.format(table=json.dumps(logger.table), todo=todo)


def passed_checks(source: str, lesson_id: str, module: str, todo: str, seed: int, tmp_path: Path) -> set[str]:
    path = tmp_path / f"{seed}-{len(source)}" / module
    path.parent.mkdir(parents=True)
    path.write_text(source)
    handle, reference = LocalHandle(path), LocalHandle(SOLUTIONS / lesson_id / module)
    return {check.id for check in load_lesson(lesson_id).checks if check.todo == todo
            and run_check(check, handle, reference, device="cpu", seed=seed).status == "passed"}


@pytest.mark.parametrize("attack", ATTACKS, ids=[a[2] for a in ATTACKS])
def test_the_lookup_works_at_the_public_seed(attack, tmp_path):
    """What makes the attack worth stopping (and this test able to fail): at the course's public
    seed, the table passes a check the honest wrong answer fails."""
    lesson_id, module, todo, *_ = attack
    honest, lookup = submissions(*attack)
    public = DEFAULT_SEED
    gained = passed_checks(lookup, lesson_id, module, todo, public, tmp_path) \
        - passed_checks(honest, lesson_id, module, todo, public, tmp_path)
    assert f"{lesson_id}.{todo}_matches_reference" in gained or f"{lesson_id}.slices_column_and_row" in gained


@pytest.mark.parametrize("attack", ATTACKS, ids=[a[2] for a in ATTACKS])
@pytest.mark.parametrize("secret", [1234567, 2**31 - 7])
def test_the_lookup_gains_nothing_at_another_seed(attack, secret, tmp_path):
    lesson_id, module, todo, *_ = attack
    honest, lookup = submissions(*attack)
    assert passed_checks(lookup, lesson_id, module, todo, secret, tmp_path) \
        <= passed_checks(honest, lesson_id, module, todo, secret, tmp_path)


@pytest.mark.slow
def test_the_judge_with_the_folders_secret_seed_gives_the_lookup_nothing(tmp_path):
    """`grader grade` draws a secret seed for the folder, keeps it in grades.sqlite, never writes it
    where a student reads it; graded with it, the lookup table passes no check the honest answer fails."""
    from grader import cli
    klass = tmp_path / "class"
    for attack in ATTACKS:
        lesson_id, module, *_ = attack
        honest, lookup = submissions(*attack)
        for student, source in (("honest", honest), ("lookup", lookup)):
            target = klass / student / "exercises" / lesson_id / module
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source)
    out = tmp_path / "out"
    assert cli.main(["grade", str(klass), "--out", str(out), "--lessons", "1,3", "--jobs", "2", "--quiet",
                     "--device", "cpu"]) == 0
    with sqlite3.connect(out / "grades.sqlite") as db:
        [(secret,)] = db.execute("SELECT value FROM meta WHERE key = 'secret_seed'").fetchall()
        seeds = {seed for (seed,) in db.execute("SELECT DISTINCT seed FROM attempts")}
        passed = {}
        for student, check_id, status in db.execute(
                "SELECT a.student, c.check_id, c.status FROM checks c JOIN attempts a ON a.id = c.attempt"):
            passed.setdefault(student, set()).update({check_id} if status == "passed" else set())
    assert seeds == {int(secret)} and int(secret) != DEFAULT_SEED
    todos = {f"{lesson}.{todo}" for lesson, _, todo, *_ in ATTACKS}
    gained = {c for c in passed["lookup"] - passed["honest"]
              if any(c.startswith(lesson + ".") for lesson in ("lesson01", "lesson03"))}
    assert not gained, f"the lookup table passed {gained} with the secret seed"
    assert todos    # both TODOs were attacked
    for path in out.rglob("*"):
        if path.is_file() and not path.name.startswith("grades.sqlite"):
            assert secret not in path.read_text(encoding="utf-8", errors="replace"), path

    # A re-run of the folder uses the same seed: nothing changed, nothing is graded again.
    assert cli.main(["grade", str(klass), "--out", str(out), "--lessons", "1,3", "--jobs", "2", "--quiet",
                     "--device", "cpu"]) == 0
    with sqlite3.connect(out / "grades.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 4
