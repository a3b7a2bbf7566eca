"""Makes the inputs with `torch.tensor(x, dtype=torch.float64)`: Double data for a Float model.

Expect: float64 (Double) data met float32 (Float) weights
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        inputs = torch.tensor(x_train, dtype=torch.float64)
        targets = torch.tensor(y_train, dtype=torch.float64)
        loss = criterion(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
