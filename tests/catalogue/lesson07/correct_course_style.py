"""The course's lines: ((y_pred - y)**2).mean(), w -= learning_rate * w.grad under no_grad, w.grad.zero_(), w.item() / l.item()."""


def loss(y, y_pred):
    return ((y_pred - y)**2).mean()


def gradient_descent(x, y, learning_rate, epochs, w_init=0.0):
    w = torch.tensor(w_init, dtype=torch.float32, requires_grad=True)
    history = []
    for epoch in range(epochs):
        # predict with forward
        y_pred = forward(x, w)

        # calculate loss
        l = loss(y, y_pred)

        # calculate gradient with backward
        l.backward()

        # update weight
        with torch.no_grad():
            w -= learning_rate * w.grad

        # set empty gradient
        w.grad.zero_()

        history.append((w.item(), l.item()))
    return w, history


def predict(w, x):
    with torch.no_grad():
        pred = x * w
    return pred
