"""The crash diagnosis (grader/diagnosis.py): each row of the table explains the real PyTorch error
it is written for, a student's crash reaches the message with its cause and fix once per TODO,
in English and in Vietnamese."""

import traceback
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from catalogue import variant
from torch import nn
from torch.utils.data import DataLoader

from grader.checks import load_lesson
from grader.diagnosis import CAUSES, diagnose
from grader.handle import LocalHandle
from grader.i18n import using_language
from grader.runner import grade_lesson
from grader.session import describe_exception

PROJECT_SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def _leaf():
    return torch.tensor(1.0, requires_grad=True)


def backward_twice():
    w = _leaf()
    loss = w * 2
    loss.backward()
    loss.backward()


def inplace_leaf():
    w = _leaf()
    w -= 0.1


def grad_none():
    w = _leaf()
    (w * 2).backward()
    with torch.no_grad():
        w = w - 0.1 * w.grad
    w.grad.zero_()


def state_dict_path():
    nn.Linear(1, 1).load_state_dict("model.ckpt")


CRASHES = {   # row key -> real code that crashes that way (as a student would write it)
    "backward_twice": backward_twice,
    "backward_non_scalar": lambda: (torch.ones(3) * _leaf()).backward(),
    "inplace_leaf": inplace_leaf,
    "grad_none": grad_none,
    "loss_not_tracked": lambda: (torch.ones(3) * 2).sum().backward(),
    "numpy_requires_grad": lambda: _leaf().numpy(),
    "matmul_shapes": lambda: nn.Linear(3, 2)(torch.ones(4, 5)),
    "loss_batch_mismatch": lambda: F.cross_entropy(torch.ones(3, 10), torch.zeros(4, dtype=torch.long)),
    "elementwise_shapes": lambda: torch.ones(3) + torch.ones(4),
    "item_many_elements": lambda: torch.ones(3).item(),
    "labels_not_long": lambda: F.cross_entropy(torch.ones(3, 10), torch.zeros(3)),
    "double_vs_float": lambda: nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.float64)),
    "integer_input": lambda: nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.long)),
    "tensor_class_called": lambda: torch.Tensor(3.0),
    "from_numpy_not_array": lambda: torch.from_numpy(torch.tensor(2.0).numpy() * 3.0),
    "numpy_given_to_torch": lambda: nn.Linear(1, 1)(np.ones((3, 1), dtype=np.float32)),
    "reshape_invalid": lambda: torch.ones(3, 4).reshape(5, -1),
    "not_an_iterator": lambda: next(DataLoader([1, 2])),
    "state_dict_path": state_dict_path,
    "view_not_contiguous": lambda: torch.ones(3, 4).t().view(12),
    "tensor_truth_value": lambda: bool(torch.ones(3)),
}
CUDA_CRASHES = {
    "numpy_on_cuda": lambda: torch.ones(3, device="cuda").numpy(),
    "device_mismatch": lambda: nn.Linear(3, 2)(torch.ones(4, 3, device="cuda")),
}


def crash(code) -> tuple[str, str, str | None]:
    """(type, message, the crashing line of this file): what the session reports of a student's crash."""
    try:
        code()
    except Exception as exc:
        facts = describe_exception(exc, None)
        mine = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == __file__]
        return facts["type"], facts["message"], mine[-1].line
    raise AssertionError("did not crash")


def test_every_row_of_the_table_has_a_real_crash_here():
    assert {c.key for c in CAUSES} == set(CRASHES) | set(CUDA_CRASHES)


@pytest.mark.parametrize("key", list(CRASHES))
def test_the_real_crash_gets_its_row(key):
    diagnosis = diagnose(*crash(CRASHES[key]))
    assert diagnosis is not None and diagnosis.key == key


@pytest.mark.parametrize("key", list(CUDA_CRASHES))
def test_the_real_cuda_crash_gets_its_row(key):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    diagnosis = diagnose(*crash(CUDA_CRASHES[key]))
    assert diagnosis is not None and diagnosis.key == key


def test_grad_none_names_the_students_tensor_and_needs_the_call_site():
    error_type, message, line = crash(grad_none)
    assert diagnose(error_type, message, line).short == "w.grad is None"
    assert diagnose(error_type, message, "weights.grad.zero_()").short == "weights.grad is None"
    assert diagnose(error_type, message, "model.zero_()") is None      # a None elsewhere is not about .grad


def test_an_unknown_crash_gets_no_diagnosis():
    assert diagnose("ZeroDivisionError", "division by zero", "1 / 0") is None


def test_every_row_reads_in_vietnamese():
    for key, code in CRASHES.items():
        english = diagnose(*crash(code))
        with using_language("vi"):
            vietnamese = diagnose(*crash(code))
        assert vietnamese.cause != english.cause and vietnamese.fix != english.fix, key


REBINDS_THEN_ZEROES = variant("lesson03", "mistake_rebinds_then_zeroes")   # w.grad is None


@pytest.mark.parametrize("lang, cause, fix", [("en", "Likely cause: w.grad is None", "Fix: update the tensor"),
                                              ("vi", "Nguyên nhân có thể: w.grad là None", "Cách sửa:")])
def test_a_students_crash_is_explained_once_per_todo(tmp_path, lang, cause, fix):
    solution = PROJECT_SOLUTIONS / "lesson03" / "backprop.py"
    student = REBINDS_THEN_ZEROES.build(solution, tmp_path)
    with using_language(lang):
        result = grade_lesson(load_lesson("lesson03"), LocalHandle(student), LocalHandle(solution), devices=("cpu",),
                              todos=("backprop_step",))
    crashed = [c for c in result.checks if c.status == "failed"]
    assert len(crashed) >= 3
    first, *later = crashed
    assert cause in first.message and fix in first.message and "backprop.py:" in first.message
    for check in later:      # named again, the explanation not repeated
        assert "w.grad" in check.message and fix not in check.message and first.name in check.message
    assert result.todos()["backprop_step"].messages[0] == first.message
