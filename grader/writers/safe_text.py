"""Text from students (names, messages) made safe for where it is written."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: object) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading `'`
    (OWASP's advice for CSV injection). Numbers written by the grader are left alone."""
    value = str(text)
    if value.startswith(FORMULA_STARTS):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value
