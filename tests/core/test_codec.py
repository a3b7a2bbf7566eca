"""The pickle-free codec: what crosses between the judge and a submission, and what it refuses."""

import math

import numpy as np
import pytest
import torch

from grader import codec
from grader.codec import CodecError, Ref, TensorSnap


def round_trip(value, *, as_snapshots=False, make_ref=None):
    return codec.decode(codec.encode(value, make_ref), as_snapshots=as_snapshots)


@pytest.mark.parametrize("value", [None, True, 0, -7, 2**70, 1.5, "héllo", b"\x00\xff", [], (), {},
                                   [1, (2.0, "x")], {"a": [None, {"b": b"z"}]}])
def test_plain_values_round_trip_unchanged(value):
    back = round_trip(value)
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("special", [math.inf, -math.inf])
def test_infinities_survive(special):
    assert round_trip(special) == special


def test_nan_survives():
    assert math.isnan(round_trip(math.nan))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8,
                                   torch.int8, torch.int16, torch.int32, torch.int64, torch.bool,
                                   torch.complex64, torch.complex128])
def test_tensors_of_every_supported_dtype_round_trip(dtype):
    tensor = (torch.arange(12) % 3).reshape(3, 4).to(dtype)
    back = round_trip(tensor)
    assert back.dtype == dtype and back.shape == (3, 4) and torch.equal(back, tensor)


def test_autograd_state_reaches_the_judge_as_a_snapshot():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    y = w * 2
    snap_w, snap_y = round_trip([w, y], as_snapshots=True)
    assert isinstance(snap_w, TensorSnap) and snap_w.is_leaf and snap_w.requires_grad
    assert torch.equal(snap_w.grad.value, torch.tensor([3.0, 3.0]))
    assert not snap_y.is_leaf and snap_y.grad_fn == "MulBackward0"


def test_the_submission_side_gets_live_tensors_with_their_own_storage():
    param = torch.nn.Parameter(torch.ones(2))
    back = round_trip(param)
    assert isinstance(back, torch.nn.Parameter) and back.requires_grad
    back.data.add_(1)
    assert torch.equal(param.data, torch.ones(2))


def test_a_tensor_subclass_that_equals_anything_arrives_as_a_plain_tensor():
    class Liar(torch.Tensor):
        def __eq__(self, other):
            return True

    snap = round_trip(torch.zeros(3).as_subclass(Liar), as_snapshots=True)
    assert type(snap.value) is torch.Tensor and not torch.equal(snap.value, torch.ones(3))


def test_non_contiguous_and_empty_tensors():
    wide = torch.arange(6.0).reshape(2, 3).t()
    assert torch.equal(round_trip(wide), wide)
    assert round_trip(torch.empty(0, 5)).shape == (0, 5)


def test_numpy_arrays_and_scalars():
    array = np.arange(6, dtype=np.int16).reshape(2, 3)[:, ::2]
    back = round_trip(array)
    assert back.dtype == np.int16 and np.array_equal(back, array)
    assert round_trip(np.float32(2.5)) == 2.5 and type(round_trip(np.int64(3))) is int


def test_unknown_objects_need_a_ref_maker():
    with pytest.raises(CodecError, match="cannot send a Linear"):
        codec.encode(torch.nn.Linear(1, 1))
    made = []
    back = round_trip(torch.nn.Linear(1, 1), make_ref=lambda v: made.append(v) or Ref(len(made), "Linear"))
    assert back == Ref(1, "Linear")


def test_dict_with_non_string_keys_is_not_sent_as_a_dict():
    with pytest.raises(CodecError):
        codec.encode({1: "a"})


def test_deep_nesting_is_refused_both_ways():
    deep = []
    for _ in range(codec.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(CodecError):
        codec.encode(deep)
    tree = None
    for _ in range(codec.MAX_DEPTH + 5):
        tree = {"list": [tree]}
    with pytest.raises(CodecError):
        codec.decode(codec.Encoded(tree), as_snapshots=True)


@pytest.mark.parametrize("tree", [
    {"tensor": {"dtype": "float32", "shape": [1000], "buf": 0, "device": "cpu", "requires_grad": False,
                "is_leaf": True, "grad_fn": None}},                        # shape bigger than its bytes
    {"ndarray": {"dtype": "object", "shape": [1], "buf": 0}},             # dtypes that run code
    {"what": 1},                                                          # unknown kinds
    {"a": 1, "b": 2, "c": 3},                                             # not a node
    ["list", "without", "tag"],
])
def test_hostile_trees_are_refused(tree):
    with pytest.raises((CodecError, KeyError, TypeError, ValueError)):
        codec.decode(codec.Encoded(tree, [b"\x00" * 8]), as_snapshots=True)


def test_names_ref_finds_a_ref_wherever_a_container_holds_one():
    made = []

    def make_ref(obj):
        made.append(obj)
        return Ref(len(made), type(obj).__name__)

    model = torch.nn.Linear(2, 1)
    for value in (model, [1, model], (torch.zeros(2), {"m": model}), {"a": [{"b": (model,)}]}):
        assert codec.names_ref(codec.encode(value, make_ref).tree), value
    for value in (None, 3, "ref", torch.zeros(2, requires_grad=True), np.zeros(3), [torch.ones(1), {"ref": 1.0}],
                  {"dict": [1, 2]}):
        assert not codec.names_ref(codec.encode(value, make_ref).tree), value


@pytest.mark.parametrize("tree", [{"list": 5}, {"dict": [["k"], 3, None]}, {"tuple": None}, {"dict": "x"}, [1, 2]])
def test_names_ref_reads_a_malformed_tree_without_raising(tree):
    assert codec.names_ref(tree) is False


def test_is_data_names_tensor_and_array_nodes_only():
    assert codec.is_data(codec.encode(torch.zeros(2)).tree)
    assert codec.is_data(codec.encode(np.zeros(2)).tree)
    for value in ([torch.zeros(2)], {"tensor": 1}, "tensor", None, (np.zeros(1),)):
        assert not codec.is_data(codec.encode(value).tree), value
