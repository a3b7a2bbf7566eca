"""similarity.html and the similarity section of report.html, both from similarity.json's data.

The ranking as a table, then for the most alike pairs the matching runs of code side by side:
each row is one run, the first student's lines on the left, the lines they match in the
second student's file on the right, with their line numbers. Self-contained (no scripts, no
external URLs); names and code are untrusted and all of it goes through `html.escape` (`_e`).
"""

from __future__ import annotations

import html
from pathlib import Path

from grader.similarity.files import WITH_TEXT, read_ranking
from grader.writers.atomic import write_atomic
from grader.writers.safe_text import plain

MAX_ROWS = 200     # pairs listed in the table
MAX_VIEWS = min(30, WITH_TEXT)     # pairs shown side by side (similarity.json has their lines)

STYLE = """
.sim td.num, .sim th.num { text-align: right; font-variant-numeric: tabular-nums; }
.sim table.side { width: 100%; table-layout: fixed; }
.sim table.side td { width: 50%; }
.sim pre.code { white-space: pre; overflow-x: auto; background: #fff6e0; padding: .4rem; font-size: .8rem; margin: 0; }
.sim .ln { color: #999; user-select: none; }
.sim details { margin: .6rem 0; } .sim summary { cursor: pointer; }
"""
PAGE_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #222;
       max-width: 1400px; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.4; }
table { border-collapse: collapse; font-size: .88rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .hint { color: #666; font-size: .9rem; }
"""


def _e(value: object) -> str:
    return html.escape(plain(value), quote=True)


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _numbered(text: str, first: int) -> str:
    lines = text.split("\n")
    width = len(str(first + len(lines) - 1))
    return "\n".join(f'<span class="ln">{number:>{width}}</span>  {_e(line)}'
                     for number, line in enumerate(lines, start=first))


def _side_by_side(pair: dict) -> str:
    head = (f"<tr><th>{_e(pair['a'])} · {_e(pair['source_a'])}</th>"
            f"<th>{_e(pair['b'])} · {_e(pair['source_b'])}</th></tr>")
    rows = "".join(f'<tr><td><pre class="code">{_numbered(block["lines_a"], block["a"][0])}</pre></td>'
                   f'<td><pre class="code">{_numbered(block["lines_b"], block["b"][0])}</pre></td></tr>'
                   for block in pair["blocks"])
    return (f'<details id="pair-{int(pair["rank"])}"><summary>#{int(pair["rank"])} · {_e(pair["lesson"])} · '
            f'{_e(pair["a"])} ↔ {_e(pair["b"])} · {_percent(pair["similarity"])}</summary>'
            f'<table class="side"><thead>{head}</thead><tbody>{rows}</tbody></table></details>')


def _table(pairs: list[dict]) -> str:
    head = ('<tr><th class="num">rank</th><th>lesson</th><th>student A</th><th>student B</th>'
            '<th class="num">similarity</th><th class="num">of A\'s own code</th>'
            '<th class="num">of B\'s own code</th><th>lines</th></tr>')
    rows = []
    for pair in pairs[:MAX_ROWS]:
        rank = int(pair["rank"])
        view = f'<a href="#pair-{rank}">side by side</a>' if rank <= MAX_VIEWS else ""
        rows.append(f'<tr><td class="num">{rank}</td><td>{_e(pair["lesson"])}</td><td>{_e(pair["a"])}</td>'
                    f'<td>{_e(pair["b"])}</td><td class="num">{_percent(pair["similarity"])}</td>'
                    f'<td class="num">{_percent(pair["share_a"])}</td><td class="num">{_percent(pair["share_b"])}</td>'
                    f"<td>{view}</td></tr>")
    more = (f'<p class="hint">… and {len(pairs) - MAX_ROWS} more pairs in similarity.csv.</p>'
            if len(pairs) > MAX_ROWS else "")
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>{more}"


def section_html(data: dict) -> str:
    """The ranking and the side-by-side views (the body of the report.html section)."""
    pairs = data["pairs"]
    shared_only = sum(len(students) for students in data["shared_only"].values())
    hint = ('<p class="hint">Pairs of students whose own code of a lesson is alike, most alike first. '
            "Only what the students wrote counts: the stub's and the reference solution's code is left out, "
            "so handing in the untouched stub, the reference or a mix of the two never makes a pair. Names, "
            "strings and layout are ignored (renamed variables and moved functions still match). Similarity: "
            "the matched part of "
            f"both students' own code ({_e(data['engine'])} fingerprints, runs of at least {int(data['noise'])} "
            "normalised characters). A high score is a reason to look, not a verdict.</p>"
            f'<p class="hint">Not compared (only stub or reference code): {shared_only} lesson file(s).</p>')
    if not pairs:
        return f'<div class="sim"><style>{STYLE}</style>{hint}<p>No two students share code of their own.</p></div>'
    views = "".join(_side_by_side(pair) for pair in pairs[:MAX_VIEWS])
    return f'<div class="sim"><style>{STYLE}</style>{hint}{_table(pairs)}<h3>Side by side</h3>{views}</div>'


def page_html(data: dict) -> str:
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Similar code · {len(data['pairs'])} pair(s)</title><style>{PAGE_STYLE}</style></head>"
            f"<body><h1>Similar code</h1>{section_html(data)}</body></html>\n")


def write_page(out: Path, data: dict) -> Path:
    path = Path(out) / "similarity.html"
    write_atomic(path, page_html(data))
    return path


def report_sections(out_dir: Path) -> list[tuple[str, str, str]]:
    """report.html's similarity section, when `grader similarity --out` wrote into this folder."""
    path = Path(out_dir) / "similarity.json"
    if not path.is_file():
        return []
    try:
        content = section_html(read_ranking(path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        content = f'<p class="hint">similarity.json could not be read: {_e(exc)}</p>'
    return [("similarity", "Similar code", content)]
