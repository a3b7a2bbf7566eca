"""Trained checkpoints a submission carries, evaluated by the judge.

Each file is loaded with `torch.load(weights_only=True)` (which refuses pickled code) into the
lesson's architecture, then measured: the fit on the lesson-4 data, or accuracy on the full
MNIST test set. The result is reported in the feedback; it does not change the score.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from grader import data
from grader.i18n import tr

LESSON_OF = {"linear_model.ckpt": "lesson04", "logistic_regression_model.ckpt": "lesson05",
             "NN_model.ckpt": "lesson06"}


class FeedForward(nn.Module):
    """The lesson-6 architecture (fc1 → ReLU → fc2), sized from the checkpoint."""

    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        hidden, inputs = state["fc1.weight"].shape
        self.fc1, self.relu = nn.Linear(inputs, hidden), nn.ReLU()
        self.fc2 = nn.Linear(hidden, state["fc2.weight"].shape[0])

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def _architecture(name: str, state: dict) -> nn.Module:
    if name == "NN_model.ckpt":
        return FeedForward(state)
    out_features, in_features = state["weight"].shape
    return nn.Linear(in_features, out_features)


def measure(path: Path, *, data_root: Path | None, lesson4_data=None) -> tuple[str, float | None]:
    """One line for the feedback (what the checkpoint scores, or why it could not be used) and, for an
    MNIST checkpoint that loaded, its test accuracy (for the leaderboard)."""
    name = path.name
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a pickle payload, a truncated file, a whole pickled model...
        return tr("{name}: could not be loaded safely ({error}). Save the state_dict only: "
                  "torch.save(model.state_dict(), path).", name=name, error=type(exc).__name__), None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return tr("{name}: is not a state_dict (a dict of tensors); save model.state_dict().", name=name), None
    try:
        model = _architecture(name, state)
        model.load_state_dict(state)
    except Exception as exc:
        return tr("{name}: does not fit the lesson's model ({error}).", name=name,
                  error=f"{type(exc).__name__}: {str(exc)[:120]}"), None
    model.eval()
    with torch.no_grad():
        if name == "linear_model.ckpt":
            if lesson4_data is None:
                return tr("{name}: loaded.", name=name), None
            x, y = (torch.as_tensor(a, dtype=torch.float32) for a in lesson4_data)
            mse = nn.functional.mse_loss(model(x), y).item()
            return tr("{name}: loaded; mean squared error on the lesson-4 data = {mse:.4f}.", name=name, mse=mse), None
        if data_root is None:
            return tr("{name}: loaded.", name=name), None
        images = data.load_mnist_images(data_root, "test").reshape(-1, 28 * 28)
        labels = data.load_mnist_labels(data_root, "test")
        accuracy = (model(images).argmax(dim=1) == labels).float().mean().item()
        return tr("{name}: loaded; accuracy on the 10,000 MNIST test images = {accuracy:.4f}.", name=name,
                  accuracy=accuracy), accuracy
