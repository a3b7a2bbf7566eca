# Lesson lesson04: fill in each TODO, then run `pytest exercises/lesson04`.
"""Lesson 4 — Linear regression.

Fit a straight line to fifteen points with PyTorch's building blocks: an `nn.Linear` model,
the `nn.MSELoss` criterion and the `torch.optim.SGD` optimizer. The data are NumPy arrays,
as in the original tutorial; they become tensors with `torch.from_numpy`, and predictions
go back to NumPy for plotting with matplotlib. Finally the learned parameters are saved as a
`state_dict` and loaded into a fresh model.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


def training_data():
    """The course's toy data set: `(x_train, y_train)`, two float32 NumPy arrays of shape (15, 1).

    x = 3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167, 7.042, 10.791, 5.313, 7.997, 3.1
    y = 1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221, 2.827, 3.465, 1.65, 2.904, 1.3

    One sample per row, one feature per column: that is the shape `nn.Linear(1, 1)` expects.
    """
    # TODO training_data: two np.array(..., dtype=np.float32) of shape (15, 1)
    raise NotImplementedError("TODO training_data")


def build_model(input_size: int, output_size: int) -> nn.Linear:
    """A linear model y = x W^T + b mapping `input_size` features to `output_size` outputs."""
    # TODO build_model: one nn.Linear layer
    raise NotImplementedError("TODO build_model")


def train(model: nn.Module, x_train, y_train, num_epochs: int, learning_rate: float) -> list:
    """Full-batch training of `model` on NumPy arrays; returns the loss of each epoch.

    Use `nn.MSELoss()` as the criterion and `torch.optim.SGD(model.parameters(), lr=learning_rate)`.
    Each epoch: turn the arrays into tensors (`torch.from_numpy`), run the model on all of
    `x_train`, compute the loss against `y_train`, then `optimizer.zero_grad()`,
    `loss.backward()` and `optimizer.step()`. Append `loss.item()` (the loss computed before
    that epoch's step) to the list you return. The model is trained in place.
    """
    # TODO train: MSELoss + SGD; each epoch forward, loss, zero_grad, backward, step; collect loss.item()
    raise NotImplementedError("TODO train")


def predict(model: nn.Module, x) -> np.ndarray:
    """The model's predictions for the NumPy array `x`, as a NumPy array.

    What comes back holds numbers only, no autograd graph, and the model stays trainable. As
    in the course: `model(torch.from_numpy(x)).detach().numpy()` (`.numpy()` refuses a tensor
    that requires grad, `.detach()` cuts it from the graph). Running the model inside
    `torch.no_grad()` instead gives the same array without building a graph at all.
    """
    # TODO predict: run the model on torch.from_numpy(x), detach the output and return .numpy()
    raise NotImplementedError("TODO predict")


def plot_fit(x, y, predicted):
    """Plot the data as red dots and the fitted line through `predicted`; return the Figure.

    Label both ("Original data", "Fitted line") and add a legend. Return the figure (for
    example `fig` from `fig, ax = plt.subplots()`, or `plt.gcf()`) instead of calling
    `plt.show()`, so that the caller decides whether to show or save it.
    """
    # TODO plot_fit: red dots for the data, a line through the predictions, a legend; return the figure
    raise NotImplementedError("TODO plot_fit")


def save_model(model: nn.Module, path) -> None:
    """Save the model's parameters (its `state_dict`, not the whole model object) to `path`."""
    # TODO save_model: torch.save the state_dict
    raise NotImplementedError("TODO save_model")


def load_model(path, input_size: int, output_size: int) -> nn.Linear:
    """A fresh linear model with the parameters saved at `path`.

    Build the model, then `model.load_state_dict(torch.load(path, weights_only=True))`:
    `weights_only=True` only reads tensors and plain containers, never arbitrary pickled code.
    """
    # TODO load_model: build a model and load the saved state_dict into it
    raise NotImplementedError("TODO load_model")


if __name__ == "__main__":
    x_train, y_train = training_data()
    model = build_model(1, 1)
    losses = train(model, x_train, y_train, num_epochs=60, learning_rate=0.001)
    for epoch in range(4, 60, 5):
        print(f"Epoch [{epoch + 1}/60], Loss: {losses[epoch]:.4f}")
    plot_fit(x_train, y_train, predict(model, x_train))
    plt.show()
    save_model(model, "linear_model.ckpt")
