"""`grader` — a thin command line over plain functions.

    grader grade SUBMISSION... --out DIR   grade submissions in batch (isolated, parallel)
    grader demo                            build the sample class and grade it
    grader stubs [--check]                 generate exercises/ from solutions/ (or check drift)
    grader report DIR                      write DIR/report.html: the class at a glance
    grader gradebook DIR [--policy P]      rewrite DIR's gradebook, report and feedback from grades.sqlite
    grader history DIR STUDENT             list a student's recorded attempts
    grader release --out DIR               write the student template repository (no solutions)
    grader classroom lessonNN              one lesson's result for GitHub Classroom's reporter
    grader similarity DIR --out OUT        pairs of students whose own code is alike, per lesson
    grader gradescope --out autograder.zip Gradescope's autograder package (setup.sh, run_autograder, ...)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

import torch

from grader import __version__, data
from grader.authoring.demo import build_class
from grader.authoring.exercises import drifted_stubs, write_stubs
from grader.checks import load_lesson, parse_lessons
from grader.classroom.command import add_arguments as add_classroom_arguments
from grader.classroom.command import command as classroom_command
from grader.classroom.errors import ReleaseError
from grader.classroom.generated import REPORTER_REF
from grader.classroom.release import release
from grader.gradebook.db import GradebookError, connect
from grader.gradebook.deadlines import CourseError
from grader.gradebook.history import history_lines
from grader.gradebook.policy import POLICIES
from grader.gradebook.record import add_students
from grader.gradebook.seed import folder_seed
from grader.gradebook.views import rewrite
from grader.gradescope.package import PackageError, build_package
from grader.i18n import LANGUAGES, UnknownLanguage, language, set_language
from grader.judge import intake, sandbox
from grader.judge.archives import UnsafeArchive
from grader.judge.batch import grade_batch
from grader.judge.identity import IdentityError, identify
from grader.judge.jobs import GradeOptions
from grader.judge.preflight import Checked, PreflightError, check_grade_settings
from grader.results import submission_from_dict
from grader.runner import cuda_available
from grader.similarity import command as similarity
from grader.writers.console import render_submission, student_line
from grader.writers.report import write_report


class JudgeError(Exception):
    """The judge itself could not do its job (exit code 2, one line)."""


def _lessons(spec: str | None) -> tuple[str, ...]:
    try:
        return tuple(parse_lessons(spec))
    except ValueError as exc:
        raise JudgeError(str(exc)) from None


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=tuple(LANGUAGES), default=None,
                        help="language of student messages, score tables and feedback "
                             "(default: $GRADER_LANG, else en)")


def _apply_language(args: argparse.Namespace) -> None:
    try:
        if getattr(args, "lang", None):
            set_language(args.lang)
            os.environ["GRADER_LANG"] = args.lang   # for the processes a command starts, too
        language()   # a bad $GRADER_LANG stops here, not in the middle of grading
    except UnknownLanguage as exc:
        raise JudgeError(str(exc)) from None


def _executor(args: argparse.Namespace) -> str:
    """`--scheduler` alone means Dask; Dask must be installed (it is an optional extra)."""
    executor = args.executor or ("dask" if args.scheduler else "local")
    if executor == "local" and args.scheduler:
        raise JudgeError("--scheduler is only used with --executor dask")
    if executor == "dask":
        if importlib.util.find_spec("distributed") is None:
            raise JudgeError("--executor dask needs dask.distributed: pip install 'torch-course-grader[dask]'")
    return executor


def _data_root(args: argparse.Namespace, lessons: tuple[str, ...]) -> Path | None:
    """The MNIST folder, extracted, when a lesson needs it."""
    if not any(load_lesson(lesson).needs_mnist for lesson in lessons):
        return None
    try:
        root = data.data_root(args.data)
        data.ensure_extracted(root)
    except data.MissingDataset as exc:
        raise JudgeError(str(exc)) from None
    return root


def _submissions(args: argparse.Namespace, roster) -> list:
    """The submissions, each under its student's name (one per student, names safe for a folder)."""
    try:
        submissions = intake.find_submissions([Path(p) for p in args.submissions], strip_prefix=args.strip_prefix)
        submissions = identify(submissions, roster)
    except (FileNotFoundError, UnsafeArchive, IdentityError) as exc:
        raise JudgeError(str(exc)) from None
    if not submissions:
        raise JudgeError("no submissions found in " + ", ".join(args.submissions))
    return submissions


