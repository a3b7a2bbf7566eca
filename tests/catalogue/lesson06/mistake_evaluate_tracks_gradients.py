"""Evaluates without torch.no_grad(), detaching the outputs afterwards instead.

Expect: gradient tracking on
"""

LOSES = ("evaluate",)


def evaluate(model, loader, device="cpu"):
    correct = total = 0
    for images, labels in loader:
        images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
        outputs = model(images).detach()
        total += labels.size(0)
        correct += (outputs.argmax(dim=1) == labels).sum().item()
    return correct / total
