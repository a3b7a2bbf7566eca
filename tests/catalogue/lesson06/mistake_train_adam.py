"""Trains with Adam instead of the course's plain SGD.

Expect: torch.optim.SGD with lr=learning_rate
"""

LOSES = ("train",)


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
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
