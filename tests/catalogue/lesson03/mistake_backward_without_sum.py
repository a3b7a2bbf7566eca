"""Calls backward() on the element-wise squared errors, forgetting to sum them first.

Expect: backward() was called on a tensor with more than one element
"""

LOSES = ("backprop_step",)


def backprop_step(x, y, w, learning_rate):
    loss = squared_error(forward(x, w), y)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.sum().item()
