"""Keeps detached loss tensors in the list, and returns the accuracy as a 0-d tensor."""


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), learning_rate)
    losses = []
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(loader):
            outputs = model(images.reshape(-1, INPUT_SIZE).to(device))
            loss = criterion(outputs, labels.to(device))
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
    return losses


def evaluate(model, loader, device="cpu"):
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images.reshape(-1, INPUT_SIZE).to(device))
            correct += (outputs.argmax(dim=1) == labels.to(device)).sum()
            total += len(labels)
    return correct / total
