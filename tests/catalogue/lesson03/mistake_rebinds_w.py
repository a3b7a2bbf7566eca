"""Writes `w = w - lr * w.grad`: a new tensor, so the caller's w never changes.

Expect: `w = w - ...` only rebinds a local name
"""

LOSES = ("backprop_step",)


def backprop_step(x, y, w, learning_rate):
    loss = squared_error(forward(x, w), y).sum()
    loss.backward()
    with torch.no_grad():
        w = w - learning_rate * w.grad
    return loss.item()
