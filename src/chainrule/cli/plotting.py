"""Figures (matplotlib): training curves, the decision boundary as it learns, the dynamics.

Every figure is written with the one atomic writer, in the format its file's suffix names
(PNG without one; any format matplotlib writes, others refused), or as an animated GIF
(Pillow, which matplotlib brings) for the boundary over training.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
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


def image_format(path: str | PathLike[str], option: str, animated: bool = False) -> str:
    """The format ``path``'s suffix asks for (none: PNG), if matplotlib writes it; else a
    :class:`DataError` naming the option. ``animated``: only an animated GIF will do."""
    suffix = Path(path).suffix.lower().removeprefix(".")
    if animated:
        if suffix not in ("", "gif"):
            raise DataError(f"{option} {path}: --frames writes an animated GIF; name it .gif")
        return "gif"
    if not suffix:
        return "png"
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    formats = FigureCanvasAgg.get_supported_filetypes()
    if suffix not in formats:
        raise DataError(
            f"{option} {path}: matplotlib cannot write .{suffix} files; use one of "
            + ", ".join(f".{name}" for name in formats)
        )
    return suffix


def _save(fig: Any, path: str | PathLike[str]) -> tuple[int, int]:
    fmt = image_format(path, "the plot")
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
    """The cost (and validation) curves, plus the decision boundary when given, in the
    format of ``path``'s suffix (:func:`image_format`).

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
        confidence = P.max(axis=1, keepdims=True)
        image = 1 - confidence * (1 - rgb)  # white where unsure, the class colour where sure
        extent = (xs[0], xs[-1], ys[0], ys[-1])
        ax.imshow(image.reshape(*grid_x.shape, 3), origin="lower", extent=extent, aspect="auto")
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


def boundary_gif(
    path: str | PathLike[str],
    boundary: Boundary,
    frames: Sequence[tuple[int, Probabilities]],
    seconds_per_frame: float = 0.4,
) -> tuple[int, int]:
    """An animated GIF of the decision boundary, one frame per ``(epoch, probabilities)``."""
    from PIL import Image

    plt = _pyplot()
    images = []
    for epoch, probabilities in frames:
        fig, ax = plt.subplots(figsize=(6.5, 4.8))
        frame = Boundary(boundary.X, boundary.y, boundary.classes, boundary.feature_names,
                         probabilities)  # fmt: skip
        _boundary(ax, frame, title=f"decision boundary after epoch {epoch}")
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


def plot_dynamics(path: str | PathLike[str], dynamics: list[dict[str, Any]]) -> tuple[int, int]:
    """Per layer over the epochs: ``||dW[l]||``, the update ratio and the dead fraction."""
    plt = _pyplot()
    epochs = [record["epoch"] for record in dynamics]
    layers = [entry["l"] for entry in dynamics[0]["layers"]]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    panels = (
        ("grad_norm", "‖dW[l]‖ (log)", True),
        ("update_ratio", "‖ΔW[l]‖ / ‖W[l]‖ per epoch (log)", True),
        ("dead_fraction", "dead or saturated units", False),
    )
    for ax, (key, title, log) in zip(axes, panels, strict=True):
        for l in layers:
            values = [record["layers"][l - 1][key] for record in dynamics]
            if all(v is None for v in values):
                continue
            ax.plot(
                epochs, [np.nan if v is None else v for v in values], marker=".", label=f"layer {l}"
            )
        if log:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right")
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    return _save(fig, path)
