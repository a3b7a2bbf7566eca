"""Lesson 5 — Logistic regression on MNIST.

The whole supervised-learning loop on a real data set, with the smallest possible model: one
linear layer that maps the 28 * 28 = 784 pixels of an image to 10 scores, one per digit.
`nn.CrossEntropyLoss` applies the softmax itself, so the model returns raw scores (logits).

    train_loader, test_loader = make_loaders("datasets", batch_size=100)
    model = build_model(28 * 28, 10)
    losses = train(model, train_loader, num_epochs=5, learning_rate=0.001)
    print(f"accuracy on the 10000 test images: {evaluate(model, test_loader):.2%}")
    save_model(model, "model.ckpt")
"""

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as transforms

INPUT_SIZE = 28 * 28   # 784 pixels per image
NUM_CLASSES = 10       # the digits 0-9


def make_loaders(root: str, batch_size: int):
    """(train_loader, test_loader) over torchvision's MNIST stored under `root`.

    Both data sets turn each image into a float tensor of shape (1, 28, 28) in [0, 1] with
    `transforms.ToTensor()`. The training loader shuffles (a new order every epoch); the test
    loader keeps the data set's order.
    """
    # BEGIN TODO make_loaders: two MNIST data sets (train=True / train=False) with ToTensor, each in a DataLoader
    train_dataset = torchvision.datasets.MNIST(root=root, train=True, transform=transforms.ToTensor())
    test_dataset = torchvision.datasets.MNIST(root=root, train=False, transform=transforms.ToTensor())
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
    # END TODO


def build_model(input_size: int, num_classes: int) -> nn.Module:
    """Logistic regression: a single linear layer from `input_size` features to `num_classes` scores."""
    # BEGIN TODO build_model: one nn.Linear layer
    return nn.Linear(input_size, num_classes)
    # END TODO


def train(model: nn.Module, loader, num_epochs: int, learning_rate: float, device="cpu") -> list[float]:
    """Train `model` in place with cross-entropy and plain SGD; returns every step's loss.

    For each batch of each epoch: flatten the images to (batch, 784) and move them and the
    labels to `device` (the model is already there), compute the scores and the loss, then
    zero the old gradients, backpropagate and take an optimizer step. The returned list holds
    one Python float per step (`loss.item()`), in order.
    """
    # BEGIN TODO train: CrossEntropyLoss + torch.optim.SGD; per batch reshape(-1, 784), forward, zero_grad, backward, step
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        for images, labels in loader:
            images = images.reshape(-1, INPUT_SIZE).to(device)
            labels = labels.to(device)

            outputs = model(images)
            loss = criterion(outputs, labels)

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
    # END TODO


def evaluate(model: nn.Module, loader, device="cpu") -> float:
    """The fraction of images in `loader` whose highest score is the right digit, in [0, 1].

    No gradients are needed to measure accuracy, so the forward passes run under
    `torch.no_grad()`: no graph is built, which saves memory and time. Count the correct
    predictions over all batches and divide by the number of images (the last batch may be
    smaller than the others).
    """
    # BEGIN TODO evaluate: under torch.no_grad(), count argmax(outputs) == labels over all batches, divide by the total
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in loader:
            images = images.reshape(-1, INPUT_SIZE).to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return correct / total
    # END TODO


def save_model(model: nn.Module, path) -> None:
    """Save the model's parameters (its state_dict, not the whole object) to `path`."""
    # BEGIN TODO save_model: torch.save the model's state_dict
    torch.save(model.state_dict(), path)
    # END TODO
