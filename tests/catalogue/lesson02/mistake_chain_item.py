"""Returns z.mean().item(), a Python float with no graph, instead of the tensor.

Expect: .item() would cut it off from the graph
"""

LOSES = ("chain",)


def chain(x):
    y = x + 2
    z = y * 3 + 3
    return y, z.mean().item()
