"""Recorded answers are found again by their request: keys are stable, and they change with
anything that can change an answer (the call, its arguments, the tensors' bytes) and nothing else."""

import torch

from grader import codec
from grader.classroom.recorded import MNIST_PLACEHOLDER, _normalize, context_of, request_key


def key_of(op: str, name: str, *args, **kwargs) -> str:
    payload = codec.encode({"args": list(args), "kwargs": kwargs})
    return request_key({"op": op, "name": name, "keep": False, "payload": payload.tree}, payload.buffers)


def test_the_same_request_has_the_same_key_whatever_the_order_of_its_keys():
    a = request_key({"op": "call", "name": "forward", "payload": {"b": 1, "a": 2}}, [b"x"])
    b = request_key({"payload": {"a": 2, "b": 1}, "name": "forward", "op": "call"}, [b"x"])
    assert a == b and len(a) == 32


def test_keys_change_with_the_call_its_arguments_and_the_tensor_bytes():
    base = key_of("call", "forward", torch.tensor([1.0, 2.0]), 0.5)
    assert base == key_of("call", "forward", torch.tensor([1.0, 2.0]), 0.5)
    assert base != key_of("call", "squared_error", torch.tensor([1.0, 2.0]), 0.5)
    assert base != key_of("call", "forward", torch.tensor([1.0, 2.5]), 0.5)
    assert base != key_of("call", "forward", torch.tensor([1.0, 2.0], dtype=torch.float64), 0.5)
    assert base != key_of("call", "forward", torch.tensor([1.0, 2.0]), 0.25)
    assert base != key_of("method", "forward", torch.tensor([1.0, 2.0]), 0.5)


def test_a_machine_specific_mnist_folder_is_keyed_by_a_placeholder(tmp_path):
    (tmp_path / "MNIST" / "raw").mkdir(parents=True)
    normalized = _normalize({"args": [str(tmp_path), "/not/a/data/root"]})
    assert normalized == {"args": [MNIST_PLACEHOLDER, "/not/a/data/root"]}
    here = request_key({"op": "call", "name": "loaders", "payload": [str(tmp_path)]}, [])
    elsewhere = tmp_path / "other"
    (elsewhere / "MNIST" / "raw").mkdir(parents=True)
    assert request_key({"op": "call", "name": "loaders", "payload": [str(elsewhere)]}, []) == here


def test_the_context_names_check_device_and_seed():
    assert context_of("lesson03.forward_values", "cpu", 7) == "lesson03.forward_values[cpu]@7"
    assert context_of("lesson03.forward_values", "cuda", 7) != context_of("lesson03.forward_values", "cpu", 7)
