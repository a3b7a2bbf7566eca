"""Calls plt.show() like the tutorial script and returns nothing.

Expect: do not call plt.show() here
"""

LOSES = ("plot_fit",)


def plot_fit(x, y, predicted):
    plt.plot(x, y, "ro", label="Original data")
    plt.plot(x, predicted, label="Fitted line")
    plt.legend()
    plt.show()
