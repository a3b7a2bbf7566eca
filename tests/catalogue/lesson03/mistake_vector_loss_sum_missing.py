"""Makes a loss of several elements (broadcasts y against a batch of one) and calls backward() on it."""

LOSES = ("backprop_step",)
SAYS = ("needs a loss that is one number",)


def backprop_step(x, y, w, learning_rate):
    loss = pow(x * w - torch.stack([y, y]), 2)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    w.grad.zero_()
    return loss.sum().item()
