"""The judge's peers, for benchmarks/run.py: nbgrader's `autograde` on the same lessons as notebooks,
and `run_measured`, which times any command and the peak memory of its whole process tree.

    .venv/bin/python benchmarks/peers.py --students 3 --lessons lesson03

nbgrader lives in its own environment, benchmarks/.venv-nbgrader (created once by
`ensure_nbgrader_env`), never in the course's venv. The notebooks it executes need torch and the
`grader` package, so its kernel is the course venv's Python, registered as the kernelspec
`torch-course` in a private Jupyter folder inside the course directory (nothing global).

The nbgrader notebook of a lesson is our generated notebook with each TODO body between nbgrader's
solution delimiters, and the score cell replaced by one autograded test cell per TODO. A test cell
runs that TODO's checks with `grader.notebooks.score_cell.check_notebook`, the same checks, seed and
points as the judge, and its last expression is the points earned, which nbgrader reads as partial
credit: so a TODO with some of its checks failing scores what the judge gives it, not 0.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NBGRADER_VERSION = "0.9.6"
NBGRADER_VENV = ROOT / "benchmarks" / ".venv-nbgrader"
COURSE_PYTHON = ROOT / ".venv" / "bin" / "python"
KERNEL_NAME = "torch-course"
NBGRADER_LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson07", "lesson08")
VARIANTS = ("solution", "stub", "first-mistake", "correct")
CELL_TIMEOUT_S = 300   # nbgrader's default (30 s a cell) is too short for a check cell on a busy machine


# ---------------------------------------------------------------- measuring a command


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a live process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()   # the command name, in parentheses, may hold spaces
    return int(fields[1]), int(fields[19])


def _process_tree(root: int, seen: dict[int, int]) -> list[int]:
    """The root and its live descendants. `seen` (pid -> start time) keeps those found before, so a
    descendant whose parent exited (and which was re-parented away from the tree) still counts."""
    parents, starts = {}, {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)], starts[int(entry.name)] = stat
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    tree, queue = set(), [root]
    while queue:
        pid = queue.pop()
        if pid in starts and pid not in tree:
            tree.add(pid)
            queue.extend(children.get(pid, ()))
    tree |= {pid for pid, start in seen.items() if starts.get(pid) == start}   # same start: not a reused pid
    seen.update({pid: starts[pid] for pid in tree})
    return sorted(tree)


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _memory_kb(pid: int, kind: str) -> int:
    try:
        if kind == "pss":   # forked workers share pages: PSS splits them between the sharers
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
            return 0
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def run_measured(cmd, *, memory: str | None = "rss", interval_s: float = 0.05, **popen_kwargs):
    """Run `cmd` to the end: (wall seconds, peak MB of the process tree, return code, output).

    Every `interval_s` the memory of the process and all its descendants is summed (RSS by default,
    which counts pages shared by forked processes once per process; `memory="pss"` shares them out
    instead); the peak of those sums is returned (`memory=None`: nothing is sampled, 0). A sample
    is not free: the kernel computes PSS by walking every page table (~28 ms for one torch process
    here), so the sampler waits at least 4 times what its last sample took, and a run whose time
    matters most (the judge's own) is timed with no sampler at all (`benchmarks/run.py`). stdout
    and stderr are captured together as text unless `popen_kwargs` say otherwise (then `output` is
    whatever `communicate` returned, or "").
    """
    if memory not in ("rss", "pss", None):
        raise ValueError(f"memory must be 'rss', 'pss' or None, not {memory!r}")
    popen_kwargs.setdefault("stdout", subprocess.PIPE)
    popen_kwargs.setdefault("stderr", subprocess.STDOUT)
    popen_kwargs.setdefault("text", True)
    peak_kb, done, seen = [0], threading.Event(), {}

    def sample(root: int) -> None:
        while not done.is_set():
            started = time.perf_counter()
            total = sum(_memory_kb(pid, memory) for pid in _process_tree(root, seen))
            peak_kb[0] = max(peak_kb[0], total)
            done.wait(max(interval_s, 4 * (time.perf_counter() - started)))

    started = time.perf_counter()
    process = subprocess.Popen(cmd, **popen_kwargs)
    sampler = threading.Thread(target=sample, args=(process.pid,), daemon=True) if memory else None
    if sampler:
        sampler.start()
    try:
        output, _ = process.communicate()
    finally:
        seconds = time.perf_counter() - started
        done.set()
        if sampler:
            sampler.join()
    return seconds, peak_kb[0] / 1024, process.returncode, output or ""


# ---------------------------------------------------------------- nbgrader's environment


def ensure_nbgrader_env() -> Path:
    """The nbgrader venv (benchmarks/.venv-nbgrader), created and installed on the first call."""
    nbgrader = NBGRADER_VENV / "bin" / "nbgrader"
    stamp = NBGRADER_VENV / f".installed-nbgrader-{NBGRADER_VERSION}"
    if stamp.exists() and nbgrader.exists():
        return NBGRADER_VENV
    print(f"installing nbgrader {NBGRADER_VERSION} into {NBGRADER_VENV} ...", flush=True)
    # sys.executable may be a venv's Python: `-m venv` builds from the base interpreter either way
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(NBGRADER_VENV)], check=True)
    subprocess.run([str(NBGRADER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    f"nbgrader=={NBGRADER_VERSION}"], check=True)
    stamp.touch()
    return NBGRADER_VENV


def nbgrader_env(course: Path) -> dict[str, str]:
    """The environment for nbgrader commands: its venv first on PATH, and Jupyter's folders inside
    the course directory, holding the `torch-course` kernelspec (the course venv's Python), so
    nothing is read from or written to the user's own Jupyter folders."""
    private = course / ".jupyter"
    kernel = private / "data" / "kernels" / KERNEL_NAME
    kernel.mkdir(parents=True, exist_ok=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(COURSE_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (torch course)",
        "language": "python",
    }, indent=1))
    env = dict(os.environ)
    for variable in ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR"):
        env.pop(variable, None)
    env.update(JUPYTER_DATA_DIR=str(private / "data"), JUPYTER_PATH=str(private / "data"),
               JUPYTER_CONFIG_DIR=str(private / "config"), JUPYTER_RUNTIME_DIR=str(private / "runtime"),
               PYTHONNOUSERSITE="1", VIRTUAL_ENV=str(NBGRADER_VENV),
               PATH=f"{NBGRADER_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}")   # nbgrader runs `alembic`
    return env


def nbgrader_command(*args: str) -> list[str]:
    return [str(NBGRADER_VENV / "bin" / "nbgrader"), *args]


def run_nbgrader(course: Path, *args: str) -> str:
    """Run an nbgrader command in the course directory; its output, or an error that shows it."""
    done = subprocess.run(nbgrader_command(*args), cwd=course, env=nbgrader_env(course),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


NBGRADER_CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.Execute.timeout = {timeout}
"""


# ---------------------------------------------------------------- the notebooks


def _nbgrader_solution_markers(source: str) -> str:
    """Our `# BEGIN TODO name: hint` ... `# END TODO` markers as nbgrader's solution delimiters
    (the hint stays as a comment above, so the released notebook still shows it)."""
    from grader.authoring.stubs import BEGIN, END
    out = []
    for line in source.splitlines():
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            hint = f": {begin['hint']}" if begin["hint"] else ""
            out += [f"{begin['indent']}# TODO {begin['name']}{hint}", f"{begin['indent']}### BEGIN SOLUTION"]
        elif end:
            out.append(f"{end['indent']}### END SOLUTION")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _close_solution_regions(code: str) -> str:
    """split_cells ends a cell at its last statement, so an END delimiter that closed a function's
    body is cut off: close each open region before the first line dedented out of it, or at the end."""
    out, indent = [], None
    for line in code.splitlines():
        stripped = line.strip()
        if indent is not None and stripped and len(line) - len(line.lstrip()) < len(indent):
            out.append(f"{indent}### END SOLUTION")
            indent = None
        if stripped == "### BEGIN SOLUTION":
            indent = line[:len(line) - len(line.lstrip())]
        elif stripped == "### END SOLUTION":
            indent = None
        out.append(line)
    if indent is not None:
        out.append(f"{indent}### END SOLUTION")
    return "\n".join(out)


def _todo_points(lesson) -> dict[str, float]:
    points: dict[str, float] = {}
    for check in lesson.checks:
        points[check.todo] = points.get(check.todo, 0.0) + check.points
    return points


TEST_CELL = """\
# Autograded: the checks of TODO {todo} ({points:g} points), as `grader grade` runs them.
# The last line is the points earned (nbgrader's partial credit); stderr is kept out of the
# output because nbgrader gives no points to a cell that wrote to it.
import contextlib, io
from grader.notebooks.score_cell import check_notebook
with contextlib.redirect_stderr(io.StringIO()):
    _result = check_notebook({lesson!r}, globals(), todos=[{todo!r}])
assert _result is not None, "the checks could not run"
_result.score"""


def _nbgrader_metadata(grade_id: str, *, solution: bool = False, points: float | None = None) -> dict:
    metadata = {"grade_id": grade_id, "solution": solution, "grade": points is not None,
                "locked": points is not None, "schema_version": 3}
    if points is not None:
        metadata["points"] = points
    return metadata


def source_notebook(lesson_id: str):
    """The lesson's notebook in nbgrader's source format (see the module docstring)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell

    from grader.authoring.cells import split_cells
    from grader.authoring.lesson_notebooks import build_notebook, load_prose
    from grader.checks import load_lesson
    from grader.notebooks.format import is_checks_cell

    lesson = load_lesson(lesson_id)
    solution = ROOT / "solutions" / lesson_id / lesson.filename
    cells = [(name, _close_solution_regions(code)) for name, code in
             split_cells(_nbgrader_solution_markers(solution.read_text(encoding="utf-8")), str(solution))]
    definitions = [name for name, _ in cells if name != "setup"]
    notebook = build_notebook(cells, load_prose(solution, definitions, "en"), lesson_id, "en")

    code = [cell for cell in notebook.cells if cell.cell_type == "code" and not is_checks_cell(cell)]
    for cell, (name, _) in zip(code, cells, strict=True):
        cell.metadata["grader"] = {"definition": name}     # how a student's code finds its cell
        if "### BEGIN SOLUTION" in cell.source:
            cell.metadata["nbgrader"] = _nbgrader_metadata(f"solution-{name}", solution=True)

    score_text = next(i for i, cell in enumerate(notebook.cells) if cell.get("id") == "checks-text")
    tests = [new_markdown_cell("**Autograded tests.** One cell per TODO: it runs that TODO's checks and "
                               "earns their points.", id="tests-text")]
    for todo, points in _todo_points(lesson).items():
        grade_id = "test-" + re.sub(r"[^A-Za-z0-9_-]", "-", todo)
        tests.append(new_code_cell(TEST_CELL.format(todo=todo, points=points, lesson=lesson_id), id=grade_id,
                                   metadata={"nbgrader": _nbgrader_metadata(grade_id, points=points)}))
    notebook.cells[score_text:] = tests
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python (torch course)",
                                       "language": "python"}
    return notebook


def student_cells(source: str) -> dict[str, str]:
    """A lesson source cut into the notebook's cells, by definition name. A definition given twice
    (a catalogue patch redefines one) keeps both, in order; other top-level code (a patch's imports)
    is in the cell before it, as split_cells places it."""
    from grader.authoring.cells import split_cells
    out: dict[str, list[str]] = {}
    for name, code in split_cells(source):
        out.setdefault(name, []).append(code)
    return {name: "\n\n\n".join(chunks) for name, chunks in out.items()}


def student_notebook(released, source: str):
    """The released notebook as a student hands it in with `source` as their lesson code."""
    theirs = student_cells(source)
    notebook = copy.deepcopy(released)
    known = {cell.metadata.get("grader", {}).get("definition") for cell in notebook.cells}
    leftover = [code for name, code in theirs.items() if name not in known]
    for cell in notebook.cells:
        name = cell.metadata.get("grader", {}).get("definition")
        if name is not None:
            cell.source = theirs.get(name, "")
    if leftover:   # definitions the lesson does not have (a student's helpers): in the last definition cell
        last = max(i for i, cell in enumerate(notebook.cells) if "definition" in cell.metadata.get("grader", {}))
        notebook.cells[last].source += "\n\n\n" + "\n\n\n".join(leftover)
    return notebook


def nbgrader_course(workdir: Path, lessons, students: dict[str, dict[str, str]]) -> Path:
    """An nbgrader course under `workdir`: source/, release/ (from `generate_assignment`) and
    submitted/<student>/<lesson>/<lesson>.ipynb, whose code is `grader.authoring.demo.lesson_source(lesson,
    variant)` for `students[student][lesson] == variant` (a lesson a student lacks is not handed in)."""
    import nbformat

    from grader.authoring.demo import lesson_source

    ensure_nbgrader_env()
    course = Path(workdir) / "course"
    course.mkdir(parents=True, exist_ok=False)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(course), timeout=CELL_TIMEOUT_S))
    for lesson in lessons:
        source = course / "source" / lesson / f"{lesson}.ipynb"
        source.parent.mkdir(parents=True)
        nbformat.write(source_notebook(lesson), source)
        run_nbgrader(course, "generate_assignment", lesson, "--force")
        released = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        for student, variants in students.items():
            if lesson in variants:
                target = course / "submitted" / student / lesson / f"{lesson}.ipynb"
                target.parent.mkdir(parents=True)
                nbformat.write(student_notebook(released, lesson_source(lesson, variants[lesson])), target)
    return course


