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


def test_a_replayed_example_is_a_fresh_copy_as_deepcopy_would_make():
    import torch
    x = torch.arange(6.0).reshape(2, 3)
    array = np.arange(3.0)
    example = (x, [x, 2.5, array], {"k": x})
    fresh = strategies._fresh(example)
    assert type(fresh) is tuple and type(fresh[1]) is list
    assert torch.equal(fresh[0], x) and fresh[0] is not x and fresh[0].data_ptr() != x.data_ptr()
    assert fresh[1][0] is fresh[0], "one object twice stays one object, as with copy.deepcopy"
    assert fresh[2]["k"] is fresh[0]   # through copy.deepcopy, with the same memo
    fresh[0].add_(1)
    fresh[1][2][0] = 99
    assert torch.equal(x, torch.arange(6.0).reshape(2, 3)) and array[0] == 0
