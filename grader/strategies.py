"""Shared hypothesis strategies and the settings every check uses.

Grading is derandomized: the same submission meets the same examples on every run.

A failing check reports the first failing example, not the smallest: no shrink or explain phase.
Shrinking a wrong answer ran the student's code (and the reference) hundreds of times more, the
cost of a failing check grew with how wrong the code was, and a student's feedback needs a clear
example, not a minimal one. The first failure is found by the same derandomized generate phase
in the judge, the student's pytest and the release's replay of recorded answers, so all three
report the same example (the replay could never shrink: its questions must be recorded).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.handle import SubmissionError

GRADING = settings(
    max_examples=15,
    derandomize=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),   # the first failing example, unshrunk (above)
    database=None,
    deadline=None,
    print_blob=False,
    report_multiple_bugs=False,   # one failure per check: distinct failures would arrive as an ExceptionGroup
    suppress_health_check=list(HealthCheck),
)

FINITE = dict(allow_nan=False, allow_infinity=False)


def _without_local_constants() -> None:
    """Same submission, same examples, whichever modules a process has loaded.

    Recent hypothesis versions mix literals found in the source of every loaded non-site-packages
    module (the student's file, the solutions, the catalogue...) into generated examples, so the
    examples of a student's own run and of the judge's isolated run could differ. There is no
    setting for it: the hook is replaced where it exists (older versions have no such feature).
    """
    try:  # a private module of hypothesis, absent from older versions
        from hypothesis.internal.conjecture import providers
    except ImportError:
        return
    if hasattr(providers, "_get_local_constants") and not getattr(providers, "_grader_without_local_constants", False):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
        if hasattr(providers, "CONSTANTS_CACHE"):
            providers.CONSTANTS_CACHE.cache.clear()
        providers._grader_without_local_constants = True


_without_local_constants()


def shapes(min_dims: int = 1, max_dims: int = 3, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def arrays(shape=None, dtype=np.float32, low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    elements = st.floats(low, high, width=np.dtype(dtype).itemsize * 8, **FINITE)
    return hnp.arrays(dtype, shape if shape is not None else shapes(), elements=elements)


def tensors(shape=None, dtype=torch.float32, low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[torch.Tensor]:
    np_dtype = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16}[dtype]
    return arrays(shape, np_dtype, low, high).map(lambda a: torch.from_numpy(a.copy()))


def same_shape_pair(dtype=torch.float32, low: float = -10.0, high: float = 10.0, max_dims: int = 3):
    return shapes(max_dims=max_dims).flatmap(
        lambda s: st.tuples(tensors(s, dtype, low, high), tensors(s, dtype, low, high)))


def floats(low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, **FINITE)


_examples_seed: int | None = None


@contextmanager
def examples_seeded(seed: int | None):
    """Within the block, `for_all` draws its examples from `seed` (None: the derandomized default,
    the same examples on every run, which the release records answers for)."""
    global _examples_seed
    before, _examples_seed = _examples_seed, seed
    try:
        yield
    finally:
        _examples_seed = before


try:   # what hypothesis does to the global generators around each example (a private module)
    from hypothesis.internal.entropy import RANDOMS_TO_MANAGE, deterministic_PRNG
except ImportError:   # pragma: no cover
    deterministic_PRNG = None

_SEEDED_STATE = random.Random(0).getstate()


def _reseed_globals() -> None:
    """The global generators as hypothesis leaves them for each example (deterministic_PRNG(0)):
    a replay saves and restores them once per call, not once per example (~0.14 ms each)."""
    for ref in list(RANDOMS_TO_MANAGE.data.values()):
        generator = ref()
        if generator is None:
            continue
        if generator is random or type(generator) is random.Random:
            generator.setstate(_SEEDED_STATE)
        else:
            generator.seed(0)


class ExampleBook:
    """The examples `for_all` drew, by check and call, for the next runs of the same checks to replay.

    Every job of a judge worker's batch runs the same checks with the same seed, and every strategy
    of a check is fixed by the check and its seed, so hypothesis draws the same examples in the
    same order for every submission until one fails (its generate phase depends on the draws
    alone; a failure ends it). A check's run that went through all its examples records them;
    the next runs replay them without hypothesis's engine, each inside hypothesis's own seeding
    of the global generators. A failing example is run once more, as hypothesis does, and what
    that run raises propagates; should it pass the second time (hypothesis would call the test
    flaky), the call goes through hypothesis after all. Keys: the check's context (id, device,
    per-check seed, as `recorded.bind_lesson` tells the judge's reference), the call's rank in
    the check, the strategy's repr, max_examples and the examples' seed. One book per judge
    worker and options (`reference_cache.CachedReference.examples`), like the reference's answers.
    """

    def __init__(self):
        self.drawn: dict[tuple, list] = {}
        self.context: str | None = None
        self.calls = 0
        self.replayed = 0

    def enter_check(self, context: str | None) -> None:
        self.context, self.calls = context, 0

    def key(self, strategy: st.SearchStrategy, max_examples: int | None) -> tuple | None:
        if self.context is None or deterministic_PRNG is None:
            return None
        self.calls += 1
        return self.context, self.calls, repr(strategy), max_examples, _examples_seed


_book: ExampleBook | None = None


@contextmanager
def examples_remembered(book: ExampleBook | None):
    """Within the block, `for_all` records its examples in `book` and replays those it holds."""
    global _book
    before, _book = _book, book
    try:
        yield
    finally:
        _book = before


class _Guarded:
    """`body` as every example meets it: a SubmissionError is kept (and later examples skipped)
    rather than raised, since shrinking or another example would not help."""

    def __init__(self, body: Callable[[Any], None]):
        self.body = body
        self.no_answer: list[SubmissionError] = []
        self.wrong_seen = False

    def __call__(self, example) -> None:
        if self.no_answer and not self.wrong_seen:
            return
        try:
            self.body(example)
        except SubmissionError as exc:
            self.no_answer.append(exc)
        except Exception:
            # once a wrong answer was seen, keep running the body: skipping examples after a later
            # SubmissionError would make hypothesis's replay of the failing example pass (Flaky)
            self.wrong_seen = True
            raise


def _fresh(example, memo: dict | None = None):
    """`copy.deepcopy(example)`, a few times faster for what strategies draw (numbers, plain
    tensors and arrays, in tuples and lists): a body may change its example in place."""
    memo = {} if memo is None else memo
    kind = type(example)
    if kind in (int, float, bool, str, type(None)):
        return example
    if id(example) in memo:   # the same object twice stays one object, as deepcopy keeps it
        return memo[id(example)]
    if kind in (tuple, list):
        copied = kind(_fresh(item, memo) for item in example)
    elif (kind is torch.Tensor and example.layout == torch.strided and not example.requires_grad
          and example.grad_fn is None and example._base is None and not example.__dict__):
        copied = example.clone()
    elif kind is np.ndarray and example.base is None and example.dtype.hasobject is False:
        copied = example.copy()
    else:
        return copy.deepcopy(example, memo)   # one memo: sharing with what was copied above is kept
    memo[id(example)] = copied
    return copied


def _replayed(examples: list, body: Callable[[Any], None]) -> _Guarded | None:
    """Run `body` on recorded examples as hypothesis would; None where only hypothesis can say."""
    guarded = _Guarded(body)
    with deterministic_PRNG():
        for example in examples:
            try:
                _reseed_globals()
                guarded(_fresh(example))
            except Exception as first:
                try:
                    _reseed_globals()
                    guarded(_fresh(example))
                except Exception as final:
                    if type(final) is type(first):
                        raise
                return None
    return guarded


def for_all(strategy: st.SearchStrategy, body: Callable[[Any], None], max_examples: int | None = None) -> None:
    """Run `body(example)` on derandomized examples (or those of `examples_seeded`); the first
    failing example's error propagates."""
    book = _book
    key = book.key(strategy, max_examples) if book is not None else None
    guarded = _replayed(book.drawn[key], body) if key is not None and key in book.drawn else None
    if guarded is not None:
        book.replayed += 1
    else:
        config = GRADING if max_examples is None else settings(GRADING, max_examples=max_examples)
        guarded, drawn = _Guarded(body), []

        @config
        @given(strategy)
        def run(example):
            if key is not None:
                drawn.append(_fresh(example))
            guarded(example)

        if _examples_seed is not None:
            run = seed(_examples_seed)(run)
        run()
        if key is not None:     # it went through all its examples (a failure raised above)
            book.drawn[key] = drawn
    if guarded.no_answer:
        raise guarded.no_answer[0]
