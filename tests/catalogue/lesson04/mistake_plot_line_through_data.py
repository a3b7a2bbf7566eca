"""Draws the 'fitted' line through the data y instead of the predictions.

Expect: no line through the predicted values
"""

LOSES = ("plot_fit",)


def plot_fit(x, y, predicted):
    fig, ax = plt.subplots()
    ax.plot(x, y, "ro", label="Original data")
    ax.plot(x, y, label="Fitted line")
    ax.legend()
    return fig
