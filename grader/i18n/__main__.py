"""`python -m grader.i18n [--sync]`: catalogue keys missing or stale in each language.

With --sync: en.json is rewritten from the code (each key mapped to itself, in source order);
every other catalogue is put in the same order, stale keys dropped and missing keys added with
an empty text, for a translator to fill in (the tests fail on an empty text).
"""

from __future__ import annotations

import argparse
import json
import sys

from grader.i18n import CATALOGUE_DIR, DEFAULT_LANGUAGE, LANGUAGES
from grader.i18n.extract import extract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.i18n", description=__doc__.splitlines()[0])
    parser.add_argument("--sync", action="store_true", help="rewrite the catalogues (see above)")
    args = parser.parse_args(argv)
    found = extract()
    for problem in found.problems:
        print(f"problem: {problem}")
    keys = list(found.keys)
    bad = bool(found.problems)
    for lang in LANGUAGES:
        path = CATALOGUE_DIR / f"{lang}.json"
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        missing = [k for k in keys if not current.get(k)]
        stale = [k for k in current if k not in found.keys]
        print(f"{lang}: {len(keys)} keys in the code, {len(missing)} missing or empty, {len(stale)} stale")
        for key in missing:
            print(f"  missing: {key!r}  ({found.keys[key][0]})")
        for key in stale:
            print(f"  stale:   {key!r}")
        if args.sync:
            if lang == DEFAULT_LANGUAGE:
                synced = {k: current.get(k) or k for k in keys}
            else:
                synced = {k: current.get(k, "") for k in keys}
            path.write_text(json.dumps(synced, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        elif missing or stale:
            bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
