"""Returns the accuracy as a percentage (like the course's print) instead of a fraction.

Expect: return correct / total, not a percentage
"""

LOSES = ("evaluate",)


def evaluate(model, loader, device="cpu"):
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
            _, predicted = torch.max(model(images).data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return 100 * correct / total
