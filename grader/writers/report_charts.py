"""The two charts of report.html, drawn as inline SVG: plain markup built here, no plotting library.

matplotlib took most of the time of rewriting a class's views (a second to import, more to lay out
and PNG-encode two figures); these are strings. No script, no external reference: only shapes and
text, and every text goes through `_e`, as everywhere in the report. Nothing measures fonts here, so
text widths are estimates: a label longer than the room kept for it is cut with an ellipsis and kept
whole in a <title> (the tooltip). Each chart is `role="img"` with its own label.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from grader.writers.safe_text import plain

TOTAL_COLOUR = "#55a868"
LESSON_COLOUR = "#4c72b0"
MEAN_COLOUR = "#c44e52"
GRID_COLOUR = "#dddddd"
AXIS_COLOUR = "#444444"
STRIPE = "#f6f6f6"
BANDS = ((0.5, "#c44e52"), (0.8, "#dd8452"), (1.01, "#55a868"))   # below 50 %, below 80 %, the rest
PERCENT_TICKS = (0, 20, 40, 60, 80, 100)
CHAR_WIDTH = 6.2          # px per character of the 11px labels, a generous average for a sans-serif


@dataclass
class CheckStats:
    """One check across the class: the pass-rate chart's row (built by report._class_stats)."""
    check_id: str
    lesson: str
    todo: str
    name: str
    passed: int = 0
    ran: int = 0           # submissions where at least one run of the check was not skipped
    errors: int = 0        # submissions where a run ended in "error" (the grader broke)

    @property
    def label(self) -> str:
        return f"{self.lesson} · {self.todo} · {self.name}"

    @property
    def rate(self) -> float:
        return self.passed / self.ran if self.ran else 0.0


def _e(value: object) -> str:
    return html.escape(plain(value), quote=True)


def _n(value: float) -> str:
    return f"{round(value, 1):g}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'width="{_n(width)}" height="{_n(height)}"><title>{_e(label)}</title>{"".join(body)}</svg>')


def band_colour(rate: float) -> str:
    return next(colour for limit, colour in BANDS if rate < limit)


# --- score histograms ----------------------------------------------------------------------
BINS = 10                 # 0-10, 10-20, ... 90-100 %; 100 % falls in the last one
COLUMNS = 3
PANEL_W, PANEL_H = 380, 250
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 46, 366, 44, 208   # the plot area inside a panel
TITLE_CHARS = 56


