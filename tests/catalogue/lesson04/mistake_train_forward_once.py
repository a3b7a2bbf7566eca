"""Runs the model once before the loop and reuses its output, so the second backward() fails.

Expect: backward() ran a second time through the same graph
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    outputs = model(torch.from_numpy(x_train))
    losses = []
    for epoch in range(num_epochs):
        loss = criterion(outputs, torch.from_numpy(y_train))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
