"""report.html: the class at a glance, for instructors, after a batch run.

One self-contained page: CSS inline, charts drawn as inline SVG (`report_charts`), no scripts, no
external URLs, so it can be mailed or opened straight from disk. Student names, messages and
tracebacks are untrusted and every one of them goes through `html.escape` (`_e`).

`report_html` is a pure function of the result model (like the other writers); `write_report`
loads a folder written by `grader grade --out DIR` and writes `DIR/report.html`.
"""

from __future__ import annotations

import csv
import html
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from grader.results import CheckResult, SubmissionResult, percent, submission_from_dict
from grader.similarity.html import report_sections as similarity_sections
from grader.writers.atomic import write_atomic
from grader.writers.console import format_points
from grader.writers.report_charts import CheckStats, pass_rate_bars, score_histograms
from grader.writers.report_leaderboard import leaderboard_section
from grader.writers.safe_text import plain

SLOWEST = 10


def _e(value: object) -> str:
    return html.escape(plain(value), quote=True)


# --- class statistics ----------------------------------------------------------------------
@dataclass
class TodoStats:
    lesson: str
    todo: str
    counts: dict[str, int] = field(default_factory=dict)   # TODO status -> submissions
    score: float = 0.0
    max_score: float = 0.0

    @property
    def ran(self) -> int:
        return sum(n for status, n in self.counts.items() if status != "skipped")

    @property
    def rate(self) -> float:
        return self.counts.get("passed", 0) / self.ran if self.ran else 0.0


def _class_stats(graded: list[SubmissionResult]) -> tuple[list[CheckStats], list[TodoStats]]:
    checks: dict[str, CheckStats] = {}
    todos: dict[tuple[str, str], TodoStats] = {}
    for result in graded:
        for lesson in result.lessons:
            groups: dict[str, list[CheckResult]] = {}
            for check in lesson.checks:
                groups.setdefault(check.check_id, []).append(check)
            for check_id, runs in groups.items():
                first = runs[0]
                stats = checks.setdefault(check_id, CheckStats(check_id, lesson.lesson, first.todo, first.name))
                ran = [r for r in runs if r.status != "skipped"]
                if not ran:
                    continue
                stats.ran += 1
                stats.passed += all(r.status == "passed" for r in ran)
                stats.errors += any(r.status == "error" for r in ran)
            for todo, summary in lesson.todos().items():
                stats = todos.setdefault((lesson.lesson, todo), TodoStats(lesson.lesson, todo))
                stats.counts[summary.status] = stats.counts.get(summary.status, 0) + 1
                stats.score += summary.score
                stats.max_score += summary.max_score
    ranked_checks = sorted((c for c in checks.values() if c.ran), key=lambda c: (c.rate, c.label))
    ranked_todos = sorted((t for t in todos.values() if t.ran), key=lambda t: (t.rate, t.lesson, t.todo))
    return ranked_checks, ranked_todos


def _score_panels(graded: list[SubmissionResult], lessons: list[tuple[str, str]]) -> list[tuple[str, list[float]]]:
    """(title, percents) of the class's total and of each lesson, for the histograms."""
    panels = [("all lessons (total)", [percent(r.score, r.max_score) for r in graded])]
    for lesson_id, title in lessons:
        values = [percent(lesson.score, lesson.max_score)
                  for r in graded for lesson in r.lessons if lesson.lesson == lesson_id]
        panels.append((f"{lesson_id} · {title}", values))
    return panels


# --- HTML ------------------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #222;
       max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.4; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #e4e4e4; padding-bottom: .2rem; margin-top: 2.2rem; }
