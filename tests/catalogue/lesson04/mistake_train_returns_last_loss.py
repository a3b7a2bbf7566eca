"""Returns only the final loss instead of the list of per-epoch losses.

Expect: should return the list of per-epoch losses
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for epoch in range(num_epochs):
        loss = criterion(model(torch.from_numpy(x_train)), torch.from_numpy(y_train))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()
