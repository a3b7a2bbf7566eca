"""Updates w through .data after taking the tensor's grad, but returns the loss tensor, not a float.

Expect: should be a Python number
"""

LOSES = ("backprop_step",)
SAYS = ("should be a Python number",)


def backprop_step(x, y, w, learning_rate):
    loss = squared_error(forward(x, w), y)
    loss.backward()
    w.data -= learning_rate * w.grad
    w.grad.zero_()
    return loss
