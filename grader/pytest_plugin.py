"""The student's run: `pytest exercises/lessonNN` grades that lesson's TODOs.

Registered through the `pytest11` entry point. A lesson's `test_lessonNN.py` becomes one test
item per check (and device); failures show a short message instead of a traceback; a TODO that
still raises the stub's NotImplementedError shows as "not started"; the session ends with a
score table per lesson.

This module is loaded in every pytest run of the Python it is installed in, projects unrelated
to the course included: it imports only light modules at the top, and the check engine (torch,
the lessons) where a lesson is actually collected, run or summarised.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from grader.i18n import UnknownLanguage, language, set_language, tr
from grader.results import LessonResult
from grader.writers.console import render_lesson

LESSON_FILE = re.compile(r"^test_(lesson\d\d)\.py$")
RESULTS_KEY = pytest.StashKey[list]()
GRADED_KEY = pytest.StashKey[dict]()             # lesson id -> which file was graded, in words
PLANNED_KEY = pytest.StashKey[dict]()            # lesson id -> how many checks (per device) it has
SETUP_KEY = pytest.StashKey[dict]()              # lesson id -> what in the student's setup stops its checks
LANGUAGE_KEY = pytest.StashKey[object]()       # the language selection to restore at the end
NOT_STARTED = ("grader_status", "not_started")   # user property of a check whose TODO is not started
VENV = ".venv"                                   # where the README creates the environment


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "course grader")
    group.addoption("--device", dest="grader_device", default=None, choices=("cpu", "cuda", "all"),
                    help="run tensor checks on this device only (default: cpu, and cuda when present)")
    group.addoption("--grader-seed", dest="grader_seed", type=int, default=None,
                    help="base seed of every check (default: the course's fixed seed)")
    group.addoption("--solutions", dest="grader_solutions", default=None,
                    help="folder holding the reference solutions (default: the project's solutions/)")
    parser.addini("grader_device", "default for --device", default=None)
    parser.addini("grader_seed", "default for --grader-seed", default=None)
    parser.addini("grader_solutions", "default for --solutions", default=None)
    group.addoption("--lang", dest="grader_lang", default=None,
                    help="language of messages and the score table: en (default) or vi; also $GRADER_LANG")
    parser.addini("grader_lang", "default for --lang", default=None)


def _setting(config: pytest.Config, name: str):
    value = config.getoption(name)
    return value if value is not None else config.getini(name) or None


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS_KEY] = []
    config.stash[GRADED_KEY] = {}
    config.stash[SETUP_KEY] = {}
    config.stash[PLANNED_KEY] = {}
    try:
        lang = _setting(config, "grader_lang")
        if lang:
            config.stash[LANGUAGE_KEY] = set_language(lang)
        language()
    except UnknownLanguage as exc:
        raise pytest.UsageError(f"{exc} (from --lang, grader_lang in pytest.ini, or $GRADER_LANG)") from None
    if _course_run(config) and not has_torch():     # one line naming the Python to use, not an INTERNALERROR
        raise pytest.UsageError(wrong_python_message(config.rootpath, " ".join(map(str, config.args))))
    config.addinivalue_line("markers", "grader_check(check_id): a graded check of the course grader")


def _course_run(config: pytest.Config) -> bool:
    """Whether this run is about the course's lessons (the plugin is loaded in every pytest run)."""
    return any(LESSON_FILE.match(Path(a.split("::")[0]).name) or "lesson" in a or "exercises" in a
               for a in map(str, config.args))


def has_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def venv_python(root: Path, windows: bool | None = None) -> Path:
    """The virtual environment's Python under `root`, where the README creates it."""
    windows = os.name == "nt" if windows is None else windows
    return Path(root) / VENV / ("Scripts/python.exe" if windows else "bin/python")


