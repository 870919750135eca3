"""Figures for learning (matplotlib): the decision boundary and the learning dynamics.

:func:`draw_boundary` shades a classifier's probabilities over two features,
:func:`boundary_figure` does it for a :class:`~chainrule.core.Network` and its data, and
:func:`dynamics_figure` draws what :class:`chainrule.learn.dynamics.Dynamics` recorded.
Each returns (or draws on) a matplotlib figure, so a notebook shows it and ``savefig``
writes it; ``chainrule plot`` writes the same figures to files. matplotlib is imported when
a figure is made, not with this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.core.network import Network

Probabilities = Callable[[np.ndarray], np.ndarray]  # rows (m, 2) -> class probabilities (m, k)


@dataclass
class Boundary:
    """Two-feature data and a model's class probabilities over the plane."""

    X: np.ndarray  # (m, 2) rows
    y: np.ndarray  # (m,) labels
    classes: Sequence[Any]
    feature_names: Sequence[str]
    probabilities: Probabilities


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_boundary(ax: Any, boundary: Boundary, title: str = "decision boundary") -> None:
    """Shade ``boundary``'s class probabilities over the plane of its two features on the
    axes ``ax``, with its points: two classes by ``P(second class)`` with the 0.5 contour
    and a probability scale, more classes by the winning class's colour, paler where the
    model is less sure, with a confidence scale."""
    plt = pyplot()
    X, y = boundary.X, boundary.y
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 150)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 150)
    grid_x, grid_y = np.meshgrid(xs, ys)
    P = boundary.probabilities(np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    classes = list(boundary.classes)
    colours = plt.get_cmap("tab10" if len(classes) > 2 else "coolwarm")
    if len(classes) == 2:
        shade = ax.contourf(
            grid_x, grid_y, P[:, 1].reshape(grid_x.shape), levels=np.linspace(0, 1, 11),
            cmap="coolwarm", alpha=0.55, vmin=0, vmax=1,
        )  # fmt: skip
        ax.contour(grid_x, grid_y, P[:, 1].reshape(grid_x.shape), levels=[0.5], colors="k")
        ax.figure.colorbar(shade, ax=ax, label=f"P({classes[1]})")
        point_colours = [colours(0.0), colours(1.0)]
    else:
        winner = P.argmax(axis=1)
        rgb = np.array([colours(k % 10)[:3] for k in winner])
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import LinearSegmentedColormap, Normalize

        chance = 1 / len(classes)
        confidence = (P.max(axis=1, keepdims=True) - chance) / (1 - chance)
        image = 1 - confidence * (1 - rgb)  # white where unsure, the class colour where sure
        extent = (xs[0], xs[-1], ys[0], ys[-1])
        ax.imshow(image.reshape(*grid_x.shape, 3), origin="lower", extent=extent, aspect="auto")
        scale = LinearSegmentedColormap.from_list("confidence", ["white", "0.3"])
        ax.figure.colorbar(
            ScalarMappable(Normalize(chance, 1), scale), ax=ax,
            label="confidence: the largest P (white: unsure)",
        )  # fmt: skip
        point_colours = [colours(k % 10) for k in range(len(classes))]
    for k, label in enumerate(classes):
        chosen = y == label
        ax.scatter(X[chosen, 0], X[chosen, 1], color=point_colours[k], edgecolors="k", s=16,
                   label=str(label))  # fmt: skip
    ax.set_xlabel(boundary.feature_names[0])
    ax.set_ylabel(boundary.feature_names[1])
    ax.legend(
        title="class", loc="upper left", bbox_to_anchor=(1.02 if len(classes) > 2 else 1.25, 1)
    )
    ax.set_title(title, fontsize=10)


def frame_title(boundary: Boundary, epoch: int) -> str:
    """``epoch 12: cost 0.412, accuracy 83.0%`` for the model ``boundary`` shows, measured on
    its points (the cost is the cross-entropy there, without any L2 term)."""
    P = boundary.probabilities(boundary.X)
    truth = np.searchsorted(np.asarray(boundary.classes), boundary.y)
    picked = P[np.arange(len(truth)), truth]
    cost = float(-np.log(np.clip(picked, 1e-300, None)).mean())
    accuracy = float((P.argmax(axis=1) == truth).mean())
    when = "before training" if epoch == 0 else f"after epoch {epoch}"
    return f"{when}: cost {cost:.3f}, accuracy {accuracy:.1%}"


def boundary_figure(
    net: Network,
    X_rows: Any,
    y: Any,
    feature_names: Sequence[str] = ("x1", "x2"),
    title: str = "decision boundary",
) -> Any:
    """The decision boundary of a classifier ``net`` of two inputs over the points
    ``X_rows`` ``(m, 2)`` (rows) with labels ``y`` ``(m,)``: class ``k`` is the ``k``-th
    of ``sorted(set(y))``, as the network's output units (a sigmoid output: classes 0, 1)."""
    X_rows = np.asarray(X_rows, dtype=float)
    y = np.asarray(y)

    def probabilities(rows: np.ndarray) -> np.ndarray:
        return net.output.probabilities(net.forward(rows.T)).T

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    boundary = Boundary(X_rows, y, sorted(set(y.tolist())), feature_names, probabilities)
    draw_boundary(ax, boundary, title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def dynamics_figure(
    dynamics: list[dict[str, Any]], cost: Sequence[float] = (), title: str = "learning dynamics"
) -> Any:
    """The learning dynamics recorded by :class:`chainrule.learn.dynamics.Dynamics`
    (``history.dynamics``) as a figure: the training cost per epoch (``cost``, e.g.
    ``history.cost``), and per layer over the recorded epochs ``||dW[l]||``, the update
    ratio, the gain ``mean g'(Z[l])`` and the saturated fraction. On the log axes an exact
    0 (a dead layer's gradient) is drawn as a triangle on the bottom edge, not dropped."""
    plt = pyplot()
    epochs = [record["epoch"] for record in dynamics]
    layers = [entry["l"] for entry in dynamics[0]["layers"]]
    fig, axes = plt.subplots(1, 5, figsize=(22, 4.8))
    costs = axes[0]
    costs.plot(np.arange(1, len(cost) + 1), cost, color="k")
    wide = len(cost) > 0 and min(cost) > 0 and max(cost) / min(cost) > 10
    costs.set_yscale("log" if wide else "linear")
    costs.set_title("training cost", fontsize=10)
    costs.set_ylabel("cost J" + (" (log)" if wide else ""))
    costs.set_xlabel("epoch")
    panels = (
        ("grad_norm", "gradient of each layer's weights", "‖dW[l]‖ (log)", True),
        ("update_ratio", "how far an epoch moves W[l]", "‖ΔW[l]‖ / ‖W[l]‖ per epoch (log)", True),
        ("gain", "gain of B4: mean g'(Z[l])", "mean g'(Z[l]), the factor on dA[l]", False),
        ("saturation", "saturated entries: g'(Z) < max g' / 10", "fraction of (unit, example)",
         False),
    )  # fmt: skip
    colours = plt.get_cmap("viridis")
    for ax, (key, panel_title, ylabel, log) in zip(axes[1:], panels, strict=True):
        zeros_drawn = False
        for l in layers:
            values = [record["layers"][l - 1].get(key) for record in dynamics]
            if all(v is None for v in values):
                continue
            colour = colours((l - 1) / max(len(layers) - 1, 1))
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            shown = np.where(y > 0, y, np.nan) if log else y
            ax.plot(epochs, shown, marker=".", color=colour, label=f"layer {l}")
            if log and (y == 0).any():
                zeros_drawn = True
                ax.plot(np.array(epochs)[y == 0], np.zeros((y == 0).sum()), "v", color=colour,
                        clip_on=False, transform=ax.get_xaxis_transform())  # fmt: skip
        if log:
            ax.set_yscale("log")
        if zeros_drawn:
            ax.text(0.01, 0.02, "▼ exactly 0", transform=ax.transAxes, fontsize=8, va="bottom")
        if key == "gain":
            ax.set_ylim(0, 1.05)
            ax.axhline(0.25, color="0.5", linestyle=":", linewidth=1)
            ax.text(0.99, 0.25, "0.25: a sigmoid's largest g'", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize=8, color="0.4")  # fmt: skip
        ax.set_ylim(*((0, 1) if key == "saturation" else ax.get_ylim()))
        ax.set_title(panel_title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("epoch")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", title="layer")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 0.94, 1))
    plt.close(fig)
    return fig