def _grade(submissions: list, options: GradeOptions, on_student):
    if options.executor != "dask":
        return grade_batch(submissions, options, on_student=on_student)
    # optional dependency (dask.distributed): imported only when the Dask executor is asked for
    from grader.judge.dask_executor import ExecutorError

    try:
        return grade_batch(submissions, options, on_student=on_student)
    except ExecutorError as exc:
        raise JudgeError(str(exc)) from None


def _checked(args: argparse.Namespace) -> Checked:
    """Every setting checked before anything is graded (exit 2, one line)."""
    try:
        return check_grade_settings(timeout=args.timeout, jobs=args.jobs, lessons=args.lessons,
                                    out=Path(args.out), submissions=[Path(p) for p in args.submissions],
                                    course=Path(args.course) if args.course else None,
                                    roster=Path(args.roster) if args.roster else None,
                                    max_reply_mb=args.max_reply_mb)
    except PreflightError as exc:
        raise JudgeError(str(exc)) from None


def _open_folder(out: Path, seed: int | None, roster) -> int:
    """The seed to grade with (the folder's secret one unless --seed), the roster's students recorded."""
    try:
        if roster is not None:
            conn = connect(out)
            add_students(conn, list(roster.students))
            conn.close()
        return seed if seed is not None else folder_seed(out)
    except GradebookError as exc:
        raise JudgeError(str(exc)) from None


def grade_command(args: argparse.Namespace) -> int:
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")  # ask about CUDA without initialising it
    torch.set_num_threads(1)  # before any tensor work: forked workers deadlock otherwise

    checked = _checked(args)
    lessons = checked.lessons
    executor = _executor(args)
    if args.device == "cuda" and not cuda_available():
        raise JudgeError("--device cuda was asked for, but no CUDA device is available")
    data_root = _data_root(args, lessons)
    submissions = _submissions(args, checked.roster)
    out = Path(args.out)
    options = GradeOptions(
        out=out, lessons=lessons, jobs=args.jobs or os.cpu_count() or 1, device=args.device,
        call_timeout=args.timeout, max_reply_mb=args.max_reply_mb, force=args.force,
        seed=_open_folder(out, args.seed, checked.roster),
        data_root=data_root, progress=not args.quiet, executor=executor, scheduler=args.scheduler,
        course=Path(args.course).resolve() if args.course else None, policy=args.policy)
    workers = f"Dask cluster {args.scheduler or ''}".rstrip() if executor == "dask" else f"{options.jobs} worker(s)"
    devices = ("cuda" if args.device == "cuda"
               else "cpu" + (", cuda" if cuda_available() and args.device != "cpu" else ""))
    for note in checked.notes:
        print(f"note: {note}")
    seed = "from --seed" if args.seed is not None else "secret (kept in grades.sqlite)"
    print(f"grader {__version__}: {len(submissions)} submission(s) × {len(lessons)} lesson(s), "
          f"{workers}, seed {seed}, devices {devices}", flush=True)
    print("sandbox: " + ", ".join(sandbox.probe_protections() or ["none available (running unconfined!)"]), flush=True)
    attention = []

    def graded(result):      # as soon as each student is graded, on a terminal or in a CI log
        print(student_line(result), flush=True)
        attention.extend(f"{result.student}: {lesson.lesson} {lesson.status}"
                         + (f" ({lesson.problem})" if lesson.problem else "")
                         for lesson in result.lessons if lesson.status not in ("graded", "late"))

    report = _grade(submissions, options, graded)
    if report.judge_errors:
        print(f"judge errors (recorded in the gradebook; these lessons are graded again by the next run): "
              f"{len(report.judge_errors)}", flush=True)
        for line in report.judge_errors:
            print(f"  {line}", flush=True)
    if report.skipped:
        print(f"  unchanged since the last run, not graded again: {len(report.skipped)} (use --force to regrade)")
    if attention:
        print(f"needs attention ({len(attention)}):")
        for line in attention:
            print(f"  {line}")
    print(f"wrote {options.out}/grades.sqlite, gradebook.csv, summary.json, report.html and per-student "
          f"results.json + feedback.md in {report.seconds:.1f} s")
    return 0


