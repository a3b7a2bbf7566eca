# Lesson lesson06: fill in each TODO, then run `pytest exercises/lesson06`.
"""Lesson 6 — Feed-forward neural network.

Logistic regression (lesson 5) draws straight boundaries between the digits. Put a hidden layer
and a non-linearity between input and output and the model can bend them:

    784 pixels --fc1--> hidden units --ReLU--> --fc2--> 10 scores

This lesson also runs on a GPU when there is one: the model and every batch go to `device`.

    device = get_device()
    model = NeuralNet(28 * 28, 500, 10).to(device)
    losses = train(model, train_loader, num_epochs=5, learning_rate=0.001, device=device)
    print(f"test accuracy: {evaluate(model, test_loader, device):.2%}")
    save_model(model, "model.ckpt")

(`train_loader` and `test_loader` as in lesson 5: torchvision's MNIST with ToTensor.)
"""

import torch
import torch.nn as nn

INPUT_SIZE = 28 * 28   # 784 pixels per image
NUM_CLASSES = 10       # the digits 0-9


def get_device() -> torch.device:
    """The device to train on: `cuda` when PyTorch can use a GPU, otherwise `cpu`."""
    # TODO get_device: torch.device("cuda") if torch.cuda.is_available(), else torch.device("cpu")
    raise NotImplementedError("TODO get_device")


class NeuralNet(nn.Module):
    """A fully connected network with one hidden layer: fc1 -> ReLU -> fc2.

    The layers are attributes named `fc1` and `fc2`, so the state_dict's keys are fc1.weight,
    fc1.bias, fc2.weight and fc2.bias. `forward` takes flattened images (batch, input_size)
    and returns raw scores (batch, num_classes); the loss applies the softmax.
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int):
        super().__init__()
        # TODO NeuralNet.__init__: fc1 = Linear(input_size, hidden_size), a ReLU, fc2 = Linear(hidden_size, num_classes)
        raise NotImplementedError("TODO NeuralNet.__init__")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO NeuralNet.forward: fc1, then ReLU, then fc2
        raise NotImplementedError("TODO NeuralNet.forward")


def train(model: nn.Module, loader, num_epochs: int, learning_rate: float, device="cpu") -> list[float]:
    """Train `model` (already on `device`) with cross-entropy and SGD; returns every step's loss.

    As in lesson 5: `nn.CrossEntropyLoss()` and `torch.optim.SGD(model.parameters(),
    lr=learning_rate)` (plain SGD, no momentum). Flatten each batch of images to (batch, 784),
    move images AND labels to `device`, then forward, loss, zero_grad, backward, step. Returns
    one Python float per step, in order. The checks compare every loss and the final weights
    with this recipe's.
    """
    # TODO train: CrossEntropyLoss + torch.optim.SGD(lr=learning_rate); per batch reshape, .to(device), forward, zero_grad, backward, step
    raise NotImplementedError("TODO train")


def evaluate(model: nn.Module, loader, device="cpu") -> float:
    """The fraction of images in `loader` classified correctly, in [0, 1], computed without tracking."""
    # TODO evaluate: under torch.no_grad(), batches to device, count argmax == labels, divide by the total
    raise NotImplementedError("TODO evaluate")


def save_model(model: nn.Module, path) -> None:
    """Save the model's state_dict to `path`."""
    # TODO save_model: torch.save the model's state_dict
    raise NotImplementedError("TODO save_model")
