"""What the judge's reference cache keeps, and that a kept answer is exactly the live one, also
for a reference that draws random numbers (fast: a small reference module of our own)."""

import torch

from grader.handle import LocalHandle, Ref
from grader.judge.reference_cache import cached_reference
from grader.session import seed_everything

REFERENCE = '''
import torch

def double(x):
    return x * 2

def noisy(x):
    return x + torch.rand(x.shape)

def box(x):
    return [x]

class Box:
    def __init__(self, x):
        self.x = x

def make_box(x):
    return Box(x)
'''


def handles(tmp_path):
    source = tmp_path / "reference.py"
    source.write_text(REFERENCE)
    live = LocalHandle(source)
    cached = cached_reference(LocalHandle(source), lesson="t", checks="c", seed=1, device=None,
                              solutions=tmp_path, skip_cheap=False)
    cached.enter_check("t.check", "cpu", 1)
    return live, cached


def test_a_pure_answer_is_kept_and_given_back_exactly(tmp_path):
    live, cached = handles(tmp_path)
    x = torch.arange(6.0).reshape(2, 3)
    first, again = cached.call("double", x), cached.call("double", x)
    assert (cached.misses, cached.hits) == (1, 1)
    assert torch.equal(again.value, live.call("double", x).value) and torch.equal(first.value, again.value)
    cached.call("double", x + 1)                 # other inputs: another question
    assert cached.misses == 2


def test_a_drawing_answer_depends_on_the_generators_and_leaves_them_as_the_live_one_would(tmp_path):
    live, cached = handles(tmp_path)
    x = torch.zeros(3)
    seed_everything(5)
    expected, expected_next = live.call("noisy", x).value, torch.rand(2)
    for _ in range(2):                           # a miss, then a hit: both exactly as the live reference
        seed_everything(5)
        got, got_next = cached.call("noisy", x).value, torch.rand(2)
        assert torch.equal(got, expected) and torch.equal(got_next, expected_next)
    assert (cached.misses, cached.hits) == (1, 1)
    seed_everything(6)                           # other generator state: not the kept answer
    assert not torch.equal(cached.call("noisy", x).value, expected)
    assert cached.misses == 2


def test_live_objects_are_always_asked_live(tmp_path):
    _, cached = handles(tmp_path)
    x = torch.ones(2)
    made = cached.call("make_box", x)            # a value the codec cannot carry: a Ref, not kept
    again = cached.call("make_box", x)
    assert isinstance(made, Ref) and isinstance(again, Ref) and made.id != again.id
    kept = cached.call("double", x, keep=True)
    assert cached.call("box", kept)              # a Ref argument: asked live
    cached.enter_check("t.other", "cpu", 1)
    cached.begin_check()                         # outside a bound check nothing is kept
    cached.call("double", x)
    assert cached.hits == 0 and cached.uncacheable == 3   # keep=True, a Ref argument, outside a check
