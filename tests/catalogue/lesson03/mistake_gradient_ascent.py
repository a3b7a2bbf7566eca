"""Adds the gradient instead of subtracting it: w climbs the loss.

Expect: gradient ascent
"""

LOSES = ("backprop_step",)
SAYS = ("gradient ascent",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - y, 2)
    loss.backward()
    with torch.no_grad():
        w += learning_rate * w.grad
    w.grad.zero_()
    return loss.item()
