"""report.html's leaderboard section: per MNIST lesson and model, the class ranked by test accuracy."""

from __future__ import annotations

import html

from grader.results import SubmissionResult
from grader.writers.leaderboard import ranked
from grader.writers.safe_text import plain


def _e(value: object) -> str:
    return html.escape(plain(value), quote=True)


def leaderboard_section(results: list[SubmissionResult]) -> str:
    """The section's HTML, or "" when no model was measured (no MNIST lesson graded)."""
    tables = []
    for (lesson, model), board in ranked(results).items():
        rows = "".join(f'<tr><td class="num">{rank}</td><td>{_e(entry.student)}</td>'
                       f'<td class="num">{100 * entry.accuracy:.2f}%</td></tr>'
                       for rank, entry in enumerate(board, start=1))
        tables.append(f"<h3>{_e(lesson)} · {_e(model)}</h3><table><thead><tr><th class=\"num\">rank</th>"
                      f"<th>student</th><th class=\"num\">test accuracy</th></tr></thead><tbody>{rows}</tbody></table>")
    if not tables:
        return ""
    return ('<p class="hint">Accuracy on the 10,000 MNIST test images of the model the checks trained with '
            "each student's code, and of each checkpoint they handed in; reported, not scored. "
            "leaderboard.csv has the same ranking with pseudonyms.</p>" + "".join(tables))
