"""Plots the data with red '.' markers in 'tab:red' and the fitted line through its two end points only."""


def plot_fit(x, y, predicted):
    fig, ax = plt.subplots()
    ax.plot(x.ravel(), y.ravel(), linestyle="none", marker=".", color="tab:red", label="Original data")
    lo, hi = int(np.argmin(x)), int(np.argmax(x))
    ax.plot([x.ravel()[lo], x.ravel()[hi]], [predicted.ravel()[lo], predicted.ravel()[hi]], "g-",
            label="Fitted line")
    ax.legend(loc="upper left")
    return fig
