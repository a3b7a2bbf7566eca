"""`grader similarity SUBMISSIONS... --out DIR`: pairs of students with alike code, per lesson.

    grader similarity out/demo/submissions --out out/demo/graded [--lessons 1,3] [--top 20]

Takes submissions as `grader grade` does (grader/judge/intake.py). Prints the most alike pairs
and writes DIR/similarity.html, similarity.json and similarity.csv; when DIR is a graded folder,
report.html gets the section too. Bad input stops with one line and exit code 2, before any work.
Nothing of a submission runs: its files are only read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.checks import LESSON_IDS, parse_lessons
from grader.judge.archives import UnsafeArchive
from grader.judge.intake import find_submissions
from grader.similarity.html import write_page
from grader.similarity.sources import lesson_code, shared_code
from grader.writers.safe_text import plain


class SimilarityError(Exception):
    """Bad input: one line, exit code 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", metavar="DIR",
                        help="the submissions, as `grader grade` takes them (a class folder, archives, notebooks)")
    parser.add_argument("--out", required=True,
                        help="folder for similarity.html/.json/.csv (a `grader grade --out` folder: report.html too)")
    parser.add_argument("--lessons", help="e.g. 1,3 (default: all eight)")
    parser.add_argument("--top", type=int, default=20, help="pairs printed (default 20; the files hold all)")


def _checked(args: argparse.Namespace) -> tuple[list[str], Path]:
    try:
        lessons = parse_lessons(args.lessons) if args.lessons else list(LESSON_IDS)
    except ValueError as exc:
        raise SimilarityError(str(exc)) from None
    if args.top < 1:
        raise SimilarityError(f"--top must be at least 1, got {args.top}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SimilarityError(f"--out {out} is a file, not a folder")
    for path in map(Path, args.submissions):
        if not path.exists():
            raise SimilarityError(f"no such file or folder: {path}")
    return lessons, out


def _table(pairs: list[dict], top: int) -> str:
    header = f"{'rank':>4}  {'lesson':<9} {'student A':<20} {'student B':<20} {'similarity':>10}"
    lines = [header, "─" * len(header)]
    lines += [f"{p['rank']:>4}  {p['lesson']:<9} {plain(p['a']):<20.20} {plain(p['b']):<20.20} "
              f"{100 * p['similarity']:>9.0f}%" for p in pairs[:top]]
    return "\n".join(lines)


def command(args: argparse.Namespace) -> int:
    lessons, out = _checked(args)
    # copydetect (with matplotlib) is imported by this command only, not by every `grader` start
    from grader.similarity.files import ranking_dict, write_files
    from grader.similarity.pairs import rank, rank_lesson

    try:
        submissions = find_submissions([Path(p) for p in args.submissions])
    except (FileNotFoundError, UnsafeArchive) as exc:
        raise SimilarityError(str(exc)) from None
    students = [s for s in submissions if not s.refused]
    if len(students) < 2:
        raise SimilarityError(f"similarity needs at least two submissions; found {len(students)} in "
                              + ", ".join(args.submissions))
    codes = {lesson: [code for s in students if (code := lesson_code(s, lesson)) is not None] for lesson in lessons}
    data = ranking_dict(rank(rank_lesson(lesson, found, shared_code(lesson)) for lesson, found in codes.items()))
    written = write_files(out, data) + [write_page(out, data)]
    if any(out.rglob("result.json")):   # a graded folder: its report.html shows the section too
        from grader.writers.report import write_report
        written.append(write_report(out))
    compared = sum(len(v) for v in data["compared"].values())
    shared_only = sum(len(v) for v in data["shared_only"].values())
    refused = len(submissions) - len(students)
    print(f"{len(students)} submission(s) × {len(lessons)} lesson(s): {compared} lesson file(s) with code of their "
          f"own compared, {shared_only} left out (only stub or reference code); {len(data['pairs'])} pair(s) alike"
          + (f"; {refused} refused submission(s) not read (see `grader grade`)" if refused else ""))
    if data["pairs"]:
        print(_table(data["pairs"], args.top))
    print("wrote " + ", ".join(map(str, written)))
    return 0
