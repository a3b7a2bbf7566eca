"""report.html: built from hand-made results written the way `grader.judge.batch` writes them."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from grader.results import CheckResult, LessonResult, SubmissionResult
from grader.writers.feedback import feedback_markdown
from grader.writers.gradebook import gradebook_csv, summary
from grader.writers.gradescope import results_json
from grader.writers.report import report_html, write_report

EVIL = "<script>alert(1)</script>"
EVIL_IMG = '<img src=x onerror="alert(2)">'
EVIL_MESSAGE = "<b>expected</b> 3 but got <script>alert(3)</script> http://evil.example/x.png"
CHROMIUM = Path("/usr/bin/chromium")

# (lesson, title, todo, check, points)
PLAN = [
    ("lesson01", "Tensors", "make_tensor", "shape", 2.0),
    ("lesson01", "Tensors", "make_tensor", "dtype", 1.0),
    ("lesson01", "Tensors", "broadcast", "adds_rows", 2.0),
    ("lesson03", "Backprop", "backprop_step", "updates_w", 3.0),
    ("lesson03", "Backprop", "backprop_step", "zeroes_grad", 1.0),
]


def submission(student: str, outcomes: dict[str, str], *, time: float = 1.0,
               message: str = "wrong values", status: str = "graded") -> SubmissionResult:
    """`outcomes` maps a check name to its status (default passed); one run per check, on cpu."""
    lessons = []
    for lesson_id, title in dict.fromkeys((lesson, t) for lesson, t, *_ in PLAN):
        checks = []
        for lesson, _, todo, name, points in PLAN:
            if lesson != lesson_id:
                continue
            outcome = outcomes.get(name, "passed")
            checks.append(CheckResult(
                f"{lesson}.{name}", lesson, todo, name, "cpu", points, outcome,
                message="" if outcome == "passed" else message,
                detail="Traceback (most recent call last):\n  KeyError: '<grader bug>'" if outcome == "error" else ""))
        lessons.append(LessonResult(lesson_id, title, tuple(checks)))
    return SubmissionResult(student, tuple(lessons), status=status, seed=7, grader_version="0.1.0",
                            execution_time=time)


def not_submitted(result: SubmissionResult) -> SubmissionResult:
    """Lesson 3 as `batch._not_gradable` reports a lesson file that was never handed in."""
    problem = "No backprop.py or lesson03.ipynb was submitted for lesson03."
    lessons = tuple(replace(lesson, problem=problem) if lesson.lesson == "lesson03" else lesson
                    for lesson in result.lessons)
    return replace(result, lessons=lessons)


def class_results() -> list[SubmissionResult]:
    return [
        submission("ada", {}, time=3.5),
        not_submitted(submission("grace", {"updates_w": "failed", "zeroes_grad": "not_started"}, time=9.25)),
        submission(EVIL, {"adds_rows": "error", "updates_w": "failed"}, message=EVIL_MESSAGE),
        submission(EVIL_IMG, {"dtype": "error", "updates_w": "failed"}, time=2.0),
        SubmissionResult("linus", (), status="judge error", notes=("zygote died: <oom>",), execution_time=0.5),
    ]


def write_batch(out: Path, results: list[SubmissionResult]) -> None:
    """What `grade_batch` leaves on disk (its `_write_student`, gradebook.csv and summary.json)."""
    for result in results:
        folder = out / result.student
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(results_json(result), indent=2), encoding="utf-8")
        (folder / "feedback.md").write_text(feedback_markdown(result), encoding="utf-8")
        (folder / "result.json").write_text(
            json.dumps({"fingerprint": "f" * 64, "result": result.to_dict()}), encoding="utf-8")
    lessons = sorted({lesson for lesson, *_ in PLAN})
    (out / "gradebook.csv").write_text(gradebook_csv(results, lessons), encoding="utf-8")
    timings = {"wall_s": 12.345, "jobs": 8, "mean_job_s": 1.5, "workers": 2}
    (out / "summary.json").write_text(json.dumps(
        dict(summary(results, timings=timings), skipped=[], protections=["seccomp", "rlimits"]), indent=2),
        encoding="utf-8")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """One rendered report, shared: the tests only read it."""
    out = tmp_path_factory.mktemp("batch") / "graded"
    write_batch(out, class_results())
    return write_report(out)


SVG_TAGS = {"svg", "title", "g", "rect", "line", "path", "text"}    # what the charts are drawn with


def charts(page: str) -> dict[str, ET.Element]:
    """The page's inline SVG charts, parsed as XML (so each one is well-formed), by section id."""
    found = {}
    for section, content in re.findall(r'<section id="(\w+)">(.*?)</section>', page, re.S):
        svgs = re.findall(r"<svg\b.*?</svg>", content, re.S)
        assert len(svgs) <= 1, f"two charts in section {section}"
        if svgs:
            found[section] = ET.fromstring(svgs[0])
    assert len(found) == page.count("<svg"), "a chart outside the sections"
    return found


