"""similarity.json and similarity.csv: the ranking for scripts.

similarity.json (format `grader-similarity`, version 1) is also what the HTML views read, so
report.html can show the section again from a folder without recomputing anything:

    {"format": "grader-similarity", "version": 1, "engine": "copydetect 0.5.0", "noise": 25,
     "compared": {lesson: [students with code of their own]},
     "shared_only": {lesson: [students whose code is all stub or reference]},
     "pairs": [{"rank", "lesson", "a", "b", "source_a", "source_b", "similarity", "share_a", "share_b",
                "blocks": [{"a": [first, last], "b": [first, last], "lines_a": text, "lines_b": text}]}]}

Ranks count from 1, most alike first; lines from 1, both ends included. The text of the lines
(`lines_a`, `lines_b`) is kept for the first WITH_TEXT pairs only, those the HTML shows side by
side: a class of 100 has thousands of pairs.
"""

from __future__ import annotations

import csv
import io
import json
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from grader.writers.atomic import write_atomic
from grader.writers.safe_text import csv_cell

if TYPE_CHECKING:   # pairs.py imports copydetect; report.html reads these files without it
    from grader.similarity.pairs import Ranking

FORMAT, VERSION = "grader-similarity", 1
WITH_TEXT = 50
CSV_FIELDS = ("rank", "lesson", "student_a", "student_b", "similarity", "share_a", "share_b", "blocks")


def _lines(text: str, span: tuple[int, int]) -> str:
    return "\n".join(text.splitlines()[span[0] - 1:span[1]])


def _block(pair, block, with_text: bool) -> dict:
    found = {"a": list(block.a), "b": list(block.b)}
    if with_text:
        found.update(lines_a=_lines(pair.a.text, block.a), lines_b=_lines(pair.b.text, block.b))
    return found


def ranking_dict(ranking: Ranking) -> dict:
    pairs = [{"rank": number, "lesson": pair.lesson, "a": pair.a.student, "b": pair.b.student,
              "source_a": pair.a.source, "source_b": pair.b.source, "similarity": round(pair.similarity, 4),
              "share_a": round(pair.share_a, 4), "share_b": round(pair.share_b, 4),
              "blocks": [_block(pair, block, number <= WITH_TEXT) for block in pair.blocks]}
             for number, pair in enumerate(ranking.pairs, start=1)]
    return {"format": FORMAT, "version": VERSION, "engine": f"copydetect {version('copydetect')}",
            "noise": ranking.noise,
            "compared": {k: list(v) for k, v in sorted(ranking.compared.items())},
            "shared_only": {k: list(v) for k, v in sorted(ranking.shared_only.items())},
            "pairs": pairs}


def read_ranking(path: Path) -> dict:
    """A similarity.json written by `write_files`; ValueError when it is not one this version reads."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(f"{path} is not a {FORMAT} version {VERSION} file")
    return data


def ranking_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for pair in data["pairs"]:
        writer.writerow([csv_cell(value) for value in (
            pair["rank"], pair["lesson"], pair["a"], pair["b"], pair["similarity"], pair["share_a"],
            pair["share_b"], len(pair["blocks"]))])
    return out.getvalue()


def write_files(out: Path, data: dict) -> list[Path]:
    """Write similarity.json and similarity.csv into `out` (atomically); their paths."""
    json_path, csv_path = Path(out) / "similarity.json", Path(out) / "similarity.csv"
    write_atomic(json_path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    write_atomic(csv_path, ranking_csv(data))
    return [json_path, csv_path]
