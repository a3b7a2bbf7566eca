"""Computes f(a) with tracking on and detaches the result afterwards.

Expect: detaching the result afterwards is too late
"""

LOSES = ("without_grad",)


def without_grad(f, a):
    return f(a).detach()
