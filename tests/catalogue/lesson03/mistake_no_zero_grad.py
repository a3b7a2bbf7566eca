"""Forgets to zero w.grad after the update, so gradients pile up from step to step.

Expect: then w.grad.zero_(), since gradients add up across backward() calls
"""

LOSES = ("backprop_step",)
SAYS = ("w.grad after the step",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - y, 2)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    return loss.item()