def texts(element: ET.Element, tag: str, css_class: str | None = None) -> list[str]:
    return ["".join(e.itertext()) for e in element.iter(tag) if css_class is None or e.get("class") == css_class]


def test_page_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert report.name == "report.html"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()                  # no external stylesheet
    assert "<img" not in page.lower()                   # the charts are drawn in the page, not loaded
    assert "<style>" in page
    drawn = charts(page)
    assert set(drawn) == {"distribution", "checks"}
    for svg in drawn.values():
        assert {e.tag for e in svg.iter()} <= SVG_TAGS      # no <image>, <use>, <foreignObject>, <script>
        for element in svg.iter():                           # nothing fetched: no link, no url(...), no events
            assert not any(name.endswith("href") or name == "src" or name.startswith("on") for name in element.attrib)
            assert not any("url(" in value or "//" in value for value in element.attrib.values())
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert svg[0].tag == "title" and svg[0].text == svg.get("aria-label")
        assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", svg.get("viewBox"))


def test_report_does_not_import_matplotlib():
    """matplotlib took a second to import; the charts are plain markup now."""
    code = ("import sys\n"
            "from grader.results import CheckResult, LessonResult, SubmissionResult\n"
            "from grader.writers.report import report_html\n"
            "check = CheckResult('l.a', 'l', 't', 'a', 'cpu', 1.0, 'passed')\n"
            "page = report_html([SubmissionResult('s', (LessonResult('l', 'L', (check,)),))], {}, feedback_links={})\n"
            "assert page.count('<svg') == 2, 'no charts drawn'\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


def test_pass_rate_bars_show_each_check_worst_first(report):
    svg = charts(report.read_text(encoding="utf-8"))["checks"]
    grid = sorted(float(line.get("x1")) for line in svg.iter("line") if line.get("class") == "grid")
    zero, full = grid[0], grid[-1]                      # the 0 % and 100 % grid lines
    rows = [row for row in svg.iter("g") if row.get("class") == "check"]
    # 4 graded submissions: updates_w passes for ada only; dtype and adds_rows each broke once (grader
    # error), zeroes_grad was not started by grace; ties in rate go by label
    expected = [("lesson03 · backprop_step · updates_w", 0.25, "25%  (1/4)", "#c44e52"),
                ("lesson01 · broadcast · adds_rows", 0.75, "75%  (3/4, 1 grader error)", "#dd8452"),
                ("lesson01 · make_tensor · dtype", 0.75, "75%  (3/4, 1 grader error)", "#dd8452"),
                ("lesson03 · backprop_step · zeroes_grad", 0.75, "75%  (3/4)", "#dd8452"),
                ("lesson01 · make_tensor · shape", 1.0, "100%  (4/4)", "#55a868")]
    assert len(rows) == len(expected)
    for row, (label, rate, value, colour) in zip(rows, expected):
        (bar,) = [r for r in row.iter("rect") if r.get("class") == "bar"]
        assert texts(row, "text", "label") == [label] and texts(row, "text", "value") == [value]
        assert float(bar.get("x")) == pytest.approx(zero)
        assert float(bar.get("width")) == pytest.approx(rate * (full - zero), abs=0.05)
        assert bar.get("fill") == colour
        assert row.find("title").text == f"{label}: {value}"      # the tooltip
    assert texts(svg, "text", "axis") == ["students passing the check (%)"]


def test_histograms_bin_each_lesson(report):
    svg = charts(report.read_text(encoding="utf-8"))["distribution"]
    panels = [g for g in svg.iter("g") if g.get("class") == "panel"]
    # percents of the 4 graded submissions: total 100, 55.6, 44.4, 55.6; lesson01 100, 100, 60, 80;
    # lesson03 100, 0, 25, 25 (ten bins of 10 %, 100 % in the last)
    expected = [("all lessons (total)", 63.89, "mean 64%, n=4", {4: 1, 5: 2, 9: 1}, "#55a868"),
                ("lesson01 · Tensors", 85.0, "mean 85%, n=4", {6: 1, 8: 1, 9: 2}, "#4c72b0"),
                ("lesson03 · Backprop", 37.5, "mean 38%, n=4", {0: 1, 2: 2, 9: 1}, "#4c72b0")]
    assert len(panels) == len(expected)
    for panel, (title, mean_percent, note, counts, colour) in zip(panels, expected):
        assert texts(panel, "text", "panel-title") == [title] and texts(panel, "text", "note") == [note]
        bins = [r for r in panel.iter("rect") if r.get("class") == "bin"]
        assert len(bins) == 10 and {b.get("fill") for b in bins} == {colour}
        wanted = [counts.get(i, 0) for i in range(10)]
        assert [int(b.find("title").text.split(": ")[1].split()[0]) for b in bins] == wanted
        heights = [float(b.get("height")) for b in bins]
        assert [h / max(heights) for h in heights] == pytest.approx([n / max(wanted) for n in wanted])
        # the bins tile 0-100 %, the dashed mean line stands at the mean
        left, right = float(bins[0].get("x")), float(bins[-1].get("x")) + float(bins[-1].get("width"))
        (mean,) = [line for line in panel.iter("line") if line.get("class") == "mean"]
        share = (float(mean.get("x1")) - left) / (right - left)
        assert share == pytest.approx(mean_percent / 100, abs=0.005)


def test_untrusted_strings_are_escaped(report):
    page = report.read_text(encoding="utf-8")
    assert EVIL not in page and "<script>alert(3)" not in page and "<b>expected</b>" not in page
    assert html.escape(EVIL) in page
    assert EVIL_IMG not in page and html.escape(EVIL_IMG) in page
    assert html.escape("zygote died: <oom>") in page
    assert html.escape(EVIL_MESSAGE) in page           # a grader-error message, shown to instructors
    assert "KeyError: &#x27;&lt;grader bug&gt;&#x27;" in page
    # the escaped tag may appear as text, but never as markup or in an attribute unescaped
    assert "<img" not in page


def test_sections_and_numbers(report):
    page = report.read_text(encoding="utf-8")
    for section in ("At a glance", "Score distribution", "Which TODO trips the class",
                    "TODOs ranked by class pass rate", "Slowest submissions", "Judge errors", "Students"):
        assert f">{section}</h2>" in page
    assert "<dt>students</dt><dd>5</dd>" in page
    assert "<dt>graded</dt><dd>4</dd>" in page
    assert "<dt>judge errors</dt><dd>1</dd>" in page
    assert "<dt>wall time</dt><dd>12.3 s</dd>" in page
    # the worst TODO comes first: backprop_step passes for ada only (1 of 4 graded submissions)
    todo_table = page.split('id="todos"')[1].split("</table>")[0]
    assert todo_table.index("backprop_step") < todo_table.index("make_tensor")
    assert "25%" in todo_table
    # the grader error on one check is listed with its traceback, and the judge error student too
    errors = page.split('id="errors"')[1].split("</section>")[0]
    assert "lesson01.dtype" in errors and "linus" in errors and "judge error" in errors
    assert "1 lesson(s) could not be graded at all" in errors and "No backprop.py" in errors
    # slowest first
    slowest = page.split('id="slowest"')[1].split("</table>")[0]
    assert slowest.index("grace") < slowest.index("ada") < slowest.index("linus")
    # per-student rows link to feedback.md, relative, with the name URL-quoted
    assert 'href="ada/feedback.md"' in page
    assert 'href="%3Cimg%20src%3Dx%20onerror%3D%22alert%282%29%22%3E/feedback.md"' in page
    assert "file:" not in page


def test_feedback_links_resolve(report):
    page = report.read_text(encoding="utf-8")
    from urllib.parse import unquote
    hrefs = set(re.findall(r'href="([^"#][^"]*)"', page))
    assert len(hrefs) == 5
    for href in hrefs:
        assert (report.parent / unquote(html.unescape(href))).is_file(), href


def test_report_html_is_pure_and_copes_with_nothing_graded():
    only_errors = [SubmissionResult("x", (), status="judge error")]
    page = report_html(only_errors, {}, feedback_links={})
    assert "No graded submissions" in page and "No checks ran" in page and "<svg" not in page
    assert report_html(class_results(), {}, feedback_links={}) == report_html(class_results(), {}, feedback_links={})


def test_stale_students_are_left_out(tmp_path):
    out = tmp_path / "graded"
    write_batch(out, [submission("old", {}, time=1.0)])
    write_batch(out, class_results())              # a second run into the same folder, without "old"
    page = write_report(out).read_text(encoding="utf-8")
    assert ">old<" not in page


def test_cli_report(tmp_path, capsys):
    from grader.cli import main
    out = tmp_path / "graded"
    write_batch(out, class_results())
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()
    assert "report.html" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing")]) == 2


# --- a real browser ------------------------------------------------------------------------
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="needs a headless browser: apt-get install -y chromium")


def chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=120)


def page_console(stderr: str) -> list[str]:
    """What the page said on the console. Chromium logs every console level (and uncaught
    exceptions) as `INFO:CONSOLE...`; the report has no script, so any such line is a fault."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def pixels_near(image, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    import numpy as np
    array = np.asarray(image.convert("RGB"), dtype=np.int16)
    return int((np.abs(array - np.array(rgb, dtype=np.int16)).max(axis=2) <= tolerance).sum())


@needs_chromium
def test_console_check_sees_page_errors(tmp_path):
    """The negative control: if Chromium changed its log format, the check below would pass vacuously."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); undefinedFn();</script>", encoding="utf-8")
    run = chromium(["--dump-dom", bad.as_uri()], tmp_path)
    said = page_console(run.stderr)
    assert any("boom" in line for line in said) and any("Uncaught" in line for line in said), run.stderr[-3000:]


@needs_chromium
def test_renders_in_headless_chromium(report, tmp_path):
    url = report.resolve().as_uri()
    shot = tmp_path / "shot.png"
    run = chromium([f"--screenshot={shot}", "--window-size=1280,2000", url], tmp_path)
    assert shot.is_file(), run.stderr[-3000:]
    assert not page_console(run.stderr)
    assert shot.stat().st_size > 20_000
    if os.environ.get("REPORT_SHOT"):                 # keep the screenshot for a person to look at
        shutil.copyfile(shot, os.environ["REPORT_SHOT"])
    try:
        from PIL import Image
    except ImportError:
        pass                                          # the size check above has to do
    else:
        with Image.open(shot) as image:
            assert image.size == (1280, 2000)
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is None or len(colours) > 50      # text and charts, not a blank page
            # the charts were painted: the histograms' blue, the worst check's red bar
            assert pixels_near(image, (0x4C, 0x72, 0xB0)) > 5_000
            assert pixels_near(image, (0xC4, 0x4E, 0x52)) > 1_000

    dom = chromium(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-3000:]
    assert not page_console(dom.stderr)
    assert len(re.findall(r'<svg class="chart" role="img"', dom.stdout)) == 2
    assert "<script" not in dom.stdout and "Grading report" in dom.stdout
    assert html.escape(EVIL) in dom.stdout
