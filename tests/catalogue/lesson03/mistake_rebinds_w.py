"""Writes `w = w - lr * w.grad`: a new tensor, so the caller's w never changes.

Expect: `w = w - ...` only rebinds a local name
"""

LOSES = ("backprop_step",)
SAYS = ("w did not change",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - y, 2)
    loss.backward()
    with torch.no_grad():
        w = w - learning_rate * w.grad
    return loss.item()
