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


def for_all(strategy: st.SearchStrategy, body: Callable[[Any], None], max_examples: int | None = None) -> None:
    """Run `body(example)` on derandomized examples (or those of `examples_seeded`); the first
    failing example's error propagates."""
    config = GRADING if max_examples is None else settings(GRADING, max_examples=max_examples)
    no_answer: list[SubmissionError] = []
    wrong_seen: list[bool] = []

    @config
    @given(strategy)
    def run(example):
        if no_answer and not wrong_seen:
            return
        try:
            body(example)
        except SubmissionError as exc:  # not started, raised, crashed: shrinking would not help
            no_answer.append(exc)
        except Exception:
            # once a wrong answer was seen, keep running the body: skipping examples after a later
            # SubmissionError would make hypothesis's replay of the failing example pass (Flaky)
            wrong_seen.append(True)
            raise

    if _examples_seed is not None:
        run = seed(_examples_seed)(run)
    run()
    if no_answer:
        raise no_answer[0]
