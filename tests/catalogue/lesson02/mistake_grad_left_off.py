"""Switches tracking off with torch.set_grad_enabled(False) and never switches it back on.

Expect: torch.set_grad_enabled(False) alone stays off
"""

LOSES = ("without_grad",)


def without_grad(f, a):
    torch.set_grad_enabled(False)
    return f(a)
