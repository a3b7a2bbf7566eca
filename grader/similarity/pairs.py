"""Pairs of students whose own code of a lesson is alike, ranked, with the matching line blocks.

The fingerprinting is copydetect's (winnowing over code whose names, strings and layout are
normalised away, so renamed variables and moved functions still match); the lesson's stub and
reference are its `boilerplate`, so a k-gram found in either never counts. What copydetect does not
do, and this module adds: it reads files, so each student's code goes in as a stream
(`CodeFingerprint(fp=...)`, notebooks as their code cells); its report works on files in
folders and marks each file on its own, so this module compares per lesson, skips students with no
code of their own (stub or reference only: they would pair up as "alike" in shared code), ranks
the pairs by both students' matched share together, and pairs each matching run of code in one
file with the run it matches in the other (`Block`), for the side-by-side view.
"""

from __future__ import annotations

import bisect
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from copydetect import CodeFingerprint, compare_files

from grader.similarity.sources import LessonCode

NOISE = 25         # copydetect's noise threshold: matches shorter than this (normalised characters) never count
GUARANTEE = 25     # ... and its guarantee threshold: matches this long are always found (window 1: every k-gram)


@dataclass(frozen=True)
class Block:
    """One run of matching code: lines `a` (first, last; from 1) of the first student's file
    match lines `b` of the second's."""
    a: tuple[int, int]
    b: tuple[int, int]


@dataclass(frozen=True)
class Pair:
    lesson: str
    a: LessonCode
    b: LessonCode
    similarity: float     # matched own code of both over the own code of both, 0..1
    share_a: float        # of a's own code, the part found in b's
    share_b: float
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Ranking:
    pairs: tuple[Pair, ...]                       # most alike first
    compared: dict[str, tuple[str, ...]]          # lesson -> students with code of their own
    shared_only: dict[str, tuple[str, ...]]       # lesson -> students whose code is all stub or reference
    noise: int = NOISE


def _fingerprint(text: str, *, boilerplate=None, window: int = GUARANTEE - NOISE + 1) -> CodeFingerprint:
    # "lesson.py" tells copydetect's tokenizer the language; the code comes from the stream
    return CodeFingerprint("lesson.py", NOISE, window, boilerplate, fp=io.StringIO(text))


def _shared_hashes(shared: Iterable[str]) -> np.ndarray:
    """Every k-gram of the shared code (window 1, as copydetect's own boilerplate hashes)."""
    hashes = [h for text in shared for h in _fingerprint(text, window=1).hashes]
    return np.unique(np.array(hashes, dtype=np.int64))


def _raw_positions(fp: CodeFingerprint, positions: np.ndarray) -> np.ndarray:
    """Positions in the normalised code -> positions in the student's text (as copydetect maps its slices)."""
    if len(fp.offsets) == 0:
        return positions
    at = np.clip(np.searchsorted(fp.offsets[:, 0], positions), 0, fp.offsets.shape[0] - 1)
    return positions + fp.offsets[:, 1][at]


def _line_of(line_starts: list[int], position: int) -> int:
    return bisect.bisect_right(line_starts, position)


def _line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in re.finditer("\n", text)]


def _blocks(fa: CodeFingerprint, fb: CodeFingerprint, starts_a: list[int], starts_b: list[int]) -> tuple[Block, ...]:
    """The runs of shared fingerprints, each as its lines in a and in b. Copied code keeps its
    normalised text, so along a run both positions advance together (a constant shift)."""
    matches = sorted((ia, ib) for h in fa.hashes & fb.hashes for ia in fa.hash_idx[h] for ib in fb.hash_idx[h])
    runs: list[list[int]] = []            # [start a, end a, shift]
    open_runs: dict[int, list[int]] = {}  # shift -> its latest run
    for ia, ib in matches:
        run = open_runs.get(ib - ia)
        if run is not None and ia - run[1] <= NOISE:
            run[1] = ia
        else:
            run = open_runs[ib - ia] = [ia, ia, ib - ia]
            runs.append(run)
    blocks = []
    for start, end, shift in runs:
        ends = np.array([start, end + NOISE - 1])
        raw_a, raw_b = _raw_positions(fa, ends), _raw_positions(fb, ends + shift)
        blocks.append(Block((_line_of(starts_a, raw_a[0]), _line_of(starts_a, raw_a[1])),
                            (_line_of(starts_b, raw_b[0]), _line_of(starts_b, raw_b[1]))))
    # a repeated snippet also matches its other copies: keep each block once, in a's order
    return tuple(sorted(set(blocks), key=lambda block: (block.a, block.b)))


def rank_lesson(lesson: str, codes: Sequence[LessonCode], shared: Iterable[str]) -> Ranking:
    """Every pair of `codes` (one lesson's) with code of their own in common, most alike first."""
    boilerplate = _shared_hashes(shared)
    prints = {code.student: (code, _fingerprint(code.text, boilerplate=boilerplate)) for code in codes}
    own = {student: value for student, value in prints.items() if value[1].token_coverage > 0}
    starts = {student: _line_starts(code.text) for student, (code, _) in own.items()}
    pairs = []
    for (code_a, fa), (code_b, fb) in itertools.combinations(sorted(own.values(), key=lambda v: v[0].student), 2):
        matched, (share_a, share_b), (slices_a, slices_b) = compare_files(fa, fb)
        if matched == 0:
            continue
        tokens_a, tokens_b = share_a * fa.token_coverage, share_b * fb.token_coverage
        similarity = min(1.0, (tokens_a + tokens_b) / (fa.token_coverage + fb.token_coverage))
        pairs.append(Pair(lesson, code_a, code_b, float(similarity), float(min(share_a, 1.0)),
                          float(min(share_b, 1.0)),
                          _blocks(fa, fb, starts[code_a.student], starts[code_b.student])))
    return Ranking(tuple(pairs), {lesson: tuple(sorted(own))},
                   {lesson: tuple(sorted(set(prints) - set(own)))})


def rank(rankings: Iterable[Ranking]) -> Ranking:
    """The lessons' rankings as one: most alike first (ties: more matched code first)."""
    rankings = list(rankings)
    pairs = sorted((pair for ranking in rankings for pair in ranking.pairs),
                   key=lambda p: (-p.similarity, -(p.share_a + p.share_b), p.lesson, p.a.student, p.b.student))
    return Ranking(tuple(pairs), {k: v for r in rankings for k, v in r.compared.items()},
                   {k: v for r in rankings for k, v in r.shared_only.items()})
