"""seed_torch: what torch.manual_seed does, at a fraction of its cost where CUDA has not started."""

import random

import numpy as np
import pytest
import torch

from grader.session import seed_everything, seed_torch


def test_seed_torch_draws_what_manual_seed_draws():
    torch.manual_seed(11)
    expected = (torch.rand(5), torch.randn(3, dtype=torch.float64), torch.randint(0, 100, (4,)))
    seed_torch(11)
    got = (torch.rand(5), torch.randn(3, dtype=torch.float64), torch.randint(0, 100, (4,)))
    assert all(torch.equal(a, b) for a, b in zip(expected, got))
    assert torch.initial_seed() == 11


def test_seed_everything_seeds_python_numpy_and_torch_alike_every_time():
    def draws(seed):
        seed_everything(seed)
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    assert draws(3) == draws(3) != draws(4)


def test_a_cuda_build_that_has_not_started_cuda_keeps_the_seed_for_when_it_does():
    if not torch.cuda._is_compiled() or torch.cuda.is_initialized():
        pytest.skip("a CPU build has nothing to queue; a started CUDA is seeded at once (torch.manual_seed)")
    seed_torch(12345)
    queued = [call for call in torch.cuda._lazy_seed_tracker.get_calls() if call]
    assert [getattr(callable_, "seed", None) for callable_, _ in queued][-1] == 12345
