"""Records w before the update of the epoch instead of after it.

Expect: record w after the update of the epoch, not before it
"""

LOSES = ("gradient_descent",)


def gradient_descent(x, y, learning_rate, epochs, w_init=0.0):
    w = torch.tensor(w_init, dtype=torch.float32, requires_grad=True)
    history = []
    for _ in range(epochs):
        l = loss(y, forward(x, w))
        history.append((w.item(), l.item()))
        l.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
        w.grad.zero_()
    return w, history
