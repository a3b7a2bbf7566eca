"""The course's lines: torch.tensor(v, requires_grad=True), the grads read from .weight.grad, param.requires_grad = False, resnet.load_state_dict(torch.load(path))."""


def linear_grads(x, w, b):
    x = torch.tensor(x, requires_grad=True)
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)

    y = w*x + b

    y.backward()
    return x.grad, w.grad, b.grad


def fc_step(layer, x, y, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(layer.parameters(), lr=learning_rate)
    optimizer.zero_grad()

    forward = layer(x)
    loss = criterion(forward, y)
    loss_before = loss.item()

    loss.backward()
    dL_dW = layer.weight.grad.clone()
    dL_dB = layer.bias.grad.clone()

    optimizer.step()

    pred = layer(x)
    loss = criterion(pred, y)
    return {"dL_dW": dL_dW, "dL_dB": dL_dB, "loss_before": loss_before, "loss_after": loss.item()}


def numpy_roundtrip(a):
    y = torch.from_numpy(a)
    z = y.numpy()
    return y, z


def make_loader(dataset, batch_size, shuffle):
    return torch.utils.data.DataLoader(dataset=dataset, batch_size=batch_size, shuffle=shuffle)


def first_batch(loader):
    data_iter = iter(loader)
    images, labels = next(data_iter)
    return images, labels


def freeze_and_replace_head(model, num_classes):
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


def load_params(model, path):
    model.load_state_dict(torch.load(path))
    return model
