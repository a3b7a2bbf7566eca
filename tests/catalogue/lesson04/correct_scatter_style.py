"""Reshaped data, keyword nn.Linear, backward/step/zero_grad order, tensor of losses, inference_mode, scatter + sorted line + fig.legend."""

from collections import OrderedDict


def training_data():
    x = [3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167, 7.042, 10.791, 5.313, 7.997, 3.1]
    y = [1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221, 2.827, 3.465, 1.65, 2.904, 1.3]
    return np.asarray(x, dtype="float32").reshape(-1, 1), np.asarray(y, dtype="float32").reshape(-1, 1)


def build_model(input_size, output_size):
    return torch.nn.Linear(in_features=input_size, out_features=output_size, bias=True)


def train(model, x_train, y_train, num_epochs, learning_rate):
    criterion = torch.nn.MSELoss(reduction="mean")
    optimizer = torch.optim.SGD(params=model.parameters(), lr=learning_rate)
    inputs, targets = torch.tensor(x_train), torch.tensor(y_train)
    losses = torch.zeros(num_epochs)
    for epoch in range(num_epochs):
        loss = criterion(targets, model(inputs))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
        losses[epoch] = loss.detach()
    return losses


def predict(model, x):
    model.eval()
    with torch.inference_mode():
        return model.forward(torch.tensor(x)).cpu().numpy()


def plot_fit(x, y, predicted):
    fig = plt.figure(figsize=(4, 3))
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(x, y, c="red", marker="o", label="data")
    order = np.argsort(x.ravel())
    ax.plot(x.ravel()[order], predicted.ravel()[order], color="tab:blue", linestyle="--", label="fit")
    fig.legend()
    return fig


def save_model(model, path):
    torch.save(OrderedDict((k, v.clone()) for k, v in model.state_dict().items()), str(path))


def load_model(path, input_size, output_size):
    model = torch.nn.Linear(input_size, output_size)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model
