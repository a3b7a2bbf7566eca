"""Hard-codes the course's lr=0.001 in the optimizer instead of using learning_rate.

Expect: lr=learning_rate
"""

LOSES = ("train",)


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
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
