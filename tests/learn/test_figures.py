"""The figures a learner reads: labelled axes, titles, zeros on log axes, frames with their
numbers, a confidence scale for several classes."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule.learn.figures import Boundary, draw_boundary, dynamics_figure, frame_title, pyplot  # noqa: E402


def record(epoch, grads, gains):
    layers = [
        {"l": l, "grad_norm": g, "update_ratio": 0.01, "dead_fraction": 0.0, "gain": a,
         "saturation": 0.1}
        for l, (g, a) in enumerate(zip(grads, gains, strict=True), start=1)
    ]  # fmt: skip
    layers[-1].update(dead_fraction=None, gain=None, saturation=None)
    return {"epoch": epoch, "layers": layers}


def test_the_dynamics_figure_labels_every_axis_and_draws_exact_zeros():
    dynamics = [record(e, [0.0, 1e-3, 1e-1], [0.2, 0.24, None]) for e in (2, 4, 6)]
    figure = dynamics_figure(dynamics, [2.3, 2.2, 1.0, 0.5, 0.4, 0.3], "learning dynamics: x")
    axes = figure.axes
    assert axes[0].get_title() == "training cost" and len(axes[0].lines[0].get_xdata()) == 6
    assert all(ax.get_ylabel() and ax.get_xlabel() == "epoch" for ax in axes)
    assert figure._suptitle.get_text() == "learning dynamics: x"
    gradients = axes[1]
    triangles = [line for line in gradients.lines if line.get_marker() == "v"]
    assert len(triangles) == 1 and len(triangles[0].get_xdata()) == 3  # layer 1: exactly 0
    assert any("exactly 0" in text.get_text() for text in gradients.texts)


def test_a_frame_is_titled_with_its_cost_and_accuracy():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array(["a", "b"])
    P = np.array([[0.9, 0.1], [0.4, 0.6]])
    boundary = Boundary(X, y, ["a", "b"], ["u", "v"], lambda rows: P)
    cost = -(np.log(0.9) + np.log(0.6)) / 2
    assert frame_title(boundary, 0) == f"before training: cost {cost:.3f}, accuracy 100.0%"
    assert frame_title(boundary, 7).startswith("after epoch 7:")


def test_three_classes_get_a_confidence_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = np.arange(30) % 3

    def probabilities(rows):
        logits = rows @ np.array([[1.0, -1.0, 0.0], [0.0, 1.0, -1.0]])
        E = np.exp(logits - logits.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    plt = pyplot()
    fig, ax = plt.subplots()
    draw_boundary(ax, Boundary(X, y, [0, 1, 2], ["u", "v"], probabilities))
    bars = [a for a in fig.axes if a is not ax]
    assert len(bars) == 1 and "confidence" in bars[0].get_ylabel()
    assert bars[0].get_ylim() == pytest.approx((1 / 3, 1))
    plt.close(fig)
