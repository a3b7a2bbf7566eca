"""Updates through w.data (w.data -= learning_rate * w.grad), which autograd does not record."""


def backprop_step(x, y, w, learning_rate):
    loss = squared_error(forward(x, w), y)
    loss.backward()
    w.data -= learning_rate * w.grad.data
    w.grad.data.zero_()
    return loss.item()
