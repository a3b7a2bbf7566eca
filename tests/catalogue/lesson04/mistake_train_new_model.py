"""Builds a fresh model inside train, so the model it was given is never trained.

Expect: do not build a new model inside train
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    model = nn.Linear(x_train.shape[1], y_train.shape[1])
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        loss = criterion(model(torch.from_numpy(x_train)), torch.from_numpy(y_train))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
