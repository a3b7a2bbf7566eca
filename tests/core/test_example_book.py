"""A replayed check meets its examples as hypothesis hands them out: the same examples, and the
global generators (random, NumPy) seeded for each one as hypothesis seeds them, then restored."""

import random

import numpy as np
from hypothesis import strategies as st

from grader import strategies


def run(book, seen):
    def body(example):
        seen.append((example, random.random(), float(np.random.rand())))
    book.enter_check("a check[cpu]")
    with strategies.examples_remembered(book):
        strategies.for_all(st.integers(0, 1000), body, max_examples=6)


def test_a_replay_meets_the_examples_and_global_draws_hypothesis_gave():
    book = strategies.ExampleBook()
    random.seed(1)
    np.random.seed(1)
    before = random.getstate(), np.random.get_state()[1].tolist()
    drawn, replayed = [], []
    run(book, drawn)
    run(book, replayed)
    assert book.replayed == 1 and len(drawn) == 6
    assert replayed == drawn
    assert drawn[0][1:] == drawn[-1][1:], "each example starts from the same seeded generators"
    assert (random.getstate(), np.random.get_state()[1].tolist()) == before