def gradebook_command(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if not (folder / "grades.sqlite").is_file():
        raise JudgeError(f"no grades.sqlite in {folder}: run `grader grade --out {folder}` first")
    try:
        book = rewrite(folder, policy=args.policy, leaderboard_names=args.leaderboard_names)
    except GradebookError as exc:
        raise JudgeError(str(exc)) from None
    print(f"wrote {folder}/gradebook.csv, summary.json, report.html and per-student files: "
          f"{len(book.results)} student(s), {len(book.lessons)} lesson(s), policy {args.policy}")
    return 0


def history_command(args: argparse.Namespace) -> int:
    try:
        lines = history_lines(Path(args.dir), args.student)
    except GradebookError as exc:
        raise JudgeError(str(exc)) from None
    if not lines:
        raise JudgeError(f"no attempts of {args.student!r} in {args.dir}")
    print("\n".join(lines))
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """Build the sample class and grade it: the project's main job in one command."""
    out = Path(args.out)
    submissions = build_class(out / "submissions")
    print(f"sample class written to {submissions}")
    grade_args = build_parser().parse_args(
        ["grade", str(submissions), "--out", str(out / "graded"), "--force"]
        + (["--lessons", args.lessons] if args.lessons else [])
        + (["--jobs", str(args.jobs)] if args.jobs else []))
    code = grade_command(grade_args)
    if code == 0:
        stored = json.loads((out / "graded" / args.show / "result.json").read_text(encoding="utf-8"))
        print()
        print(render_submission(submission_from_dict(stored["result"])))
    return code


def stubs_command(args: argparse.Namespace) -> int:
    root = Path(args.root)
    solutions, exercises = root / "solutions", root / "exercises"
    if args.check:
        drifted = drifted_stubs(solutions, exercises)
        for path in drifted:
            print(f"out of date: {path}")
        return 1 if drifted else 0
    for path in write_stubs(solutions, exercises):
        print(f"wrote {path}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    try:
        path = write_report(Path(args.dir))
    except FileNotFoundError as exc:
        raise JudgeError(str(exc)) from None
    print(f"wrote {path}")
    return 0


def release_command(args: argparse.Namespace) -> int:
    try:
        report = release(Path(args.out), lessons=_lessons(args.lessons) if args.lessons else None,
                         catalogue=not args.no_catalogue, git=args.git, force=args.force,
                         reporter_ref=args.reporter_ref, with_mnist=args.with_mnist,
                         progress=lambda m: print(m, flush=True))
    except ReleaseError as exc:
        raise JudgeError(str(exc)) from None
    for lesson in report.lessons:
        print(f"  {lesson.lesson}: {lesson.points:g} points, {lesson.answers} recorded answers, runs replayed "
              f"identically: {', '.join(f'{k} {v}' for k, v in list(lesson.runs.items())[:2])}, "
              f"+{max(0, len(lesson.runs) - 2)} catalogued")
    if report.shared:
        print(f"  {len(report.shared)} solution line(s) also appear in the grader's own public code (hints, "
              "probes), e.g. " + "; ".join(report.shared[:3]))
    print(f"wrote {len(report.files)} files to {report.out} in {report.seconds:.0f} s; "
          f"release manifest sha256 {report.manifest_digest}")
    return 0


def similarity_command(args: argparse.Namespace) -> int:
    try:
        return similarity.command(args)
    except similarity.SimilarityError as exc:
        raise JudgeError(str(exc)) from None


def gradescope_command(args: argparse.Namespace) -> int:
    try:
        package = build_package(Path(args.out), lessons=_lessons(args.lessons), policy=args.policy,
                                course=Path(args.course) if args.course else None)
    except (PackageError, CourseError) as exc:
        raise JudgeError(str(exc)) from None
    print(f"wrote {package.path}: {', '.join(package.lessons)}, {package.wheel}"
          + (", MNIST bundled" if package.mnist else "") + "; upload it as the assignment's autograder")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grading harness for the PyTorch course.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade submissions in batch")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="a student folder or archive, a folder of them, or a lesson notebook")
    grade.add_argument("--out", required=True, help="folder for the gradebook and per-student results")
    grade.add_argument("--lessons", help="e.g. 1,5 (default: all eight)")
    grade.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    grade.add_argument("--device", choices=("cpu", "cuda"), default=None,
                       help="device for tensor checks (default: cpu, and cuda when present)")
    grade.add_argument("--timeout", type=float, default=60.0, help="seconds one call may take (default 60)")
    grade.add_argument("--max-reply-mb", type=float, default=64.0, metavar="MB",
                       help="the most one answer of a submission may carry (default 64); over it, no answer")
    grade.add_argument("--seed", type=int, default=None,
                       help="base seed (default: a secret seed drawn once per --out folder and kept there)")
    grade.add_argument("--data", default=None, help="MNIST data folder (default: $GRADER_DATA, then datasets/)")
    grade.add_argument("--force", action="store_true", help="regrade submissions already graded")
    grade.add_argument("--quiet", action="store_true", help="no progress line")
    grade.add_argument("--executor", choices=("local", "dask"), default=None,
                       help="local: a pool of --jobs workers on this machine (default); "
                            "dask: the workers of a Dask cluster (see docs/cluster.md)")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="the Dask scheduler, e.g. tcp://head-node:8786 (implies --executor dask)")
    grade.add_argument("--course", metavar="course.toml", default=None,
                       help="deadlines and late penalties (see docs/instructors.md)")
    grade.add_argument("--roster", metavar="roster.csv", default=None,
                       help="who is who: name, github, lms_id, email, section")
    grade.add_argument("--strip-prefix", action="store_true",
                       help="drop the prefix all student folders share (done anyway in <assignment>-submissions)")
    grade.add_argument("--policy", choices=("latest", "best", "latest-on-time"), default="latest",
                       help="which attempt counts in the gradebook (default: latest)")
    _add_lang(grade)
    grade.set_defaults(run=grade_command)

    book = commands.add_parser("gradebook", help="rewrite DIR's gradebook, report and feedback from grades.sqlite")
    book.add_argument("dir", metavar="DIR", help="the folder `grader grade --out` wrote")
    book.add_argument("--policy", choices=("latest", "best", "latest-on-time"), default="latest",
                      help="which attempt counts (default: latest)")
    book.add_argument("--leaderboard-names", action="store_true",
                      help="name the students in leaderboard.csv (default: stable pseudonyms)")
    _add_lang(book)
    book.set_defaults(run=gradebook_command)

    history = commands.add_parser("history", help="list a student's attempts recorded in DIR")
    history.add_argument("dir", metavar="DIR")
    history.add_argument("student", metavar="STUDENT")
    history.set_defaults(run=history_command)

    demo = commands.add_parser("demo", help="grade the bundled sample class (a quick tour)")
    demo.add_argument("--out", default="out/demo", help="where to build and grade the sample class")
    demo.add_argument("--lessons", help="e.g. 1,3 (default: all eight)")
    demo.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    demo.add_argument("--show", default="grace", help="whose score table to print (default: grace)")
    _add_lang(demo)
    demo.set_defaults(run=demo_command)

    stubs = commands.add_parser("stubs", help="generate the student stubs from the solutions")
    stubs.add_argument("--check", action="store_true", help="only report stubs that differ (exit 1)")
    stubs.add_argument("--root", default=".", help="project folder holding solutions/ and exercises/")
    stubs.set_defaults(run=stubs_command)

    report = commands.add_parser("report", help="write DIR/report.html for instructors after a batch run")
    report.add_argument("dir", metavar="DIR", help="the folder `grader grade --out` wrote")
    report.set_defaults(run=report_command)

    released = commands.add_parser("release", help="write the student template repository (no solutions)")
    released.add_argument("--out", required=True, help="an empty folder for the template")
    released.add_argument("--lessons", help="e.g. 3,8 (default: every lesson with checks and a solution)")
    released.add_argument("--no-catalogue", action="store_true",
                          help="record the reference's answers for the reference and stub runs only")
    released.add_argument("--git", action="store_true", help="make it a git repository with one commit")
    released.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    released.add_argument("--with-mnist", action="store_true",
                          help="bundle the four MNIST archives (about 11 MB) into the template: nothing to download")
    released.add_argument("--reporter-ref", default=REPORTER_REF,
                          help="git ref (ideally a commit SHA) of the Classroom grading reporter action "
                               "(default: the SHA pinned in grader/classroom/generated.py)")
    released.set_defaults(run=release_command)

    classroom = commands.add_parser("classroom", help="grade one lesson for GitHub Classroom's reporter")
    add_classroom_arguments(classroom)
    _add_lang(classroom)
    classroom.set_defaults(run=classroom_command)

    similar = commands.add_parser("similarity", help="pairs of students whose own code of a lesson is alike")
    similarity.add_arguments(similar)
    similar.set_defaults(run=similarity_command)
    gradescope = commands.add_parser("gradescope", help="build Gradescope's autograder package (a zip)")
    gradescope.add_argument("--out", required=True, help="the zip to write, e.g. autograder.zip")
    gradescope.add_argument("--lessons", help="e.g. 1,5 (default: all eight)")
    gradescope.add_argument("--course", metavar="course.toml", default=None,
                            help="deadlines, late penalties and per-lesson visibility (see docs/instructors.md)")
    gradescope.add_argument("--policy", choices=POLICIES, default="latest",
                            help="which of a student's submissions counts per lesson (default: latest)")
    gradescope.set_defaults(run=gradescope_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _apply_language(args)
        return args.run(args)
    except JudgeError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
