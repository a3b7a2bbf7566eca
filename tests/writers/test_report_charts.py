"""report.html's charts: inline SVG built from the class statistics, every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from grader.writers.report_charts import (
    LABEL_CHARS,
    CheckStats,
    band_colour,
    bin_counts,
    pass_rate_bars,
    score_histograms,
)

EVIL = '</text></svg><script>alert(1)</script><svg onload="alert(2)">'
EVIL_IMG = '<img src=x onerror="alert(3)"> & "quotes" \x1b[31m'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)          # raises on markup that is not well-formed


def of_class(root: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in root.iter(tag) if e.get("class") == css_class]


def text(element: ET.Element) -> str:
    return "".join(element.itertext())


def structure(root: ET.Element) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.tag, tuple(sorted(e.attrib))) for e in root.iter()]


def stats(name: str, passed: int, ran: int, *, errors: int = 0, lesson: str = "lesson01",
          todo: str = "make_tensor") -> CheckStats:
    return CheckStats(f"{lesson}.{name}", lesson, todo, name, passed=passed, ran=ran, errors=errors)


def test_bins_are_tens_of_percent_with_100_in_the_last():
    assert bin_counts([0, 9.99, 10, 55, 99.99, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bin_counts([-3, 104]) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]     # never lost off either end
    assert bin_counts([]) == [0] * 10


@pytest.mark.parametrize(("rate", "colour"), [(0.0, "#c44e52"), (0.49, "#c44e52"), (0.5, "#dd8452"),
                                              (0.79, "#dd8452"), (0.8, "#55a868"), (1.0, "#55a868")])
def test_bands(rate, colour):
    assert band_colour(rate) == colour


@pytest.mark.parametrize(("highest", "ticks"), [(1, [0, 1]), (4, [0, 1, 2, 3, 4]), (7, [0, 2, 4, 6, 8]),
                                                (48, [0, 10, 20, 30, 40, 50]), (100, [0, 20, 40, 60, 80, 100])])
def test_count_axis_has_a_few_whole_ticks_up_to_the_tallest_bin(highest, ticks):
    root = parse(score_histograms([("lesson01", [95.0] * highest)]))
    (panel,) = of_class(root, "g", "panel")
    at = {int(text(t)): float(t.get("y")) for t in of_class(panel, "text", "tick") if t.get("text-anchor") == "end"}
    assert list(at) == ticks
    (tallest,) = [b for b in of_class(panel, "rect", "bin") if float(b.get("height")) > 0]
    zero, top = at[0], at[ticks[-1]]
    assert float(tallest.get("y")) == pytest.approx(zero - (zero - top) * highest / ticks[-1], abs=0.05)


def test_histograms_lay_out_three_panels_a_row():
    root = parse(score_histograms([(f"lesson0{i}", [50.0]) for i in range(1, 8)]))
    panels = of_class(root, "g", "panel")
    offsets = [tuple(map(float, p.get("transform").removeprefix("translate(").rstrip(")").split())) for p in panels]
    assert len(set(offsets)) == 7 and len({y for _, y in offsets}) == 3 and len({x for x, _ in offsets}) == 3
    width, height = map(float, root.get("viewBox").split()[2:])
    assert all(x < width and y < height for x, y in offsets)
    # a panel with no values draws empty bins, and no mean
    empty = parse(score_histograms([("lesson09", [])]))
    assert not of_class(empty, "line", "mean") and not of_class(empty, "text", "note")
    assert all(float(b.get("height")) == 0 for b in of_class(empty, "rect", "bin"))


def test_untrusted_text_stays_text():
    benign = [stats("shape", 1, 2, todo="todo", lesson="lesson01"), stats("dtype", 2, 2)]
    evil = [stats(EVIL, 1, 2, todo=EVIL_IMG, lesson="lesson01"), stats("dtype", 2, 2)]
    for draw, args in ((pass_rate_bars, (benign, evil)),
                       (score_histograms, ([("lesson01 · Tensors", [50.0])], [(EVIL, [50.0])]))):
        good, bad = (draw(a) for a in args)
        assert "<script" not in bad and "<img" not in bad
        assert structure(parse(bad)) == structure(parse(good))     # same elements, same attributes
    labels = [text(t) for t in of_class(parse(pass_rate_bars(evil)), "text", "label")]
    assert labels[0] == f"lesson01 · {EVIL_IMG} · {EVIL}".replace("\x1b", "\\x1b")[:LABEL_CHARS - 1] + "…"
    (title,) = of_class(parse(score_histograms([(EVIL, [50.0])])), "text", "panel-title")
    assert text(title) == EVIL[:55] + "…"


def test_a_hundred_long_labels_stay_legible():
    checks = [stats(f"check_{i:03d}_" + "x" * (10 + i), i % 5, 4) for i in range(110)]
    root = parse(pass_rate_bars(checks))
    rows = of_class(root, "g", "check")
    assert len(rows) == 110
    bars = [next(r for r in row.iter("rect") if r.get("class") == "bar") for row in rows]
    tops = [float(b.get("y")) for b in bars]
    height = float(bars[0].get("height"))
    assert all(b - a >= height + 2 for a, b in zip(tops, tops[1:]))   # one row each, none overlapping
    for row, check in zip(rows, checks):
        (label,) = [t for t in row.iter("text") if t.get("class") == "label"]
        assert len(text(label)) <= LABEL_CHARS
        assert text(label).rstrip("…") in check.label
        assert row.find("title").text.startswith(check.label + ": ")    # the full label, as a tooltip
    width = float(root.get("viewBox").split()[2])
    assert width < 1300                     # a long label is cut, the chart does not grow with it
    assert float(root.get("viewBox").split()[3]) >= 110 * 18


def test_grader_errors_are_counted_in_the_value():
    root = parse(pass_rate_bars([stats("a", 1, 4, errors=1), stats("b", 0, 4, errors=3), stats("c", 4, 4)]))
    assert [text(t) for t in of_class(root, "text", "value")] == [
        "25%  (1/4, 1 grader error)", "0%  (0/4, 3 grader errors)", "100%  (4/4)"]
