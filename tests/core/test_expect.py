"""Expectation messages: what was expected, what came back, and the hint, in plain words."""

import numpy as np
import pytest
import torch

from grader import expect
from grader.codec import Ref, TensorSnap
from grader.expect import Wrong


def snap(value, device="cpu", requires_grad=False):
    return TensorSnap(value, device, requires_grad, True, None)


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(Wrong) as caught:
        fn(*args, **kwargs)
    return caught.value.message


def test_wrong_values_name_what_expected_and_got():
    text = message(expect.close, snap(torch.tensor([2.0])), snap(torch.tensor([4.0])), "squared_error",
                   "square the difference")
    assert text == ("squared_error has the wrong values. Expected [4.], got [2.]. "
                    "Hint: square the difference")


@pytest.mark.parametrize("got, expected, phrase", [
    (snap(torch.zeros(2)), snap(torch.zeros(3)), "has the wrong shape. Expected (3,), got (2,)"),
    (snap(torch.zeros(2, dtype=torch.float64)), snap(torch.zeros(2)), "wrong dtype. Expected float32, got float64"),
    (snap(torch.zeros(2), device="cuda:0"), snap(torch.zeros(2)), "is on the wrong device"),
    (snap(torch.tensor([float("nan")])), snap(torch.tensor([1.0])), "contains NaN"),
    (torch.zeros(2).numpy(), snap(torch.zeros(2)), "should be a torch tensor"),
    (snap(torch.zeros(2)), np.zeros(2), "should be a NumPy array"),
    (snap(torch.tensor(1.0)), 1.0, "should be a Python number"),
    (float("nan"), 1.0, "is NaN"),
    (1.5, 1.0, "is not right. Expected 1.0, got 1.5"),
])
def test_close_says_which_property_is_off(got, expected, phrase):
    assert phrase in message(expect.close, got, expected, "x")


def test_close_accepts_within_tolerance_and_can_ignore_dtype():
    expect.close(snap(torch.tensor([1.0 + 1e-7])), snap(torch.tensor([1.0])), "x")
    expect.close(snap(torch.tensor([1.0], dtype=torch.float64)), snap(torch.tensor([1.0])), "x", check_dtype=False)
    expect.close(snap(torch.tensor([True])), snap(torch.tensor([True])), "x")


def test_describe_is_short_and_plain():
    assert expect.describe(snap(torch.zeros(2, 3))) == "a float32 tensor of shape (2, 3) on cpu"
    assert expect.describe(Ref(1, "Linear")) == "a Linear"
    assert expect.describe([1, 2]) == "a list of length 2"
    assert expect.describe(None) == "None"


def test_short_abbreviates_long_values():
    text = expect.short(torch.arange(1000.0))
    assert len(text) <= 60 and "..." in text


def test_other_expectations():
    assert "is not right. Expected 3, got 4" in message(expect.equal, 4, 3, "n")
    assert message(expect.true, False, "w should change", "subtract") == "w should change. Hint: subtract"
    assert "has the wrong type" in message(expect.is_instance, 1, (str, bytes), "name")
