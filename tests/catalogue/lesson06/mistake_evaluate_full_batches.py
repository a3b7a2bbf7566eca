"""Counts len(loader) * batch_size images, as if the last batch were full.

Expect: divide by the number of images (the last batch is smaller)
"""

LOSES = ("evaluate",)


def evaluate(model, loader, device="cpu"):
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct / (len(loader) * loader.batch_size)
