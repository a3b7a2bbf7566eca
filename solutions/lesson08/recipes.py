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
    # BEGIN TODO linear_grads: three scalar tensors that require grad, y = w * x + b, y.backward()
    x = torch.tensor(x, requires_grad=True)
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    y = w * x + b
    y.backward()
    return x.grad, w.grad, b.grad
    # END TODO


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
    # BEGIN TODO fc_step: MSELoss + SGD: zero_grad, loss, backward, copy the grads, step, loss again
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(layer.parameters(), lr=learning_rate)
    optimizer.zero_grad()
    loss = criterion(layer(x), y)
    loss.backward()
    dL_dW, dL_dB = layer.weight.grad.clone(), layer.bias.grad.clone()
    optimizer.step()
    with torch.no_grad():
        loss_after = criterion(layer(x), y)
    return {"dL_dW": dL_dW, "dL_dB": dL_dB, "loss_before": loss.item(), "loss_after": loss_after.item()}
    # END TODO


# --- NumPy ----------------------------------------------------------------------------------


def numpy_roundtrip(a: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
    """A tensor made from `a`, and an array made back from that tensor, all sharing memory.

    `torch.from_numpy` and `Tensor.numpy()` do not copy: the tensor, the new array and `a`
    are three views of the same numbers, so changing one changes the others. (`torch.tensor(a)`
    would copy.) The tensor keeps `a`'s dtype.
    """
    # BEGIN TODO numpy_roundtrip: torch.from_numpy, then .numpy(); neither copies
    tensor = torch.from_numpy(a)
    return tensor, tensor.numpy()
    # END TODO


# --- Input pipeline -------------------------------------------------------------------------


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool) -> DataLoader:
    """A `DataLoader` over `dataset` giving batches of `batch_size`, reshuffled every epoch when
    `shuffle` is true, in the dataset's order otherwise."""
    # BEGIN TODO make_loader: torch.utils.data.DataLoader with this batch size and shuffle
    return DataLoader(dataset=dataset, batch_size=batch_size, shuffle=shuffle)
    # END TODO


def first_batch(loader: DataLoader):
    """The first `(inputs, labels)` batch the loader gives: `next(iter(loader))`.

    `iter(loader)` starts an epoch (and, for a shuffling loader, draws a new order); `next`
    takes its first batch.
    """
    # BEGIN TODO first_batch: start an epoch with iter() and take one batch with next()
    inputs, labels = next(iter(loader))
    return inputs, labels
    # END TODO


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
        # BEGIN TODO CustomDataset.__getitem__: the image at index (transformed if there is a transform) and its label
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]
        # END TODO

    def __len__(self):
        """The number of samples."""
        # BEGIN TODO CustomDataset.__len__: how many images there are
        return len(self.images)
        # END TODO


# --- Fine-tuning a pretrained model ---------------------------------------------------------


def freeze_and_replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """Prepare a torchvision ResNet-18 for fine-tuning on `num_classes` classes.

    First freeze every parameter (`requires_grad = False`), so training leaves what the network
    already learned alone; then replace its last layer `model.fc` by a new
    `nn.Linear(model.fc.in_features, num_classes)`, whose parameters are created trainable.
    Returns the model.
    """
    # BEGIN TODO freeze_and_replace_head: requires_grad = False on every parameter, then a new model.fc
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
    # END TODO


# --- Saving and loading ---------------------------------------------------------------------


def save_whole(model: nn.Module, path: str) -> None:
    """Save the entire model (its class and its parameters) to `path` with `torch.save`."""
    # BEGIN TODO save_whole: torch.save the model itself
    torch.save(model, path)
    # END TODO


def load_whole(path: str) -> nn.Module:
    """Load a model saved whole by `save_whole`.

    A whole model is a pickled Python object; since PyTorch 2.6 `torch.load` refuses those
    unless asked with `weights_only=False`. Only do that with files you trust.
    """
    # BEGIN TODO load_whole: torch.load with weights_only=False
    return torch.load(path, weights_only=False)
    # END TODO


def save_params(model: nn.Module, path: str) -> None:
    """Save only the model's parameters and buffers, its `state_dict()`, to `path`.

    This is the recommended way: the file holds plain tensors and loads safely with
    `weights_only=True`.
    """
    # BEGIN TODO save_params: torch.save the model's state_dict()
    torch.save(model.state_dict(), path)
    # END TODO


def load_params(model: nn.Module, path: str) -> nn.Module:
    """Load a `state_dict` saved by `save_params` into `model` and return `model`."""
    # BEGIN TODO load_params: load_state_dict(torch.load(path)), then return the model
    model.load_state_dict(torch.load(path))
    return model
    # END TODO
