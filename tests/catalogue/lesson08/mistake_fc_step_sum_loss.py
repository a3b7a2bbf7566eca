"""Sums the squared errors (reduction='sum') instead of averaging them like nn.MSELoss().

Expect: averages the squared errors (mean, not sum)
"""

LOSES = ("fc_step",)


def fc_step(layer, x, y, learning_rate):
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(layer.parameters(), lr=learning_rate)
    optimizer.zero_grad()
    loss = criterion(layer(x), y)
    loss.backward()
    dL_dW, dL_dB = layer.weight.grad.clone(), layer.bias.grad.clone()
    optimizer.step()
    loss_after = criterion(layer(x), y)
    return {"dL_dW": dL_dW, "dL_dB": dL_dB, "loss_before": loss.item(), "loss_after": loss_after.item()}
