"""Averages the per-batch accuracies, which over-weights a smaller last batch.

Expect: divide by the number of images (the last batch is smaller)
"""

LOSES = ("evaluate",)


def evaluate(model, loader, device="cpu"):
    accuracies = []
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
            predicted = model(images).argmax(dim=1)
            accuracies.append((predicted == labels).float().mean().item())
    return sum(accuracies) / len(accuracies)
