"""Uses nn.MSELoss(reduction='sum'): the gradient is 15 times too large.

Expect: the MSE of the untrained model on all the data
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        loss = criterion(model(torch.from_numpy(x_train)), torch.from_numpy(y_train))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
