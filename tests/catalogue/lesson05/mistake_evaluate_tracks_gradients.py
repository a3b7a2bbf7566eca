"""Evaluates without torch.no_grad(), building an autograd graph for every batch.

Expect: gradient tracking on
"""

LOSES = ("evaluate",)


def evaluate(model, loader, device="cpu"):
    correct = total = 0
    for images, labels in loader:
        images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
        predicted = model(images).argmax(dim=1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
    return correct / total
