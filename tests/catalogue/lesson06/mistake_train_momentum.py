"""Adds momentum to SGD, which the course's training does not use.

Expect: look at the update: torch.optim.SGD
"""

LOSES = ("train",)


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)
    losses = []
    for epoch in range(num_epochs):
        for images, labels in loader:
            images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
            loss = criterion(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
