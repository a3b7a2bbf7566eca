"""Updates w in place with tracking on: PyTorch refuses an in-place change of a leaf that requires grad.

Expect: do the update inside `with torch.no_grad():`
"""

LOSES = ("backprop_step",)
SAYS = ("torch.no_grad()",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - y, 2)
    loss.backward()
    w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.item()
