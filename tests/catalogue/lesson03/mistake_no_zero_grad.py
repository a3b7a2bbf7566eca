"""Forgets to zero w.grad after the update, so gradients pile up from step to step.

Expect: call w.grad.zero_() after the update
"""

LOSES = ("backprop_step",)
SAYS = ("w.grad after the step",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - y, 2)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    return loss.item()
