"""Draws the data as blue dots ('bo') instead of red ones.

Expect: does not show the 15 data points as red dots
"""

LOSES = ("plot_fit",)


def plot_fit(x, y, predicted):
    fig, ax = plt.subplots()
    ax.plot(x, y, "bo", label="Original data")
    ax.plot(x, predicted, label="Fitted line")
    ax.legend()
    return fig