# ---------------------------------------------------------------- grading


def gradebook_scores(course: Path) -> dict[str, dict[str, tuple[float, float]]]:
    """{student: {lesson: (score, max)}} from the gradebook, through `nbgrader export` (CSV)."""
    grades = course / "grades.csv"
    run_nbgrader(course, "export", f"--to={grades}")
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    with grades.open(newline="") as rows:
        for row in csv.DictReader(rows):
            scores.setdefault(row["student_id"], {})[row["assignment"]] = (float(row["score"]),
                                                                           float(row["max_score"]))
    return scores


def nbgrader_autograde(course: Path, lessons) -> dict:
    """`nbgrader autograde <lesson> --force` for each lesson (every student's submission), timed and
    measured: {"seconds", "peak_mb", "jobs", "scores": {student: {lesson: (score, max)}}}, and per
    lesson {"lessons": {lesson: {"seconds", "peak_mb", "jobs"}}}."""
    course = Path(course)
    env = nbgrader_env(course)
    per_lesson = {}
    for lesson in lessons:
        seconds, peak_mb, code, output = run_measured(nbgrader_command("autograde", lesson, "--force"),
                                                      cwd=course, env=env)
        if code != 0:
            raise RuntimeError(f"nbgrader autograde {lesson} failed ({code}):\n{output}")
        jobs = len(list((course / "submitted").glob(f"*/{lesson}/{lesson}.ipynb")))
        per_lesson[lesson] = {"seconds": seconds, "peak_mb": peak_mb, "jobs": jobs}
    return {"seconds": sum(m["seconds"] for m in per_lesson.values()),
            "peak_mb": max((m["peak_mb"] for m in per_lesson.values()), default=0.0),
            "jobs": sum(m["jobs"] for m in per_lesson.values()),
            "scores": gradebook_scores(course), "lessons": per_lesson}


