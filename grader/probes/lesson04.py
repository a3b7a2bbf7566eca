"""Probes for lesson 4 (linear regression): fixtures on the submission side and facts about
predictions and figures. They report what they see; the checks decide."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot: no window ever opens while grading

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.figure  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from grader.probes import probe  # noqa: E402


@probe
def new_linear(session, in_features: int, out_features: int) -> torch.nn.Linear:
    """A plain nn.Linear made on the submission side, independent of the student's build_model."""
    return torch.nn.Linear(in_features, out_features)


@probe
def save_state(session, state: dict, path: str) -> None:
    """Write a state_dict file the way the tutorial does, for load_model to read."""
    torch.save(state, path)


@probe
def predict_autograd_facts(session, model: torch.nn.Module, x) -> dict:
    """Call the student's predict(model, x) while watching every forward pass of `model`.

    For each forward call: whether grad mode was on and whether its output requires grad
    (that is, whether autograd recorded a graph). Also the result and the parameters'
    requires_grad afterwards.
    """
    calls = []
    original = model.forward

    def watched(*args, **kwargs):
        out = original(*args, **kwargs)
        calls.append({"grad_enabled": bool(torch.is_grad_enabled()),
                      "output_requires_grad": bool(isinstance(out, torch.Tensor) and out.requires_grad)})
        return out

    model.forward = watched
    try:
        result = session.lookup("predict")(model, x)
    finally:
        if model.__dict__.get("forward") is watched:
            del model.forward
    return {"calls": calls, "result": result,
            "parameters_require_grad": [bool(p.requires_grad) for p in model.parameters()]}


def _rgba(color) -> list[float] | None:
    try:
        return [float(c) for c in mcolors.to_rgba(color)]
    except (ValueError, TypeError):
        return None


def _array(values) -> np.ndarray | None:
    try:
        return np.asarray(values, dtype=np.float64).reshape(-1)
    except (ValueError, TypeError):
        return None


def _line_facts(line) -> dict:
    return {
        "x": _array(line.get_xdata()),
        "y": _array(line.get_ydata()),
        "marker": str(line.get_marker()),
        "linestyle": str(line.get_linestyle()),
        "color": _rgba(line.get_color()),
        "markerfacecolor": _rgba(line.get_markerfacecolor()),
        "label": str(line.get_label()),
        "visible": bool(line.get_visible()),
    }


def _collection_facts(collection) -> dict:
    try:
        collection.update_scalarmappable()  # colours given through c= and a colormap
    except Exception:  # noqa: BLE001 - facts only; a broken collection just reports no colours
        pass
    offsets = np.asarray(collection.get_offsets(), dtype=np.float64)
    faces = np.asarray(collection.get_facecolor(), dtype=np.float64)
    return {
        "type": type(collection).__name__,
        "offsets": offsets.reshape(-1, 2) if offsets.size else np.zeros((0, 2)),
        "facecolors": faces.reshape(-1, 4) if faces.size else np.zeros((0, 4)),
        "label": str(collection.get_label()),
        "visible": bool(collection.get_visible()),
    }


def _legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def figure_facts(fig) -> dict:
    if not isinstance(fig, matplotlib.figure.Figure):
        return {"is_figure": False, "type": type(fig).__name__}
    axes = []
    for ax in fig.get_axes():
        axes.append({
            "lines": [_line_facts(line) for line in ax.get_lines()],
            "collections": [_collection_facts(c) for c in ax.collections],
            "legend": _legend_texts(ax.get_legend()),
        })
    return {"is_figure": True, "type": type(fig).__name__, "axes": axes,
            "figure_legends": [_legend_texts(legend) for legend in fig.legends]}


@probe
def plot_fit_facts(session, x, y, predicted) -> dict:
    """Call the student's plot_fit on a clean pyplot state and describe the returned figure.

    Every figure is closed afterwards, so no figure leaks into the next call.
    """
    plt.close("all")
    try:
        fig = session.lookup("plot_fit")(x, y, predicted)
        facts = figure_facts(fig)
        facts["open_figures"] = len(plt.get_fignums())
        return facts
    finally:
        plt.close("all")