def wrong_python_message(root: Path, args: str) -> str:
    """One line: this Python lacks torch; run pytest with the project's environment instead."""
    python = venv_python(root)
    if python.is_file():
        try:
            shown = os.path.relpath(python, Path.cwd())
        except ValueError:      # another drive (Windows)
            shown = str(python)
        return tr("This Python ({python}) has no torch, so no check can run: use the project's environment, "
                  "{command}", python=sys.executable or "python", command=f"{shown} -m pytest {args}")
    return tr("This Python ({python}) has no torch, so no check can run, and there is no {venv} environment in "
              "{root} yet: create it as the README says, then run {command}", python=sys.executable or "python",
              venv=VENV, root=root, command=f"{venv_python(Path(VENV).parent).as_posix()} -m pytest {args}")


def pytest_unconfigure(config: pytest.Config) -> None:
    if LANGUAGE_KEY in config.stash:
        set_language(config.stash[LANGUAGE_KEY])


def _base_seed(config: pytest.Config) -> int:
    # torch: only in a run that grades (see the docstring)
    from grader.runner import DEFAULT_SEED

    raw = _setting(config, "grader_seed")
    try:
        return int(raw) if raw is not None else DEFAULT_SEED
    except ValueError:
        raise pytest.UsageError(
            f"grader_seed must be an integer, got {raw!r} (from pytest.ini or --grader-seed)") from None


@contextmanager
def _assertions_left_alone(config: pytest.Config):
    """Import the check engine without pytest's assertion rewriting.

    pytest rewrites every package of a plugin's distribution: this one's, and hypothesis's, ~90
    modules parsed and rewritten on each run where no bytecode is cached (GitHub Classroom, CI,
    PYTHONDONTWRITEBYTECODE): ~1 s of a student's run, for no test assert in any of them (the
    checks report through `grader.expect`, never `assert`), and the judge imports them unrewritten."""
    hook = config.pluginmanager.rewrite_hook
    if hook not in sys.meta_path:
        yield
        return
    where = sys.meta_path.index(hook)
    sys.meta_path.remove(hook)
    try:
        yield
    finally:
        sys.meta_path.insert(where, hook)


def _import_engine(config: pytest.Config) -> None:
    """torch, hypothesis and the check engine: only in a course run (see the docstring)."""
    with _assertions_left_alone(config):   # imported here: each pulls in torch, which a plain pytest run never needs
        import grader.notebooks.submitted
        import grader.runner  # noqa: F401


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if not _course_run(config):
        return None
    _import_engine(config)
    from grader.runner import cuda_available, devices_for, grading_threads  # loaded just above, unrewritten

    devices = [d for d in devices_for(_setting(config, "grader_device")) if d == "cpu" or cuda_available()]
    return [tr("grader: seed {seed}, devices {devices}, hypothesis derandomized, torch threads {threads}",
               seed=_base_seed(config), devices=", ".join(devices), threads=grading_threads())]


def pytest_pycollect_makemodule(module_path: Path, parent):
    match = LESSON_FILE.match(module_path.name)
    if match and module_path.parent.name == match.group(1):
        return LessonFile.from_parent(parent, path=module_path)
    return None


class LessonFile(pytest.File):
    def collect(self):
        # torch and the lesson's checks: only when a lesson is collected (see the docstring)
        _import_engine(self.config)
        # loaded just above, without assertion rewriting
        from grader.notebooks.submitted import choose, handle_for
        from grader.runner import devices_for, planned_runs, prepare_run

        # the live reference when solutions/ has the lesson; in a released student repository (no
        # solutions/) the reference's answers recorded at release (grader/classroom/recorded.py)
        try:
            with _assertions_left_alone(self.config):   # the lesson's checks (grader/checks/)
                run = prepare_run(self.path.parent.name, _setting(self.config, "grader_solutions"))
        except FileNotFoundError as exc:
            raise self.CollectError(str(exc)) from None
        lesson, reference = run.lesson, run.reference
        # the module or a notebook, whichever the student changed (the judge's rule: grader/notebooks/submitted.py)
        choice = choose(self.path.parent, lesson, _setting(self.config, "grader_solutions"))
        if choice is None:
            raise self.CollectError(tr("{folder} has neither {filename} nor {notebook}", folder=self.path.parent,
                                       filename=lesson.filename, notebook=f"{lesson.id}.ipynb"))
        self.config.stash[GRADED_KEY][lesson.id] = choice.describe()
        if lesson.needs_mnist:
            from grader.data import setup_problem  # torch: only when a lesson is collected
            problem = setup_problem()
            if problem:
                self.config.stash[SETUP_KEY][lesson.id] = problem
        submission = handle_for(choice, lesson)
        devices = devices_for(_setting(self.config, "grader_device"))
        planned = planned_runs(lesson, devices)
        self.config.stash[PLANNED_KEY][lesson.id] = len(planned)
        for check, device in planned:
            name = f"{check.name}[{device}]" if device else check.name
            yield CheckItem.from_parent(self, name=name, check=check, device=device,
                                        submission=submission, reference=reference)