def judge_scores(workdir: Path, lessons, students: dict[str, dict[str, str]]) -> dict:
    """The same submissions through our batch judge: {student: {lesson: (score, max)}}."""
    from grader.authoring.demo import build_class
    from grader.judge import intake
    from grader.judge.batch import grade_batch
    from grader.judge.jobs import GradeOptions
    from grader.runner import DEFAULT_SEED

    klass = build_class(Path(workdir) / "class", students)
    report = grade_batch(intake.find_submissions([klass]),
                         GradeOptions(out=Path(workdir) / "judged", lessons=tuple(lessons), jobs=os.cpu_count() or 1,
                                      progress=False, seed=DEFAULT_SEED))   # the seed notebooks use
    return {result.student: {lesson.lesson: (lesson.score, lesson.max_score) for lesson in result.lessons}
            for result in report.graded}


def sample_students(count: int, lessons) -> dict[str, dict[str, str]]:
    """`count` students, the i-th handing in every lesson as VARIANTS[i % len(VARIANTS)]."""
    return {f"student{i:03d}": {lesson: VARIANTS[i % len(VARIANTS)] for lesson in lessons} for i in range(count)}


def catalogue_students(lessons) -> dict[str, dict[str, str]]:
    """One student per catalogue patch of `lessons`, handing in that lesson only."""
    from grader.authoring.demo import catalogue_variants
    return {f"{lesson}-{variant}": {lesson: variant} for lesson in lessons for variant in catalogue_variants(lesson)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--lessons", default="lesson03", help="comma-separated, e.g. lesson01,lesson03")
    parser.add_argument("--catalogue", action="store_true",
                        help="add one student per catalogue patch of the lessons (tests/catalogue)")
    parser.add_argument("--keep", type=Path, help="build the course here (kept) instead of a temporary folder")
    args = parser.parse_args()
    lessons = [lesson.strip() for lesson in args.lessons.split(",")]
    students = sample_students(args.students, lessons)
    if args.catalogue:
        students |= catalogue_students(lessons)

    with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
        workdir = args.keep or Path(tmp)
        course = nbgrader_course(workdir, lessons, students)
        result = nbgrader_autograde(course, lessons)
        judged = judge_scores(workdir, lessons, students)

    print(f"nbgrader {NBGRADER_VERSION} autograde: {result['jobs']} jobs in {result['seconds']:.1f} s "
          f"({result['seconds'] / max(result['jobs'], 1):.2f} s per submission and lesson), "
          f"peak {result['peak_mb']:.0f} MB")
    for lesson, measured in result["lessons"].items():
        print(f"  {lesson}: {measured['jobs']} jobs in {measured['seconds']:.1f} s "
              f"({measured['seconds'] / max(measured['jobs'], 1):.2f} s each), peak {measured['peak_mb']:.0f} MB")
    mismatches = 0
    for student, variants in students.items():
        for lesson in variants:
            ours, theirs = judged[student][lesson], result["scores"].get(student, {}).get(lesson)
            same = theirs is not None and tuple(theirs) == tuple(ours)
            mismatches += not same
            print(f"  {student} {lesson} {variants[lesson]:<14} nbgrader {theirs}  judge {ours}"
                  f"{'' if same else '  MISMATCH'}")
    print("scores match the judge" if not mismatches else f"{mismatches} score(s) differ from the judge")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
