"""The score cell of a lesson notebook: `check_notebook("lesson03", globals())`.

The notebook's own definitions are the submission (unless the student changed the lesson's `.py`
file, which is then graded, by the judge's rule: grader/notebooks/submitted.py; the cell says which
file it graded): the lesson's checks reach them through a handle, exactly as `pytest
exercises/lessonNN` reaches the `.py` file (same checks, seed, devices, points and reference:
`solutions/` when present, else the answers recorded at release), and the score table is printed.
Nothing here raises into the notebook: a stub notebook runs top to bottom and reads "not
started"; a problem of the grader itself is printed as one line.

The handle reads the notebook's globals live (not a copy), so a probe that patches a name the
student's functions use (lesson 1's `get_device` with CUDA "available") is seen by those functions.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import torch

from grader.checks import LESSON_IDS
from grader.data import setup_problem
from grader.handle import LocalHandle
from grader.i18n import UnknownLanguage, language, normalize, using_language
from grader.notebooks.submitted import for_score_cell, handle_for
from grader.runner import DEFAULT_SEED, devices_for, grade_lesson, prepare_run
from grader.session import Session
from grader.writers.console import render_lesson

TEXT = {   # the few lines this cell prints itself (the table comes from grader.writers.console)
    "en": {
        "not_a_lesson": "check_notebook: unknown lesson {lesson!r}; the score cell must name this notebook's lesson.",
        "no_reference": "The checks could not start: {problem}",
        "broken": "The checks could not finish ({error}). This is not your fault; tell your instructor.",
    },
    "vi": {
        "not_a_lesson": "check_notebook: không có bài học {lesson!r}; "
                        "ô chấm điểm phải ghi đúng bài học của notebook này.",
        "no_reference": "Không thể bắt đầu chấm: {problem}",
        "broken": "Không thể chấm xong ({error}). Đây không phải lỗi của bạn; hãy báo cho giảng viên.",
    },
}


def _text(key: str, **values) -> str:
    try:
        lang = language()
    except UnknownLanguage:  # a bad $GRADER_LANG: English
        lang = "en"
    return TEXT.get(lang, TEXT["en"])[key].format(**values)


class NamespaceModule:
    """A module-like view of a dict (a notebook's globals): attributes read and write the dict."""

    __slots__ = ("_namespace", "_name")

    def __init__(self, namespace: dict, name: str):
        object.__setattr__(self, "_namespace", namespace)
        object.__setattr__(self, "_name", name)

    @property
    def __dict__(self):   # vars(module), as probes use it
        return self._namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._namespace[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"<notebook {self._name}>"


class NotebookSession(Session):
    """A Session whose module is already there: the notebook's namespace."""

    def __init__(self, namespace: dict, name: str):
        super().__init__(Path(name))
        self._module = NamespaceModule(namespace, name)


class NotebookHandle(LocalHandle):
    """The handle on a notebook's definitions, through the same encoding as every other handle."""

    def __init__(self, namespace: dict, filename: str):
        self.filename = filename
        self.session = NotebookSession(namespace, filename)


def check_notebook(lesson_id: str, namespace: dict, *, lang: str | None = None, solutions=None,
                   seed: int | None = None, device: str | None = None, todos=None, show: bool = True):
    """Run `lesson_id`'s checks on the definitions in `namespace` (a notebook's `globals()`), print
    the score table (in `lang`, default: the active language) and return the LessonResult (None
    when the checks could not run). `todos` restricts the run to some TODOs; `device` is as pytest's
    `--device`. Never raises."""
    try:
        chosen = using_language(normalize(lang) if lang else None)
    except UnknownLanguage:  # an unknown language: the active one
        chosen = contextlib.nullcontext()
    with chosen:
        return _check(lesson_id, namespace, solutions=solutions, seed=seed, device=device, todos=todos, show=show)


def _check(lesson_id, namespace, *, solutions, seed, device, todos, show):
    if lesson_id not in LESSON_IDS:
        print(_text("not_a_lesson", lesson=lesson_id))
        return None
    threads = torch.get_num_threads()
    try:
        try:
            run = prepare_run(lesson_id, solutions)   # sets the grading threads, as in pytest: same results
        except FileNotFoundError as exc:
            print(_text("no_reference", problem=exc))
            return None
        # the judge's rule: the .py module when the student changed it (it wins when both changed),
        # else this notebook's own definitions; the notebook's folder is Jupyter's working folder
        module, graded = for_score_cell(Path.cwd(), run.lesson)
        submission = handle_for(module, run.lesson) if module else NotebookHandle(namespace, f"{lesson_id}.ipynb")
        problem = setup_problem() if run.lesson.needs_mnist else None
        if show:
            print(graded)
            if problem:
                print(problem)
        result = grade_lesson(run.lesson, submission, run.reference, devices=devices_for(device),
                              seed=DEFAULT_SEED if seed is None else seed, todos=todos)
    except Exception as exc:  # the grader broke, not the student's code (that is caught per check)
        print(_text("broken", error=f"{type(exc).__name__}: {exc}"))
        return None
    finally:
        torch.set_num_threads(threads)
    if show:
        print(render_lesson(result))
    return result
