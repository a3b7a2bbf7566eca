"""Tutorial style: w made on the CPU, the loss as torch.mean of a square, tuple history, inference_mode in predict."""


def forward(x, w):
    return w * x


def loss(y, y_pred):
    return torch.mean(torch.square(y_pred - y))


def gradient_descent(x, y, learning_rate, epochs, w_init=0.0):
    w = torch.tensor(float(w_init), requires_grad=True)
    history = ()
    for epoch in range(epochs):
        l = loss(y, forward(x, w))
        l.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            w.grad.zero_()
        history += ((float(w), float(l)),)
    return (w, list(history))


def predict(w, x):
    with torch.inference_mode():
        return forward(x, w)
