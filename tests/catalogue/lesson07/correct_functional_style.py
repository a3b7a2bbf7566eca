"""torch.mul / F.mse_loss, w.sub_ under no_grad, w.grad = None, 0-d tensors in a list-of-lists history, detach in predict."""

import torch.nn.functional as F


def forward(x, w):
    return torch.mul(x, w)


def loss(y, y_pred):
    return F.mse_loss(y_pred, y)


def gradient_descent(x, y, learning_rate, epochs, w_init=0.0):
    w = torch.full((), w_init, dtype=torch.float32, requires_grad=True)
    history = []
    for epoch in range(epochs):
        y_pred = forward(x, w)
        l = loss(y, y_pred)
        l.backward()
        with torch.no_grad():
            w.sub_(learning_rate * w.grad)
        w.grad = None
        history.append([w.detach().clone(), l.detach()])
    return w, history


def predict(w, x):
    return forward(x, w.detach())
