"""Counts a batch's correct predictions with `(predicted == labels).item()`, without `.sum()`.

Expect: .item() (or float()) was called on a tensor with more than one element
"""

LOSES = ("evaluate",)


def evaluate(model, loader, device="cpu"):
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            images = images.reshape(-1, INPUT_SIZE).to(device)
            labels = labels.to(device)
            _, predicted = torch.max(model(images), 1)
            total += labels.size(0)
            correct += (predicted == labels).item()
    return correct / total
