"""Applies softmax to the scores before nn.CrossEntropyLoss, which applies it again.

Expect: on the raw scores (no softmax first)
"""

LOSES = ("train",)


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        for images, labels in loader:
            images, labels = images.reshape(-1, 28 * 28).to(device), labels.to(device)
            loss = criterion(torch.softmax(model(images), dim=1), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
