"""Updates w in place without `torch.no_grad()`, so autograd refuses the in-place change of a leaf.

Expect: do the update inside `with torch.no_grad():`
"""

LOSES = ("backprop_step",)


def backprop_step(x, y, w, learning_rate):
    loss = squared_error(forward(x, w), y).sum()
    loss.backward()
    w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.item()
