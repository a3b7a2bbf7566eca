"""Makes a loss of several elements (broadcasts y against a batch of one) and calls backward() on it.

Expect: backward() was called on a tensor with more than one element
"""

LOSES = ("backprop_step",)
SAYS = ("a single number before backward()",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - torch.stack([y, y]), 2)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.sum().item()
