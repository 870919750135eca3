"""Figures (matplotlib): training curves, the decision boundary as it learns, the dynamics.

Every figure is written with the one atomic writer, as PNG, or as an animated GIF (Pillow,
which matplotlib brings) for the boundary over training.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np

from chainrule.errors import DataError
from chainrule.io.atomic import atomic_write

DPI = 100
Probabilities = Callable[[np.ndarray], np.ndarray]  # rows (m, 2) -> class probabilities (m, k)


@dataclass
class Boundary:
    """Two-feature data and a model's class probabilities over the plane."""

    X: np.ndarray  # (m, 2) rows
    y: np.ndarray  # (m,) labels
    classes: Sequence[Any]
    feature_names: Sequence[str]
    probabilities: Probabilities


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | PathLike[str], fmt: str = "png") -> tuple[int, int]:
    plt = _pyplot()
    try:
        atomic_write(path, lambda handle: fig.savefig(handle, format=fmt, dpi=DPI), DataError)
        width, height = fig.get_size_inches() * DPI
    finally:
        plt.close(fig)
    return int(round(width)), int(round(height))


def plot_model(
    path: str | PathLike[str],
    history: dict[str, Any],
    boundary: Boundary | None = None,
    stop_reason: str | None = None,
) -> tuple[int, int]:
    """The cost (and validation) curves, plus the decision boundary when given, as PNG.

    Returns the image's (width, height) in pixels.
    """
    plt = _pyplot()
    panels = 2 if boundary is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.8), squeeze=False)
    _curves(axes[0][0], history, stop_reason)
    if boundary is not None:
        _boundary(axes[0][1], boundary)
    fig.tight_layout()
    return _save(fig, path)


def _curves(ax: Any, history: dict[str, Any], stop_reason: str | None) -> None:
    epochs = np.arange(1, len(history["cost"]) + 1)
    handles = ax.plot(epochs, history["cost"], label="training cost")
    if history.get("val_cost"):
        handles += ax.plot(epochs, history["val_cost"], label="validation cost")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_yscale("log")
    if history.get("val_score"):
        score_axis = ax.twinx()
        handles += score_axis.plot(
            epochs, history["val_score"], color="tab:green", label="validation score"
        )
        score_axis.set_ylabel("validation score")
    title = "training curves"
    if stop_reason == "early_stopping":
        title += " (stopped early: the validation score stalled)"
    elif stop_reason == "converged":
        title += " (stopped: the training cost stalled)"
    ax.set_title(title, fontsize=10)
    # one legend for both axes, outside the plotting area, so it never hides a curve
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)


def _boundary(ax: Any, boundary: Boundary, title: str = "decision boundary") -> None:
    plt = _pyplot()
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


def boundary_gif(
    path: str | PathLike[str],
    boundary: Boundary,
    frames: Sequence[tuple[int, Probabilities]],
    seconds_per_frame: float = 0.6,
) -> tuple[int, int]:
    """An animated GIF of the decision boundary, one frame per ``(epoch, probabilities)``
    (epoch 0: before training), each titled with its cost and accuracy on the points."""
    from PIL import Image

    plt = _pyplot()
    images = []
    for epoch, probabilities in frames:
        fig, ax = plt.subplots(figsize=(6.5, 4.8))
        frame = Boundary(boundary.X, boundary.y, boundary.classes, boundary.feature_names,
                         probabilities)  # fmt: skip
        _boundary(ax, frame, title=frame_title(frame, epoch))
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        plt.close(fig)
        images.append(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))

    def write(handle: Any) -> None:
        images[0].save(
            handle, format="GIF", save_all=True, append_images=images[1:],
            duration=int(seconds_per_frame * 1000), loop=0,
        )  # fmt: skip

    atomic_write(path, write, DataError)
    return images[0].size


def plot_dynamics(
    path: str | PathLike[str],
    dynamics: list[dict[str, Any]],
    cost: Sequence[float] = (),
    title: str = "learning dynamics",
) -> tuple[int, int]:
    """The learning dynamics as PNG: the training cost per epoch, and per layer over the
    recorded epochs ``||dW[l]||``, the update ratio, the gain ``mean g'(Z[l])`` and the
    saturated fraction. On the log axes an exact 0 (a dead layer's gradient) is drawn as a
    triangle on the bottom edge, not dropped."""
    figure = dynamics_figure(dynamics, cost, title)
    return _save(figure, path)


def dynamics_figure(
    dynamics: list[dict[str, Any]], cost: Sequence[float] = (), title: str = "learning dynamics"
) -> Any:
    """The figure of :func:`plot_dynamics` (closed from pyplot's registry)."""
    plt = _pyplot()
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
        ("gain", "gain of B4: mean g'(Z[l])", "mean g'(Z[l]) (log)", True),
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
        ax.set_ylim(*((0, 1) if key == "saturation" else ax.get_ylim()))
        ax.set_title(panel_title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("epoch")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", title="layer")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 0.94, 1))
    return fig
