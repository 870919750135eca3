"""Figures (matplotlib): training curves, the decision boundary as it learns, the dynamics.

Every figure is written with the one atomic writer, in the format its file's suffix names
(PNG without one; any format matplotlib writes, others refused), or as an animated GIF
(Pillow, which matplotlib brings) for the boundary over training.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import DataError
from chainrule.io.atomic import atomic_write
from chainrule.learn.figures import (
    Boundary,
    Probabilities,
    draw_boundary,
    dynamics_figure,
    frame_title,
    pyplot,
)

DPI = 100


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
    plt = pyplot()
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
    stopped: str | None = None,
    metric: str = "score",
    cost: str | None = None,
) -> tuple[int, int]:
    """The cost (and validation) curves, plus the decision boundary when given, in the
    format of ``path``'s suffix (:func:`image_format`).

    ``stopped`` says why training ended early (the title says it), ``metric`` names the
    validation score (accuracy, R²) and ``cost`` what the cost ``J`` is (its unit).
    Returns the image's (width, height) in pixels.
    """
    plt = pyplot()
    panels = 2 if boundary is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.8), squeeze=False)
    _curves(axes[0][0], history, stopped, metric, cost)
    if boundary is not None:
        draw_boundary(axes[0][1], boundary)
    fig.tight_layout()
    return _save(fig, path)


def _curves(
    ax: Any, history: dict[str, Any], stopped: str | None, metric: str, cost: str | None
) -> None:
    epochs = np.arange(1, len(history["cost"]) + 1)
    handles = ax.plot(epochs, history["cost"], label="training cost")
    if history.get("val_cost"):
        handles += ax.plot(epochs, history["val_cost"], label="validation cost")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"cost J\n({cost})" if cost else "cost J", fontsize=9)
    ax.set_yscale("log")
    if history.get("val_score"):
        score_axis = ax.twinx()
        handles += score_axis.plot(
            epochs, history["val_score"], color="tab:green", label=f"validation {metric}"
        )
        score_axis.set_ylabel(f"validation {metric}")
    ax.set_title("training curves" + (f" ({stopped})" if stopped else ""), fontsize=10)
    # one legend for both axes, outside the plotting area, so it never hides a curve
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)


def boundary_gif(
    path: str | PathLike[str],
    boundary: Boundary,
    frames: Sequence[tuple[int, Probabilities]],
    seconds_per_frame: float = 0.6,
) -> tuple[int, int]:
    """An animated GIF of the decision boundary, one frame per ``(epoch, probabilities)``
    (epoch 0: before training), each titled with its cost and accuracy on the points."""
    from PIL import Image

    plt = pyplot()
    images = []
    for epoch, probabilities in frames:
        fig, ax = plt.subplots(figsize=(6.5, 4.8))
        frame = Boundary(boundary.X, boundary.y, boundary.classes, boundary.feature_names,
                         probabilities)  # fmt: skip
        draw_boundary(ax, frame, title=frame_title(frame, epoch))
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


__all__ = ["Boundary", "Probabilities", "boundary_gif", "plot_dynamics", "plot_model"]
