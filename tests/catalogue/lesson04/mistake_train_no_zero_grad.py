"""Never calls optimizer.zero_grad(), so every step uses the sum of all gradients so far.

Expect: call optimizer.zero_grad() every epoch
"""

LOSES = ("train",)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        outputs = model(torch.from_numpy(x_train))
        loss = criterion(outputs, torch.from_numpy(y_train))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