def bin_counts(values: Sequence[float]) -> list[int]:
    counts = [0] * BINS
    for value in values:
        counts[min(BINS - 1, max(0, int(value // (100 / BINS))))] += 1
    return counts


def _count_step(top: int) -> int:
    """The step of at most 5 whole-number ticks up to `top`: 1, 2, 5, 10, 20, 50..."""
    magnitude = 1
    while True:
        for mantissa in (1, 2, 5):
            if top <= 5 * mantissa * magnitude:
                return mantissa * magnitude
        magnitude *= 10


def _histogram(title: str, values: Sequence[float], colour: str) -> list[str]:
    counts = bin_counts(values)
    highest = max(max(counts), 1)
    step = _count_step(highest)
    top = step * -(-highest // step)        # the y axis ends on a tick
    plot_w, plot_h = PLOT_RIGHT - PLOT_LEFT, PLOT_BOTTOM - PLOT_TOP

    def x(percent: float) -> float:
        return PLOT_LEFT + plot_w * percent / 100

    def y(count: float) -> float:
        return PLOT_BOTTOM - plot_h * count / top

    out = [f'<title>{_e(title)}</title><text class="panel-title" x="{PANEL_W / 2:g}" y="16" text-anchor="middle">'
           f"{_e(_clip(title, TITLE_CHARS))}</text>"]
    if values:
        mean = statistics.fmean(values)
        out.append(f'<text class="note" x="{PANEL_W / 2:g}" y="32" text-anchor="middle">'
                   f"mean {mean:.0f}%, n={len(values)}</text>")
    for tick in range(0, top + 1, step):
        out.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" '
                   f'stroke="{GRID_COLOUR}" stroke-width="0.6"/>'
                   f'<text class="tick" x="{PLOT_LEFT - 5}" y="{_n(y(tick))}" dy=".35em" text-anchor="end">'
                   f"{tick}</text>")
    bin_w = plot_w / BINS
    for index, count in enumerate(counts):
        low, high = index * 100 // BINS, (index + 1) * 100 // BINS
        out.append(f'<rect class="bin" x="{_n(PLOT_LEFT + index * bin_w + 0.5)}" y="{_n(y(count))}" '
                   f'width="{_n(bin_w - 1)}" height="{_n(PLOT_BOTTOM - y(count))}" fill="{colour}">'
                   f"<title>{low}–{high} %: {count} student{'' if count == 1 else 's'}</title></rect>")
    if values:
        out.append(f'<line class="mean" x1="{_n(x(mean))}" x2="{_n(x(mean))}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" '
                   f'stroke="{MEAN_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3">'
                   f"<title>class mean {mean:.1f}%</title></line>")
    out.append(f'<path d="M{PLOT_LEFT} {PLOT_TOP}V{PLOT_BOTTOM}H{PLOT_RIGHT}" stroke="{AXIS_COLOUR}" fill="none"/>')
    for tick in PERCENT_TICKS:
        out.append(f'<text class="tick" x="{_n(x(tick))}" y="{PLOT_BOTTOM + 14}" text-anchor="middle">{tick}</text>')
    out.append(f'<text class="axis" x="{_n(x(50))}" y="{PLOT_BOTTOM + 32}" text-anchor="middle">percent</text>'
               f'<text class="axis" transform="translate(12 {_n((PLOT_TOP + PLOT_BOTTOM) / 2)}) rotate(-90)" '
               f'text-anchor="middle">students</text>')
    return out


def score_histograms(panels: Sequence[tuple[str, Sequence[float]]]) -> str:
    """One histogram per (title, percents) panel, three to a row; the first panel (the total) in green."""
    columns = min(COLUMNS, len(panels))
    rows = -(-len(panels) // columns)
    body = []
    for index, (title, values) in enumerate(panels):
        row, column = divmod(index, columns)
        body.append(f'<g class="panel" transform="translate({column * PANEL_W} {row * PANEL_H})">'
                    + "".join(_histogram(title, values, LESSON_COLOUR if index else TOTAL_COLOUR)) + "</g>")
    return _svg(columns * PANEL_W, rows * PANEL_H, "Histograms of the class's percent per lesson", body)


# --- pass rate per check -------------------------------------------------------------------
ROW_H, BAR_H = 18, 13
BARS_TOP, BARS_BOTTOM = 26, 48     # room for the percent ticks above and below, and the axis title
BAR_PLOT_W = 460                   # 0 to 100 %
VALUE_W = 230                      # room right of a full bar for "100%  (100/100, 12 grader errors)"
LABEL_CHARS = 80


def _value_text(check: CheckStats) -> str:
    errors = f", {check.errors} grader error{'s' if check.errors > 1 else ''}" if check.errors else ""
    return f"{100 * check.rate:.0f}%  ({check.passed}/{check.ran}{errors})"


def pass_rate_bars(checks: Sequence[CheckStats]) -> str:
    """One bar per check, in the given order (worst first), coloured by its band of `BANDS`."""
    label_w = 12 + CHAR_WIDTH * min(LABEL_CHARS, max((len(plain(c.label)) for c in checks), default=0))
    left, right = label_w, label_w + BAR_PLOT_W
    bottom = BARS_TOP + ROW_H * len(checks)

    def x(percent: float) -> float:
        return left + BAR_PLOT_W * percent / 100

    body = [f'<rect x="0" y="{BARS_TOP + row * ROW_H}" width="{_n(right + VALUE_W)}" height="{ROW_H}" fill="{STRIPE}"/>'
            for row in range(1, len(checks), 2)]            # every other row shaded, under the grid
    for tick in PERCENT_TICKS:
        body.append(f'<line class="grid" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="{BARS_TOP}" y2="{bottom}" '
                    f'stroke="{GRID_COLOUR}" stroke-width="0.6"/>'
                    f'<text class="tick" x="{_n(x(tick))}" y="{BARS_TOP - 8}" text-anchor="middle">{tick}</text>'
                    f'<text class="tick" x="{_n(x(tick))}" y="{bottom + 15}" text-anchor="middle">{tick}</text>')
    for row, check in enumerate(checks):
        top = BARS_TOP + row * ROW_H
        middle = top + ROW_H / 2
        width = BAR_PLOT_W * min(check.rate, 1.0)
        label = plain(check.label)
        body.append(f'<g class="check"><title>{_e(label)}: {_e(_value_text(check))}</title>'
                    f'<text class="label" x="{_n(left - 6)}" y="{_n(middle)}" dy=".35em" text-anchor="end">'
                    f"{_e(_clip(label, LABEL_CHARS))}</text>"
                    f'<rect class="bar" x="{_n(left)}" y="{_n(middle - BAR_H / 2)}" width="{_n(width)}" '
                    f'height="{BAR_H}" fill="{band_colour(check.rate)}"/>'
                    f'<text class="value" x="{_n(left + width + 4)}" y="{_n(middle)}" dy=".35em">'
                    f"{_e(_value_text(check))}</text></g>")
    body.append(f'<path d="M{_n(left)} {BARS_TOP}V{bottom}" stroke="{AXIS_COLOUR}" fill="none"/>'
                f'<text class="axis" x="{_n(x(50))}" y="{bottom + 36}" text-anchor="middle">'
                "students passing the check (%)</text>")
    return _svg(right + VALUE_W, bottom + BARS_BOTTOM, "Pass rate of each check across the class, worst first", body)
