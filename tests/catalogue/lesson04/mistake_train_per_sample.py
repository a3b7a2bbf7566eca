"""Steps once per sample (stochastic) instead of once per epoch on the full batch.

Expect: the MSE of the untrained model on all the data
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    inputs, targets = torch.from_numpy(x_train), torch.from_numpy(y_train)
    losses = []
    for epoch in range(num_epochs):
        total = 0.0
        for i in range(len(inputs)):
            loss = criterion(model(inputs[i:i + 1]), targets[i:i + 1])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(inputs))
    return losses
