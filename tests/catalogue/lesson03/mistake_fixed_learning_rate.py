"""Hard-codes the course's learning rate 0.001 instead of using the learning_rate argument.

Expect: use the learning_rate argument
"""

LOSES = ("backprop_step",)
SAYS = ("use the learning_rate argument",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - y, 2)
    loss.backward()
    with torch.no_grad():
        w -= 0.001 * w.grad
    w.grad.zero_()
    return loss.item()
