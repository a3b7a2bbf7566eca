"""Uses matrix multiplication x @ y.T for "mul" instead of the element-wise product.

Expect: element by element (not x @ y)
"""

LOSES = ("elementwise",)


def elementwise(x, y):
    return {"add": x + y, "sub": x - y, "mul": x @ y.T if x.dim() == 2 else x @ y, "div": x / y}
