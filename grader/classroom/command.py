"""`grader classroom lessonNN`: one lesson graded for GitHub Classroom's reporter.

    grader classroom lesson03 [--timeout S] [--out FILE] [--github-output]
    grader classroom --verify [--strict]

Prints the runner result (grader/classroom/reporter_result.py) on stdout; `--github-output` also appends
`result=<base64>` to the file named by $GITHUB_OUTPUT, the step output the reporter reads.

The checks run in a child process (this module with `--worker`) that streams one line per check
result to a file; this process never imports the student's code. It waits at most `--timeout`
seconds in all, then stops the child; a child that dies during a check costs that check only (a
fresh child goes on with the next). Whatever happened (a hang, a crash, `os._exit` in the
student's code, a broken grader), the result is well formed and holds the points earned. In CI the
child runs the student's code in-process with the checks, the way a student's own `pytest` does:
CI points are advisory, the official grade comes from the instructor's isolated batch run.

In a released repository every run compares the grading files with the release manifest
(grader/classroom/integrity.py); when they differ, the result gets a failing zero-point test
"grading files modified". `--verify` does only that comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from grader.classroom.integrity import default_manifest, integrity, verify

# The grading machinery (torch, the checks, the runner) is imported inside the functions that use
# it, never here: a grading file broken by hand must still end in a well-formed result.

PROJECT = Path(__file__).resolve().parents[2]   # the repository holding grader/
DEFAULT_TIMEOUT = 540.0
MAX_OUTPUT = 4000


# ---------------------------------------------------------------- the child: run the checks


def _result_to_line(result) -> str:
    return json.dumps({"type": "result", **asdict(result)})


def worker(lesson_id: str, root: Path, stream: Path, seed: int, solutions: Path | None, explicit: bool,
           first: int = 0) -> int:
    """Run one lesson's checks on CPU, from the `first` planned run on, and append a JSON line per
    check result to `stream`."""
    with open(stream, "a", encoding="utf-8") as out:
        def emit(line: str) -> None:
            out.write(line + "\n")
            out.flush()

        try:   # imports inside the try: a broken grader becomes a "fatal" line, not a silent death
            import torch

            from grader import data
            from grader.checks import load_lesson
            from grader.classroom.recorded import reference_for
            from grader.handle import LocalHandle
            from grader.notebooks.submitted import choose, handle_for
            from grader.runner import grading_threads, planned_runs, run_check

            torch.set_num_threads(grading_threads())
            lesson = load_lesson(lesson_id)
            reference, lesson, how = reference_for(lesson, solutions, explicit=explicit)
            data_root, setup = None, None
            if lesson.needs_mnist:     # no data: the student's to fix, said once; its checks read "skipped"
                setup = data.setup_problem()
                if setup is None:
                    data_root = data.ensure_extracted(data.data_root())
            # the module or a notebook, whichever the student changed (grader/notebooks/submitted.py)
            choice = choose(root / "exercises" / lesson.id, lesson, solutions)
            submission = handle_for(choice, lesson) if choice else LocalHandle(
                root / "exercises" / lesson.id / lesson.filename)
            emit(json.dumps({"type": "plan", "reference": how, "graded": choice.describe() if choice else "",
                             "file": choice.name if choice else lesson.filename, "setup": setup or ""}))
            for check, device in planned_runs(lesson, ("cpu",))[first:]:
                emit(_result_to_line(run_check(check, submission, reference, device=device, seed=seed,
                                               data_root=data_root)))
            emit(json.dumps({"type": "done"}))
        except BaseException as exc:  # the grader itself (or MNIST) failed: the parent reports it
            emit(json.dumps({"type": "fatal", "message": f"{type(exc).__name__}: {exc}"[:2000]}))
            return 1
    return 0


# ---------------------------------------------------------------- the parent: always a result


def _read_stream(stream: Path):
    from grader.results import CheckResult  # deferred: see the note on imports at the top
    results, fatal, done, how, plan = [], "", False, "", {}
    try:
        text = stream.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue   # a line cut short when the child was stopped
        kind = item.pop("type", None)
        if kind == "result":
            try:
                results.append(CheckResult(**item))
            except TypeError:
                continue
        elif kind == "fatal":
            fatal = item.get("message", "")
        elif kind == "done":
            done = True
        elif kind == "plan":
            how, plan = item.get("reference", ""), item
    return results, fatal, done, how, plan


def grade(lesson_id: str, *, root: Path, timeout: float = DEFAULT_TIMEOUT, seed: int | None = None,
          solutions: Path | None = None, log=sys.stderr) -> dict:
    """The runner result for one lesson; never raises for anything the submission does.

    A child that dies during a check (os._exit, a crash of Python itself) costs that check only:
    it reads "error" and a fresh child goes on with the next one. At the time limit the child is
    stopped and every check not graded yet reads "error"."""
    # deferred: see the note on imports at the top
    from grader.checks import load_lesson
    from grader.classroom.reporter_result import lesson_result
    from grader.results import CheckResult, LessonResult
    from grader.runner import DEFAULT_SEED, planned_runs
    from grader.writers.console import render_lesson

    lesson = load_lesson(lesson_id)
    planned = planned_runs(lesson, ("cpu",))
    seed = DEFAULT_SEED if seed is None else seed
    explicit = solutions is not None
    solutions = solutions if explicit else root / "solutions"
    started = time.monotonic()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT)] + [p for p in [env.get("PYTHONPATH")] if p])
    results: list[CheckResult] = []
    problem, how, first, said, graded_file = "", "", 0, [], None
    with tempfile.TemporaryDirectory(prefix="grader-classroom-") as scratch:
        output = Path(scratch) / "output.txt"
        while first < len(planned) and not problem:
            left = timeout - (time.monotonic() - started)
            stream = Path(scratch) / f"results-{first}.jsonl"
            stream.touch()
            command = [sys.executable, "-m", "grader.classroom", "--worker", lesson_id, "--stream", str(stream),
                       "--root", str(root), "--seed", str(seed), "--solutions", str(solutions),
                       "--first", str(first)] + (["--explicit-solutions"] if explicit else [])
            with open(output, "ab") as sink:
                child = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=sink,
                                         stderr=subprocess.STDOUT, start_new_session=True)
                try:
                    child.wait(timeout=max(1.0, left))
                except subprocess.TimeoutExpired:
                    _stop(child)
                    problem = (f"not finished: grading {lesson_id} stopped at the time limit of {timeout:g} s; "
                               "the points above were earned before it. Look for an endless loop or very slow code.")
            got, fatal, done, how, plan = _read_stream(stream)
            said = said or [line for line in (plan.get("graded"), plan.get("setup")) if line]
            graded_file = plan.get("file") or graded_file
            results += got
            if problem or done:
                break
            if fatal:
                problem = f"the grader could not run {lesson_id}: {fatal}"
                break
            crashed = first + len(got)          # the child died during this check
            if crashed < len(planned):
                check, device = planned[crashed]
                results.append(CheckResult(
                    check.id, check.lesson, check.todo, check.name, device, check.points, "error",
                    f"the grading process stopped during this check (exit code {child.returncode}): the code "
                    "called os._exit, or crashed Python itself. Run the check with pytest to see where."))
            first = crashed + 1
        printed = output.read_bytes()[-MAX_OUTPUT:].decode("utf-8", errors="replace").strip() \
            if output.exists() else ""
        if printed:
            print(f"--- output of the graded code (last {MAX_OUTPUT} bytes at most) ---\n{printed}\n---", file=log)
    if problem:   # the checks that never reported: errors, with the reason, in the log's table too
        seen = {(r.check_id, r.device) for r in results}
        results += [CheckResult(check.id, check.lesson, check.todo, check.name, device, check.points, "error",
                                problem) for check, device in planned if (check.id, device) not in seen]
    modified, digest = [], ""
    if default_manifest().is_file():   # a released repository: are the grading files the released ones?
        modified, digest = verify(PROJECT, default_manifest())
        digest = digest or ""
        if modified:
            print(f"WARNING: grading files modified since the release: {'; '.join(modified)}", file=log)
    result = lesson_result(lesson, results, root=root, problem=problem, modified=modified, manifest_digest=digest,
                           graded_file=graded_file)
    for line in said:      # which file was graded; a setup problem (MNIST missing) once, before the table
        print(line, file=log)
    print(render_lesson(LessonResult(lesson.id, lesson.title, tuple(results), problem), show_messages=True),
          file=log)
    print(f"{lesson_id}: {sum(t['score'] for t in result['tests'])} / {result['max_score']} points "
          f"({result['status']}; {how or 'reference unknown'}; {time.monotonic() - started:.1f} s)", file=log)
    return result


def _stop(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        child.kill()
    child.wait()


def publish(result: dict, *, out: Path | None, github_output: bool) -> None:
    from grader.classroom.reporter_result import encode  # deferred: see the note on imports at the top
    text = json.dumps(result, indent=2)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if github_output:
        target = os.environ.get("GITHUB_OUTPUT")
        if not target:
            raise SystemExit("--github-output: $GITHUB_OUTPUT is not set (it is inside a GitHub Actions step)")
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"result={encode(result)}\n")


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lesson", nargs="?", help="lessonNN (or NN) to grade")
    parser.add_argument("--verify", action="store_true",
                        help="only check the grading files against the hashes recorded at release")
    parser.add_argument("--strict", action="store_true", help="with --verify: exit 1 when files were modified")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds for the whole lesson (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--out", default=None, help="also write the result JSON to this file")
    parser.add_argument("--github-output", action="store_true",
                        help="append result=<base64> to $GITHUB_OUTPUT (the step output the reporter reads)")
    parser.add_argument("--root", default=".", help="the repository holding exercises/ (default: here)")
    parser.add_argument("--seed", type=int, default=None, help="base seed (default: the course's fixed seed)")
    parser.add_argument("--solutions", default=None,
                        help="reference solutions folder (default: ROOT/solutions if present, else the "
                             "answers recorded at release)")
    parser.add_argument("--manifest", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stream", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--explicit-solutions", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)


def command(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if args.worker:
        from grader.runner import DEFAULT_SEED  # deferred: see the note on imports at the top
        return worker(args.lesson, root, Path(args.stream), DEFAULT_SEED if args.seed is None else args.seed,
                      Path(args.solutions) if args.solutions else None, args.explicit_solutions, args.first)
    if args.verify:
        code = integrity(root, Path(args.manifest) if args.manifest else None)
        return code if args.strict else 0
    if not args.lesson:
        raise SystemExit("grader classroom: name a lesson (e.g. lesson03) or use --verify")
    name = args.lesson
    try:   # imports inside the try: a broken grader becomes a well-formed result
        from grader.checks import parse_lessons
        (name,) = parse_lessons(args.lesson)
        result = grade(name, root=root, timeout=args.timeout, seed=args.seed,
                       solutions=Path(args.solutions) if args.solutions else None)
    except BaseException as exc:  # always a well-formed result, even when the grader breaks
        result = _broken(name, root, f"the grader could not run: {type(exc).__name__}: {exc}")
    publish(result, out=Path(args.out) if args.out else None, github_output=args.github_output)
    return 0


def _broken(name: str, root: Path, message: str) -> dict:
    """A result for a run that broke: every check as an error (with the lesson's max_score when the
    lesson can still be read), else a single error test worth nothing."""
    from grader.classroom.reporter_result import failed_result, lesson_result  # deferred: see the top
    try:
        from grader.checks import load_lesson  # deferred: the grader may be what broke
        return lesson_result(load_lesson(name), [], root=root, problem=message)
    except BaseException:
        return failed_result(name, message)


def main(argv: list[str] | None = None) -> int:
    """Entry point of a released repository's `grader` command: `grader classroom ...`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["classroom"]:
        argv = argv[1:]
    parser = argparse.ArgumentParser(prog="grader classroom",
                                     description="Grade one lesson for GitHub Classroom's reporter.")
    add_arguments(parser)
    return command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
