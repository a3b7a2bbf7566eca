"""Labels the plots but never calls legend().

Expect: should have a legend
"""

LOSES = ("plot_fit",)


def plot_fit(x, y, predicted):
    fig, ax = plt.subplots()
    ax.plot(x, y, "ro", label="Original data")
    ax.plot(x, predicted, label="Fitted line")
    return fig
