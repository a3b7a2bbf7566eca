"""Rebinds w (`w = w - lr * w.grad`) and then zeroes w.grad, which the new tensor does not have.

Expect: w.grad is None: backward() fills .grad only on a leaf tensor
"""

LOSES = ("backprop_step",)


def backprop_step(x, y, w, learning_rate):
    loss = squared_error(forward(x, w), y).sum()
    loss.backward()
    with torch.no_grad():
        w = w - learning_rate * w.grad
    w.grad.zero_()
    return loss.item()
