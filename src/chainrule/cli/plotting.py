"""PNG figures: training curves and, for two-feature data, the decision boundary (matplotlib)."""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from typing import Any

import numpy as np

from chainrule.errors import DataError
from chainrule.io.atomic import atomic_write

DPI = 100


def plot_model(
    path: str | PathLike[str],
    history: dict[str, list[float]],
    boundary: tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]] | None = None,
) -> tuple[int, int]:
    """Write the cost (and validation) curves, plus the decision boundary when given.

    ``boundary`` is ``(X, y, predict)`` with ``X`` ``(m, 2)`` rows and ``predict`` mapping rows
    to labels. Returns the image's (width, height) in pixels; the file is written atomically.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if boundary is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), dpi=DPI, squeeze=False)
    _curves(axes[0][0], history)
    if boundary is not None:
        _boundary(axes[0][1], *boundary)
    fig.tight_layout()
    try:
        atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=DPI), DataError)
    finally:
        plt.close(fig)
    return 6 * panels * DPI, int(4.5 * DPI)


def _curves(ax: Any, history: dict[str, list[float]]) -> None:
    epochs = np.arange(1, len(history["cost"]) + 1)
    ax.plot(epochs, history["cost"], label="training cost")
    if history.get("val_cost"):
        ax.plot(epochs, history["val_cost"], label="validation cost")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_yscale("log")
    if history.get("val_score"):
        score_axis = ax.twinx()
        score_axis.plot(epochs, history["val_score"], color="tab:green", label="validation score")
        score_axis.set_ylabel("validation score")
        score_axis.legend(loc="center right")
    ax.legend(loc="upper right")
    ax.set_title("training curves")


def _boundary(
    ax: Any, X: np.ndarray, y: np.ndarray, predict: Callable[[np.ndarray], np.ndarray]
) -> None:
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 200)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 200)
    grid_x, grid_y = np.meshgrid(xs, ys)
    labels = predict(np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    classes, codes = np.unique(np.concatenate([labels, y]), return_inverse=True)
    grid_codes, point_codes = codes[: labels.size], codes[labels.size :]
    ax.contourf(grid_x, grid_y, grid_codes.reshape(grid_x.shape), alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=point_codes, cmap="coolwarm", edgecolors="k", s=15)
    ax.set_title("decision boundary")
