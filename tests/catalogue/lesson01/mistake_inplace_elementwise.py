"""Computes with in-place operations (x.add_(y), ...), changing x, and uses floor division.

Expect: in-place operations such as x.add_(y) or x += y change the input
"""

LOSES = ("elementwise",)


def elementwise(x, y):
    return {"add": x.clone().add_(y), "sub": x.sub_(y), "mul": x * y, "div": x // y}
