"""Copies the tutorial literally: no zero_grad, so a second step adds the old gradients to the new ones.

Expect: gradients add up in .grad across backward() calls
"""

LOSES = ("fc_step",)


def fc_step(layer, x, y, learning_rate):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(layer.parameters(), lr=learning_rate)
    loss = criterion(layer(x), y)
    loss.backward()
    dL_dW, dL_dB = layer.weight.grad.clone(), layer.bias.grad.clone()
    optimizer.step()
    loss_after = criterion(layer(x), y)
    return {"dL_dW": dL_dW, "dL_dB": dL_dB, "loss_before": loss.item(), "loss_after": loss_after.item()}
