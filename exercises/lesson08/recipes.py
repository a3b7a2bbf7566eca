# Lesson lesson08: fill in each TODO, then run `pytest exercises/lesson08`.
"""Lesson 8 — Toolbox: datasets, fine-tuning, saving.

Short recipes that every PyTorch project uses, after the basics tutorial of
pytorch-tutorial (01-basics/pytorch_basics):

- autograd on scalars, and one optimisation step of a fully connected layer;
- moving data between NumPy and PyTorch without copying;
- feeding data through a `DataLoader`, and writing your own `Dataset`;
- fine-tuning a ResNet-18: freeze what was learned, train a new head;
- saving and loading a model, either whole or as its parameters (`state_dict`).
"""

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

# --- Autograd -------------------------------------------------------------------------------


def linear_grads(x: float, w: float, b: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients of y = w * x + b with respect to x, w and b.

    Make three scalar tensors from the floats, each with `requires_grad=True`, build
    `y = w * x + b`, call `y.backward()` and return `(x.grad, w.grad, b.grad)`.
    For x=1, w=2, b=3 that is (2, 1, 1): dy/dx = w, dy/dw = x, dy/db = 1.
    """
    # TODO linear_grads: three scalar tensors that require grad, y = w * x + b, y.backward()
    raise NotImplementedError("TODO linear_grads")


def fc_step(layer: nn.Linear, x: torch.Tensor, y: torch.Tensor, learning_rate: float) -> dict:
    """One optimisation step of `layer` on (x, y) with the mean squared error and plain SGD.

    Start from clean gradients (the layer may still hold `.grad` from an earlier step), compute
    the loss `nn.MSELoss()(layer(x), y)`, back-propagate, keep copies of the gradients, take one
    `torch.optim.SGD(layer.parameters(), lr=learning_rate)` step, then compute the loss again.
    The layer is updated in place. Returns a dict:

    - "dL_dW": the gradient of the loss w.r.t. `layer.weight` (before the step), a tensor;
    - "dL_dB": the gradient w.r.t. `layer.bias` (before the step), a tensor;
    - "loss_before": the loss before the step, a Python float;
    - "loss_after": the loss after the step, recomputed with the updated layer, a float.
    """
    # TODO fc_step: MSELoss + SGD: zero_grad, loss, backward, copy the grads, step, loss again
    raise NotImplementedError("TODO fc_step")


# --- NumPy ----------------------------------------------------------------------------------


def numpy_roundtrip(a: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
    """A tensor made from `a`, and an array made back from that tensor, all sharing memory.

    `torch.from_numpy` and `Tensor.numpy()` do not copy: the tensor, the new array and `a`
    are three views of the same numbers, so changing one changes the others. (`torch.tensor(a)`
    would copy.) The tensor keeps `a`'s dtype.
    """
    # TODO numpy_roundtrip: torch.from_numpy, then .numpy(); neither copies
    raise NotImplementedError("TODO numpy_roundtrip")


# --- Input pipeline -------------------------------------------------------------------------


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool) -> DataLoader:
    """A `DataLoader` over `dataset` giving batches of `batch_size`, reshuffled every epoch when
    `shuffle` is true, in the dataset's order otherwise."""
    # TODO make_loader: torch.utils.data.DataLoader with this batch size and shuffle
    raise NotImplementedError("TODO make_loader")


def first_batch(loader: DataLoader):
    """The first `(inputs, labels)` batch the loader gives: `next(iter(loader))`.

    `iter(loader)` starts an epoch (and, for a shuffling loader, draws a new order); `next`
    takes its first batch.
    """
    # TODO first_batch: start an epoch with iter() and take one batch with next()
    raise NotImplementedError("TODO first_batch")


class CustomDataset(Dataset):
    """A dataset of images and labels held in memory, with an optional `transform`.

    A `Dataset` needs two methods: `__getitem__(index)` returns one sample, here the pair
    `(image, label)` with `transform` applied to the image (when there is one), and `__len__()`
    returns the number of samples. A `DataLoader` uses both to build batches.
    """

    def __init__(self, images, labels, transform=None):
        self.images = images
        self.labels = labels
        self.transform = transform

    def __getitem__(self, index):
        """The pair (image, label) at `index`, with the transform applied to the image."""
        # TODO CustomDataset.__getitem__: the image at index (transformed if there is a transform) and its label
        raise NotImplementedError("TODO CustomDataset.__getitem__")

    def __len__(self):
        """The number of samples."""
        # TODO CustomDataset.__len__: how many images there are
        raise NotImplementedError("TODO CustomDataset.__len__")


# --- Fine-tuning a pretrained model ---------------------------------------------------------


def freeze_and_replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """Prepare a torchvision ResNet-18 for fine-tuning on `num_classes` classes.

    First freeze every parameter (`requires_grad = False`), so training leaves what the network
    already learned alone; then replace its last layer `model.fc` by a new
    `nn.Linear(model.fc.in_features, num_classes)`, whose parameters are created trainable.
    Returns the model.
    """
    # TODO freeze_and_replace_head: requires_grad = False on every parameter, then a new model.fc
    raise NotImplementedError("TODO freeze_and_replace_head")


# --- Saving and loading ---------------------------------------------------------------------


def save_whole(model: nn.Module, path: str) -> None:
    """Save the entire model (its class and its parameters) to `path` with `torch.save`."""
    # TODO save_whole: torch.save the model itself
    raise NotImplementedError("TODO save_whole")


def load_whole(path: str) -> nn.Module:
    """Load a model saved whole by `save_whole`.

    A whole model is a pickled Python object; since PyTorch 2.6 `torch.load` refuses those
    unless asked with `weights_only=False`. Only do that with files you trust.
    """
    # TODO load_whole: torch.load with weights_only=False
    raise NotImplementedError("TODO load_whole")


def save_params(model: nn.Module, path: str) -> None:
    """Save only the model's parameters and buffers, its `state_dict()`, to `path`.

    This is the recommended way: the file holds plain tensors and loads safely with
    `weights_only=True`.
    """
    # TODO save_params: torch.save the model's state_dict()
    raise NotImplementedError("TODO save_params")


def load_params(model: nn.Module, path: str) -> nn.Module:
    """Load a `state_dict` saved by `save_params` into `model` and return `model`."""
    # TODO load_params: load_state_dict(torch.load(path)), then return the model
    raise NotImplementedError("TODO load_params")
