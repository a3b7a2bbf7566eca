"""The course's own lines: pow(y_predict - y, 2), loss.backward() on it, w -= ... under no_grad, w.grad.zero_()."""


def squared_error(y_pred, y):
    return pow(y_pred - y, 2)


def backprop_step(x, y, w, learning_rate):
    y_predict = x * w
    loss = pow(y_predict - y, 2)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.item()