def pytest_collection_finish(session) -> None:
    """Setup problems (MNIST missing) once, before the checks: each of those checks then reads
    "skipped: no data" instead of failing on its own."""
    problems = session.config.stash.get(SETUP_KEY, {})
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not problems or reporter is None:
        return
    reporter.write_line("")
    for message in dict.fromkeys(problems.values()):
        reporter.write_line(message, yellow=True, bold=True)
    reporter.write_line("")


class CheckFailed(Exception):
    pass


class CheckItem(pytest.Item):
    def __init__(self, *, check, device, submission, reference, **kwargs):
        super().__init__(**kwargs)
        self.check, self.device = check, device
        self.submission, self.reference = submission, reference
        self.result = None
        self.add_marker(pytest.mark.grader_check(check.id))

    def runtest(self) -> None:
        # torch: see the docstring
        from grader.runner import run_check

        self.result = run_check(self.check, self.submission, self.reference, device=self.device,
                                seed=_base_seed(self.config))
        self.config.stash[RESULTS_KEY].append((self.check, self.result))
        if self.result.status == "skipped":
            pytest.skip(self.result.message)
        if self.result.status == "not_started":
            self.user_properties.append(NOT_STARTED)   # travels with the report (whatever the language)
            pytest.skip(tr("not started: {message}", message=self.result.message))
        if self.result.status != "passed":
            raise CheckFailed(self.result)

    def repr_failure(self, excinfo, style=None):
        if excinfo.errisinstance(CheckFailed):
            result = excinfo.value.args[0]
            text = f"TODO {result.todo} — {result.message}"
            return text + ("\n\n" + result.detail if result.status == "error" and result.detail else "")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.check.todo}: {self.name}"


def pytest_report_teststatus(report, config):
    if report.when == "call" and report.skipped and NOT_STARTED in report.user_properties:
        return tr("not started"), "n", tr("NOT STARTED")
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    collected = config.stash.get(RESULTS_KEY, [])
    if not collected:
        return
    # torch: see the docstring
    from grader.checks import load_lesson

    by_lesson: dict[str, list] = {}
    for check, result in collected:
        by_lesson.setdefault(check.lesson, []).append(result)
    terminalreporter.section(tr("score"), sep="=")
    graded = config.stash.get(GRADED_KEY, {})
    for lesson_id, results in by_lesson.items():
        lesson = load_lesson(lesson_id)
        if lesson_id in graded:
            terminalreporter.write_line(graded[lesson_id])
        terminalreporter.write_line(render_lesson(LessonResult(lesson_id, lesson.title, tuple(results)),
                                                  show_messages=False))
        planned = config.stash.get(PLANNED_KEY, {}).get(lesson_id, len(results))
        if len(results) < planned:      # -k, a node id, -x: the total above is not the lesson's score
            terminalreporter.write_line(tr("partial run: {ran} of {total} checks; run the whole lesson for its "
                                           "score", ran=len(results), total=planned), yellow=True)
        terminalreporter.write_line("")


def pytest_sessionfinish(session, exitstatus) -> None:
    collected = session.config.stash.get(RESULTS_KEY, [])
    if exitstatus == 0 and any(result.status == "not_started" for _, result in collected):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
