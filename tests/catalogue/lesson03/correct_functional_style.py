"""Uses torch.mul / torch.pow, mean-free sum via torch.sum, and sets w.grad to None."""


def forward(x, w):
    return torch.mul(x, w)


def squared_error(y_pred, y):
    return torch.pow(torch.sub(y_pred, y), 2)


def backprop_step(x, y, w, learning_rate):
    loss = torch.sum(squared_error(forward(x, w), y))
    loss.backward()
    with torch.no_grad():
        w.sub_(learning_rate * w.grad)
    w.grad = None
    return float(loss)
