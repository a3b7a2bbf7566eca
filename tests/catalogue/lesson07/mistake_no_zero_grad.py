"""Never zeroes w.grad, so each epoch steps along the sum of all gradients so far.

Expect: is w.grad zeroed (or set to None) after it
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
        history.append((w.item(), l.item()))
    return w, history
