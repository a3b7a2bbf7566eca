"""Updates w outside torch.no_grad(): autograd refuses an in-place change of a leaf that requires grad.

Expect: do the update inside `with torch.no_grad():`
"""

LOSES = ("gradient_descent",)


def gradient_descent(x, y, learning_rate, epochs, w_init=0.0):
    w = torch.tensor(w_init, dtype=torch.float32, requires_grad=True)
    history = []
    for _ in range(epochs):
        l = loss(y, forward(x, w))
        l.backward()
        w -= learning_rate * w.grad
        w.grad.zero_()
        history.append((w.item(), l.item()))
    return w, history
