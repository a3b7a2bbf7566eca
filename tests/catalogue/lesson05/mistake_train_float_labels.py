"""Turns the labels into floats (`labels.float()`), but CrossEntropyLoss wants class indices.

Expect: the loss expects class labels as integers (torch.long)
"""

LOSES = ("train",)


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        for images, labels in loader:
            images = images.reshape(-1, INPUT_SIZE).to(device)
            labels = labels.float().to(device)
            loss = criterion(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
