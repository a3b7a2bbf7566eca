"""Untrusted text, made harmless where it is written. Every writer uses these, and only these.

Messages carry what a submission said (an exception's text, a file's name, a folder's name):

- `plain(text)`: control characters other than newline and tab (C0, DEL, C1) and the Unicode
  bidirectional controls become visible escapes (`\\x1b`, `\\u202e`). No terminal sequence,
  carriage-return overwrite or reordered line reaches a file, a console or a page. Used by the
  console, Gradescope's results.json, the Classroom result, report.html and (through
  `markdown`) feedback.md.
- `markdown(text)`: `plain`, and outside code spans what Markdown acts on is backslash-escaped
  (`\\ * [ ] < > & | ~ #`, the `:` of `scheme://`, the `.` of `www.`, `@`, and a list, quote
  or heading marker starting a line), so student text cannot become a link (inline, reference,
  `<autolink>`, a bare URL or address), an image, raw HTML, an entity, a heading or a list.
  Code spans (`like this`) are kept as written, since nothing inside one is interpreted; the
  rest stays readable as plain text. For feedback.md.
- `csv_cell(value)`: a cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
  `@`, a tab or a carriage return) gets a leading `'`; numbers stay numbers. The one
  neutralizing function for gradebook.csv: whoever writes that file calls it on every cell.
"""

from __future__ import annotations

import re
from typing import Any

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")
_ACTIVE = re.compile(
    r"[\\*\[\]<>&|~#@]"               # links, images, HTML, entities, emphasis, tables, headings, addresses
    r"|:(?=//)|(?<=www)\."               # bare URLs (GFM autolinks)
    r"|(?m:(?<=^)[-+=])"                   # a list item or a heading underline starting a line
    r"|(?m:(?<=^\d)[.)])|(?m:(?<=^\d\d)[.)])|(?m:(?<=^\d\d\d)[.)])",   # an ordered list item
    re.IGNORECASE)
_BACKTICKS = re.compile("`+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: Any) -> str:
    """`text` with every control character but newline and tab shown as an escape."""
    return _UNSAFE.sub(_escape, str(text))


def plain_tree(value: Any) -> Any:
    """`plain` applied to every string (keys too) of a JSON-like tree."""
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, dict):
        return {plain_tree(k): plain_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_tree(v) for v in value]
    return value


def _inert(text: str) -> str:
    return _ACTIVE.sub(lambda match: "\\" + match.group(), text)


def markdown(text: Any) -> str:
    """`text` for a Markdown document: inert outside code spans, code spans as written."""
    text = plain(text)
    out, position = [], 0
    runs = list(_BACKTICKS.finditer(text))
    i = 0
    while i < len(runs):
        opener = runs[i]
        closer = next((j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(opener.group())), None)
        if closer is None:     # no closing run of the same length: literal backticks
            out.append(_inert(text[position:opener.start()]) + "\\`" * len(opener.group()))
            position = opener.end()
            i += 1
            continue
        out.append(_inert(text[position:opener.start()]))
        out.append(text[opener.start():runs[closer].end()])
        position = runs[closer].end()
        i = closer + 1
    out.append(_inert(text[position:]))
    return "".join(out)


def csv_cell(value: Any) -> Any:
    """A gradebook cell that no spreadsheet runs as a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = plain(value)
    if _NUMBER.fullmatch(text):
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text
