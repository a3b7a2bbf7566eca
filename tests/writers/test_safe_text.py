"""Untrusted text made harmless where it is written (grader/writers/safe_text.py, issue 10)."""

import pytest

from grader.writers.safe_text import csv_cell, markdown, plain


# --- untrusted text -------------------------------------------------------------------------
def test_control_characters_become_visible_escapes():
    assert plain("\x1b[2J\x1b[1;32m ALL CHECKS PASSED\r\u202e10 / 10\x07\n\tok") == \
        "\\x1b[2J\\x1b[1;32m ALL CHECKS PASSED\\x0d\\u202e10 / 10\\x07\n\tok"


@pytest.mark.parametrize("text", [
    "[click](http://evil.example)", "![x](http://evil.example/x.png)", "<img src=x onerror=alert(1)>",
    "see http://evil.example now", "www.evil.example", "mail me@evil.example", "&lt;script&gt;",
    "[ref]: http://evil.example", "<http://evil.example>", "a` [x](http://e.example) `b` <b>",
])
def test_markdown_text_cannot_make_links_or_html(text):
    out = markdown(text)
    outside_code = "".join(part for i, part in enumerate(out.split("`")) if i % 2 == 0)
    for active in ("[", "]", "<", ">", "&", "://", "www.", "@"):
        for at in _find_all(outside_code, active):
            assert outside_code[at - 1] == "\\", (out, active)


def _find_all(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def test_markdown_keeps_code_spans_and_plain_words():
    assert markdown("backprop.py has no `forward`. Keep the name (x, w) from the stub.") == \
        "backprop.py has no `forward`. Keep the name (x, w) from the stub."


@pytest.mark.parametrize("cell, expected", [("=1+1", "'=1+1"), ("+cmd|calc", "'+cmd|calc"), ("-2+3", "'-2+3"),
                                            ("@SUM(A1)", "'@SUM(A1)"), ("alice", "alice"), ("7.5", "7.5"),
                                            ("-0.5", "-0.5"), (3, 3)])
def test_gradebook_cells_are_never_formulas(cell, expected):
    assert csv_cell(cell) == expected
