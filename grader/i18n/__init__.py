"""Student-facing text in English and Vietnamese (gettext-like, no dependencies).

    from grader.i18n import tr
    tr("the loss at step {step} of {steps}", step=3, steps=10)

`tr(message, **values)`: `message` is the English text — also the catalogue key — with `{named}`
placeholders; it returns the text in the active language, formatted with `values`. The key is
always a string literal (tests/test_i18n.py reads every `tr("...")` of the package and checks that
each key is in every catalogue); anything that varies (numbers, shapes, names, code) goes in as a
value. Literal braces in a key are doubled, as in `str.format`.

Text kept in a table and translated later (status words, limit messages, lesson titles) is
marked with `N_("...")`, which returns it unchanged, and translated where it is shown with
`tr_marked(text, **values)`.

The language is read when `tr` is called: `set_language(lang)` (`--lang` on the command line and
in pytest), else `$GRADER_LANG`, else English. Catalogues: `grader/i18n/<lang>.json`, one per
language, each mapping every key to its text (English maps a key to itself).
`python -m grader.i18n` lists missing and stale keys; `--sync` rewrites en.json from the code.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import string
from collections.abc import Iterator
from pathlib import Path

__all__ = ["tr", "N_", "tr_marked", "set_language", "language", "using_language", "LANGUAGES",
           "DEFAULT_LANGUAGE", "UnknownLanguage", "catalogue", "placeholders"]

LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}
DEFAULT_LANGUAGE = "en"
ENV_VAR = "GRADER_LANG"
CATALOGUE_DIR = Path(__file__).resolve().parent

_selected: str | None = None   # set_language's choice; None: $GRADER_LANG, then English


class UnknownLanguage(ValueError):
    def __init__(self, lang: object, source: str = "language"):
        known = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
        super().__init__(f"unknown {source} {lang!r}: use one of {known}")


@functools.lru_cache(maxsize=64)    # every `tr` asks (a judge's job: hundreds of times)
def normalize(lang: str, source: str = "language") -> str:
    """'vi', 'VI', 'vi_VN', 'vi-VN.UTF-8' -> 'vi'; anything not catalogued raises UnknownLanguage."""
    code = str(lang).strip().lower().replace("_", "-").split(".")[0].split("-")[0]
    if code not in LANGUAGES:
        raise UnknownLanguage(lang, source)
    return code


def set_language(lang: str | None) -> str | None:
    """Select the language for every later `tr` in this process (None: back to $GRADER_LANG or
    English). Returns the previous selection, to hand back to `set_language` later."""
    global _selected
    previous = _selected
    _selected = None if lang is None or lang == "" else normalize(lang)
    return previous


def language() -> str:
    """The active language code."""
    if _selected is not None:
        return _selected
    env = os.environ.get(ENV_VAR, "").strip()
    return normalize(env, f"{ENV_VAR} value") if env else DEFAULT_LANGUAGE


@contextlib.contextmanager
def using_language(lang: str | None) -> Iterator[str]:
    """`with using_language("vi"): ...` — the language for the block only."""
    previous = set_language(lang)
    try:
        yield language()
    finally:
        set_language(previous)


def _load(lang: str) -> dict[str, str]:
    try:
        return json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    except OSError:  # not installed with the package: English keys, as they are
        return {}


# Read at import, not on first use: the judge's confined child processes (forked from a zygote
# that imported this) may no longer read the package's files.
_CATALOGUES = {lang: _load(lang) for lang in LANGUAGES}


def catalogue(lang: str) -> dict[str, str]:
    """Key -> text for one language."""
    return _CATALOGUES[normalize(lang)]


def tr(message: str, /, **values) -> str:
    """`message` (English, a literal) in the active language, formatted with `values`."""
    return _translate(message, values)


def tr_marked(message: str, /, **values) -> str:
    """Like `tr`, for a text marked with `N_` elsewhere (so not a literal here)."""
    return _translate(message, values)


def N_(message: str, /) -> str:
    """Mark a literal for the catalogues without translating it now (see `tr_marked`)."""
    return message


def _translate(message: str, values: dict) -> str:
    # not catalogued, or left empty for a translator (the tests keep both from happening): English
    text = catalogue(language()).get(message) or message
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        if text is message:
            raise
        return message.format(**values)  # a broken translation never hides the message


def placeholders(text: str) -> list[tuple[str, str, str]]:
    """The `{name!conversion:spec}` fields of a format string, as (name, conversion, spec)."""
    return [(name, conversion or "", spec or "")
            for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