nav a { margin-right: 1rem; } .meta, .hint { color: #666; font-size: .9rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; padding: 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .9rem; min-width: 8.5rem; background: #fafafa; }
.card dt { font-size: .8rem; color: #666; } .card dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
.card.bad dd { color: #b22222; }
svg.chart { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
svg.chart text { font-size: 11px; fill: #333; } svg.chart .panel-title { font-size: 12px; font-weight: 600; }
svg.chart .note, svg.chart .tick { fill: #666; } svg.chart .value { font-size: 10px; }
table { border-collapse: collapse; font-size: .88rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fdecea; }
.st-passed { color: #1e7b34; } .st-failed, .st-error, .st-judge { color: #b22222; font-weight: 600; }
.st-not_started, .st-skipped { color: #777; }
.bar { display: inline-block; height: .7rem; background: #4c72b0; vertical-align: middle; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: .5rem; font-size: .8rem;
      max-height: 24rem; overflow: auto; }
details summary { cursor: pointer; color: #444; }
code { font-size: .85rem; }
"""


def _table(headers: Sequence[str], rows: list[str], *, numeric: Sequence[int] = ()) -> str:
    head = "".join(f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(headers))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _num(value: str) -> str:
    return f'<td class="num">{value}</td>'


def _student_link(student: str, feedback_links: dict[str, str]) -> str:
    href = feedback_links.get(student)
    if href is None:
        return _e(student)
    return f'<a href="{_e(href)}">{_e(student)}</a>'


def _headline(results: list[SubmissionResult], graded: list[SubmissionResult], summary: dict) -> str:
    percents = [percent(r.score, r.max_score) for r in graded]
    timings = summary.get("timings") or {}
    wall = timings.get("wall_s")
    errors = len(results) - len(graded)
    cards = [("students", str(len(results)), False), ("graded", str(len(graded)), False),
             ("judge errors", str(errors), errors > 0),
             ("mean", f"{statistics.fmean(percents):.1f}%" if percents else "–", False),
             ("median", f"{statistics.median(percents):.1f}%" if percents else "–", False),
             ("wall time", f"{wall:.1f} s" if isinstance(wall, (int, float)) else "–", False)]
    out = ['<dl class="cards">']
    for label, value, bad in cards:
        out.append(f'<div class="card{" bad" if bad else ""}"><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>')
    out.append("</dl>")
    facts = []
    if timings:
        mean_job = timings.get("mean_job_s")
        mean_job = f"{mean_job:.1f}" if isinstance(mean_job, (int, float)) else "?"
        facts.append(f"{_e(timings.get('jobs', '?'))} jobs on {_e(timings.get('workers', '?'))} worker(s), "
                     f"mean {_e(mean_job)} s per job")
    skipped = summary.get("skipped") or []
    if skipped:
        facts.append(f"{len(skipped)} submission(s) unchanged since an earlier run and not graded again "
                     f"(the wall time covers this run only)")
    protections = summary.get("protections")
    if protections is not None:
        facts.append("sandbox: " + (_e(", ".join(map(str, protections))) if protections
                                    else '<span class="st-error">none (ran unconfined)</span>'))
    versions = sorted({r.grader_version for r in graded or results if r.grader_version})
    seeds = sorted({r.seed for r in graded or results if r.seed})   # 0: kept secret (grades.sqlite)
    if versions:
        facts.append("grader " + _e(", ".join(versions)))
    if seeds:
        facts.append("seed " + _e(", ".join(map(str, seeds))))
    if "submissions" in summary and summary["submissions"] != len(results):
        facts.append(f'<span class="st-error">summary.json counts {_e(summary["submissions"])} submission(s), '
                     f"this report shows {len(results)}</span>")
    if facts:
        out.append('<p class="meta">' + " · ".join(facts) + "</p>")
    return "".join(out)


def _todo_table(todos: list[TodoStats]) -> str:
    rows = []
    for t in todos:
        c = t.counts
        rows.append(
            f"<tr><td>{_e(t.lesson)}</td><td><code>{_e(t.todo)}</code></td>"
            + _num(f'{100 * t.rate:.0f}% <span class="bar" style="width:{60 * t.rate:.0f}px"></span>')
            + _num(str(c.get("passed", 0))) + _num(str(c.get("failed", 0)))
            + _num(str(c.get("not_started", 0))) + _num(str(c.get("error", 0)))
            + _num(f"{percent(t.score, t.max_score):g}%") + "</tr>")
    return _table(["lesson", "TODO", "pass rate", "passed", "failed", "not started", "grader error",
                   "class points"], rows, numeric=(2, 3, 4, 5, 6, 7))


def _slowest(results: list[SubmissionResult], feedback_links: dict[str, str]) -> str:
    rows = []
    for r in sorted(results, key=lambda r: r.execution_time, reverse=True)[:SLOWEST]:
        rows.append(f"<tr><td>{_student_link(r.student, feedback_links)}</td>"
                    + _num(f"{r.execution_time:.1f} s") + _num(f"{percent(r.score, r.max_score):g}%")
                    + (f'<td>{_e(r.status)}</td>' if r.status == "graded"
                       else f'<td class="st-judge">{_e(r.status)}</td>') + "</tr>")
    return (f'<p class="hint">Summed time of the submission\'s lesson jobs; the top {SLOWEST}.</p>'
            + _table(["student", "execution time", "percent", "status"], rows, numeric=(1, 2)))


def _errors(results: list[SubmissionResult], feedback_links: dict[str, str], unreadable: Sequence[str]) -> str:
    out = []
    broken = [r for r in results if r.status != "graded"]
    if broken:
        rows = []
        for r in broken:
            notes = "".join(f"<div>{_e(n)}</div>" for n in r.notes)
            notes += "".join(f"<div>{_e(lesson.lesson)}: {_e(lesson.problem)}</div>"
                             for lesson in r.lessons if lesson.problem)
            rows.append(f'<tr class="bad"><td>{_student_link(r.student, feedback_links)}</td>'
                        f'<td class="st-judge">{_e(r.status)}</td><td>{notes or "–"}</td></tr>')
        out.append("<h3>Submissions the judge could not grade</h3>"
                   + _table(["student", "status", "notes"], rows))
    errored: dict[str, list[tuple[str, CheckResult]]] = {}
    for r in results:
        for lesson in r.lessons:
            for check in lesson.checks:
                if check.status == "error":
                    errored.setdefault(check.check_id, []).append((r.student, check))
    if errored:
        rows = []
        for check_id, hits in sorted(errored.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            first = hits[0][1]
            students = sorted({s for s, _ in hits})
            who = ", ".join(_e(s) for s in students)
            detail = (f"<details><summary>first traceback ({_e(hits[0][0])})</summary>"
                      f"<pre>{_e(first.detail)}</pre></details>") if first.detail else ""
            devices = sorted({c.device or "–" for _, c in hits})
            rows.append(f'<tr><td><code>{_e(check_id)}</code></td><td>{_e(", ".join(devices))}</td>'
                        + _num(str(len(students)))
                        + f"<td>{_e(first.message)}{detail}"
                        + f"<details><summary>students</summary>{who}</details></td></tr>")
        out.append("<h3>Checks that ended in a grader error</h3>"
                   '<p class="hint">The grader itself broke on these (status <code>error</code>); '
                   "the students lost the points. Worth a look before releasing grades.</p>"
                   + _table(["check", "devices", "students", "message"], rows, numeric=(2,)))
    if not out:
        out.append('<p class="st-passed">None: every submission was graded and no check broke.</p>')
    problems = [(r, lesson) for r in results if r.status == "graded" for lesson in r.lessons if lesson.problem]
    if problems:
        problems.sort(key=lambda p: (p[1].lesson, p[0].student))
        rows = [f"<tr><td>{_student_link(r.student, feedback_links)}</td><td>{_e(lesson.lesson)}</td>"
                f"<td>{_e(lesson.problem)}</td></tr>" for r, lesson in problems]
        out.append(f"<details><summary>{len(problems)} lesson(s) could not be graded at all "
                   "(not submitted, not importable, timed out…)</summary>"
                   + _table(["student", "lesson", "problem"], rows) + "</details>")
    if unreadable:
        out.append("<h3>Result files the report could not read</h3><ul>"
                   + "".join(f"<li>{_e(u)}</li>" for u in unreadable) + "</ul>")
    return "".join(out)


def _students(results: list[SubmissionResult], lessons: list[tuple[str, str]],
              feedback_links: dict[str, str]) -> str:
    rows = []
    for r in sorted(results, key=lambda r: r.student):
        by_lesson = {lesson.lesson: lesson for lesson in r.lessons}
        cells = "".join(_num(f"{format_points(by_lesson[lesson].score)} / {format_points(by_lesson[lesson].max_score)}"
                             + (f" ({by_lesson[lesson].status})" if by_lesson[lesson].status != "graded" else ""))
                        if lesson in by_lesson else _num("–") for lesson, _ in lessons)
        feedback = (f'<a href="{_e(feedback_links[r.student])}">feedback.md</a>'
                    if r.student in feedback_links else "–")
        status = (f"<td>{_e(r.status)}</td>" if r.status == "graded"
                  else f'<td class="st-judge">{_e(r.status)}</td>')
        row_class = ' class="bad"' if r.status != "graded" else ""
        rows.append(f"<tr{row_class}><td>{_e(r.student)}</td>{cells}"
                    + _num(f"{format_points(r.score)} / {format_points(r.max_score)}")
                    + _num(f"{percent(r.score, r.max_score):g}%") + status
                    + _num(f"{r.execution_time:.1f} s") + f"<td>{feedback}</td></tr>")
    headers = ["student", *(lesson for lesson, _ in lessons), "total", "percent", "status", "time", "feedback"]
    n = len(lessons)
    return _table(headers, rows, numeric=(*range(1, n + 3), n + 4))


def report_html(results: list[SubmissionResult], summary: dict, *, feedback_links: dict[str, str],
                unreadable: Sequence[str] = (), extra: Sequence[tuple[str, str, str]] = ()) -> str:
    """The whole page. `feedback_links` maps a student to the relative href of their feedback.md;
    `unreadable` lists result files that could not be loaded (shown under judge errors); `extra`:
    more sections (id, title, HTML), before the students."""
    graded = [r for r in results if r.status == "graded"]
    lessons: dict[str, str] = {}
    for r in results:
        for lesson in r.lessons:
            lessons.setdefault(lesson.lesson, lesson.title)
    lesson_list = sorted(lessons.items())
    checks, todos = _class_stats(graded)
    sections = [("headline", "At a glance", _headline(results, graded, summary))]
    if graded and lesson_list:
        sections.append(("distribution", "Score distribution",
                         '<p class="hint">Percent of the points per lesson, graded submissions only; '
                         "the dashed line is the class mean.</p>"
                         + score_histograms(_score_panels(graded, lesson_list))))
    else:
        sections.append(("distribution", "Score distribution", '<p class="hint">No graded submissions.</p>'))
    if checks:
        sections.append(("checks", "Which TODO trips the class",
                         '<p class="hint">Share of graded submissions passing each check (on every device it ran on), '
                         "worst first (red: under 50 %, orange: under 80 %); checks skipped for a student don't count "
                         "for them.</p>"
                         + pass_rate_bars(checks)))
    else:
        sections.append(("checks", "Which TODO trips the class", '<p class="hint">No checks ran.</p>'))
    sections.append(("todos", "TODOs ranked by class pass rate",
                     _todo_table(todos) if todos else '<p class="hint">No TODOs ran.</p>'))
    sections.append(("slowest", "Slowest submissions", _slowest(results, feedback_links) if results
                     else '<p class="hint">No submissions.</p>'))
    sections.append(("errors", "Judge errors", _errors(results, feedback_links, unreadable)))
    if board := leaderboard_section(results):
        sections.append(("leaderboard", "MNIST leaderboard", board))
    sections += extra
    sections.append(("students", "Students", _students(results, lesson_list, feedback_links)))
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{_e(title)}</h2>{content}</section>' for key, title, content in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Grading report · {len(results)} submission(s)</title><style>{STYLE}</style></head>"
            f"<body><h1>Grading report</h1><nav>{nav}</nav>{body}</body></html>\n")


# --- the folder ------------------------------------------------------------------------------
def _gradebook_students(path: Path) -> list[str] | None:
    if not path.is_file():
        return None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row["student"] for row in csv.DictReader(handle) if row.get("student")]


def load_folder(out_dir: Path) -> tuple[list[SubmissionResult], dict, dict[str, str], list[str]]:
    """Results, summary, feedback links and unreadable files of a `grader grade --out` folder.

    Only the students of the last run (those in gradebook.csv, when there is one) are reported:
    a folder graded into twice may hold stale students that summary.json no longer counts."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"{out_dir} is not a folder")
    summary_path = out_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    listed = _gradebook_students(out_dir / "gradebook.csv")
    wanted = set(listed) if listed is not None else None
    results: dict[str, SubmissionResult] = {}
    links: dict[str, str] = {}
    unreadable: list[str] = []
    # rglob, not glob: batch.py writes DIR/<student>/result.json, and a name may hold a '/'.
    for path in sorted(out_dir.rglob("result.json")):
        relative = path.parent.relative_to(out_dir)
        try:
            result = submission_from_dict(json.loads(path.read_text(encoding="utf-8"))["result"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            unreadable.append(f"{path.relative_to(out_dir)}: {type(exc).__name__}: {exc}")
            continue
        if wanted is not None and result.student not in wanted:
            continue
        results[result.student] = result
        if (path.parent / "feedback.md").is_file():
            links[result.student] = "/".join(quote(part, safe="") for part in relative.parts) + "/feedback.md"
    for student in listed or ():
        if student not in results:
            unreadable.append(f"{student}: in gradebook.csv but no result.json")
    return list(results.values()), summary, links, unreadable


def write_report(out_dir: Path) -> Path:
    """Write `out_dir/report.html` (atomically) and return its path."""
    out_dir = Path(out_dir)
    results, summary, links, unreadable = load_folder(out_dir)
    if not results and not unreadable:
        raise FileNotFoundError(f"no */result.json in {out_dir}: run `grader grade --out {out_dir}` first")
    page = report_html(results, summary, feedback_links=links, unreadable=unreadable,
                       extra=similarity_sections(out_dir))
    target = out_dir / "report.html"
    write_atomic(target, page)
    return target
