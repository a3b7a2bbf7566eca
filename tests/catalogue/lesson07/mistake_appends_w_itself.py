"""Appends the tensor w itself: every history entry is the same object and shows the final w.

Expect: appending the tensor w itself records the same object
"""

LOSES = ("gradient_descent",)


def gradient_descent(x, y, learning_rate, epochs, w_init=0.0):
    w = torch.tensor(w_init, dtype=torch.float32, requires_grad=True)
    history = []
    for _ in range(epochs):
        l = loss(y, forward(x, w))
        l.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
        w.grad.zero_()
        history.append((w, l.item()))
    return w, history
