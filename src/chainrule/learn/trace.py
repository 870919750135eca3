"""One training step with real numbers: every matrix of forward, cost, backward and update.

:func:`trace_step` runs the seed's algorithm once on a small network and keeps every
intermediate matrix, each labelled with its equation in ``docs/derivation.md``: ``Z[l]`` and
``A[l]`` (F1 to F3), the cost (C1 to C3), ``dZ[l]``, ``dW[l]`` and ``db[l]`` (B1 to B4), each
``dW[l]`` beside its finite-difference estimate, and ``W[l]``, ``b[l]`` after the update
``W[l] - alpha dW[l]`` (U1). The numbers are the core's own: the trace calls the same
forward and backward passes that training does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.core.gradcheck import numerical_gradient
from chainrule.core.network import Network
from chainrule.core.validation import check_positive

COST_LABEL = {"sigmoid": "C1", "softmax": "C2", "identity": "C3"}


@dataclass
class LayerTrace:
    """Everything layer ``l`` computed in the step, in the seed's orientation."""

    l: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    Z: np.ndarray
    A: np.ndarray
    dZ: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    dW_numeric: np.ndarray
    W_next: np.ndarray
    b_next: np.ndarray


@dataclass
class Trace:
    """A traced step: the data, the cost and one :class:`LayerTrace` per layer."""

    X: np.ndarray
    Y: np.ndarray
    hidden_activation: Any
    output_activation: str
    cost_name: str
    learning_rate: float
    cost: float
    layers: list[LayerTrace]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every matrix a list of rows (``W[l]`` is ``n[l]`` rows)."""
        layers = [
            {
                key: (value.tolist() if isinstance(value, np.ndarray) else value)
                for key, value in vars(layer).items()
            }
            for layer in self.layers
        ]
        return {
            "X": self.X.tolist(),
            "Y": self.Y.tolist(),
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation,
            "cost_name": self.cost_name,
            "learning_rate": self.learning_rate,
            "cost": self.cost,
            "layers": layers,
        }

    def render(self, fmt: str = "text") -> str:
        """The step as plain text, or as Markdown tables (``fmt="markdown"``)."""
        return _Renderer(self, markdown=fmt == "markdown").render()


def trace_step(
    net: Network, X: Any, Y: Any, learning_rate: float = 0.1, dtype: str = "float64"
) -> Trace:
    """Trace one full-batch gradient-descent step of ``net`` on ``X`` ``(n[0], m)``, ``Y``.

    The network is copied (to ``dtype``), so ``net`` itself is not changed. ``dW_numeric``
    is the four-point finite-difference estimate of each ``dW[l]`` entry (``h = 1e-4``).
    """
    learning_rate = check_positive("learning_rate", learning_rate)
    net = net.copy(dtype=dtype)
    X, Y, _ = net.check_data(X, Y)
    cache = net.forward_pass(X)
    cost = net.batch_cost(cache, Y)
    grads = net.batch_gradient(cache, Y, np.empty_like(net.theta))
    dW, db = net.unflatten(grads)
    numeric = numerical_gradient(net.theta, lambda: net.batch_cost(net.forward_pass(X), Y), 1e-4)
    dW_numeric, _ = net.unflatten(numeric)
    names = [g.name for g in net.g[1:]] + [net.output.name]
    layers = [
        LayerTrace(
            l=l,
            activation=names[l - 1],
            W=net.W[l].copy(),
            b=net.b[l].copy(),
            Z=cache.Z[l].copy(),
            A=cache.A[l].copy(),
            dZ=cache.dA[l].copy(),  # the backward pass leaves dZ[l] in this buffer
            dW=dW[l].copy(),
            db=db[l].copy(),
            dW_numeric=dW_numeric[l].copy(),
            W_next=net.W[l] - learning_rate * dW[l],  # U1
            b_next=net.b[l] - learning_rate * db[l],
        )
        for l in range(1, net.L + 1)
    ]
    return Trace(
        X=X,
        Y=Y,
        hidden_activation=net.hidden_activation,
        output_activation=net.output.name,
        cost_name=net.output.loss_name,
        learning_rate=learning_rate,
        cost=cost,
        layers=layers,
    )


class _Renderer:
    """Text or Markdown for a :class:`Trace`, section by section."""

    def __init__(self, trace: Trace, markdown: bool) -> None:
        self.trace, self.markdown = trace, markdown
        self.lines: list[str] = []

    def render(self) -> str:
        t, L = self.trace, len(self.trace.layers)
        sizes = [t.X.shape[0]] + [layer.W.shape[0] for layer in t.layers]
        hidden = ", ".join(layer.activation for layer in t.layers[:-1]) or "none"
        self.heading(
            1,
            f"One training step of a {'-'.join(map(str, sizes))} network ({hidden} / "
            f"{t.output_activation}), m = {t.X.shape[1]} examples, α = {t.learning_rate:g}",
        )
        self.matrix("X = A[0]", t.X)
        self.matrix("Y", t.Y)
        self.heading(2, "Forward propagation")
        for layer in t.layers:
            l = layer.l
            self.matrix(f"(F1) Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]", layer.Z)
            label = "F3" if l == L else "F2"
            self.matrix(f"({label}) A[{l}] = {layer.activation}(Z[{l}])", layer.A)
        self.heading(2, "Cost")
        label = COST_LABEL[t.output_activation]
        self.text(f"({label}) J = {t.cost:.6g}  ({t.cost_name}, averaged over m)")
        self.heading(2, "Backpropagation")
        for layer in reversed(t.layers):
            l = layer.l
            if l == L:
                self.matrix(f"(B1) dZ[{l}] = (A[{l}] - Y) / m", layer.dZ)
            else:
                rule = f"(W[{l + 1}]ᵀ dZ[{l + 1}]) ⊙ {layer.activation}'(Z[{l}])"
                self.matrix(f"(B4) dZ[{l}] = {rule}", layer.dZ)
            self.side_by_side(
                f"(B2) dW[{l}] = dZ[{l}] A[{l - 1}]ᵀ, beside finite differences",
                layer.dW,
                layer.dW_numeric,
            )
            self.matrix(f"(B3) db[{l}] = Σᵢ dZ[{l}]", layer.db)
        self.heading(2, f"Update (U1), α = {t.learning_rate:g}")
        for layer in t.layers:
            l = layer.l
            self.matrix(f"W[{l}] before the step", layer.W)
            self.matrix(f"(U1) W[{l}] - α dW[{l}]", layer.W_next)
            self.matrix(f"b[{l}] before the step", layer.b)
            self.matrix(f"(U1) b[{l}] - α db[{l}]", layer.b_next)
        return "\n".join(self.lines).rstrip() + "\n"

    def heading(self, level: int, title: str) -> None:
        if self.markdown:
            self.lines += ["#" * (level + 1) + " " + title, ""]
        else:
            self.lines += [title, "=" * len(title) if level == 1 else "-" * len(title), ""]

    def text(self, line: str) -> None:
        self.lines += [line, ""]

    def matrix(self, title: str, M: np.ndarray) -> None:
        shape = f"({M.shape[0]}, {M.shape[1]})"
        if self.markdown:
            self.lines += [f"**{title}**, shape {shape}", ""]
            self.lines += _markdown_table([[_number(v) for v in row] for row in M])
            self.lines.append("")
            return
        self.lines.append(f"{title}   shape {shape}")
        self.lines += ["    " + "  ".join(f"{_number(v):>10}" for v in row) for row in M]
        self.lines.append("")

    def side_by_side(self, title: str, analytic: np.ndarray, numeric: np.ndarray) -> None:
        worst = float(np.abs(analytic - numeric).max())
        shape = f"({analytic.shape[0]}, {analytic.shape[1]})"
        if self.markdown:
            self.lines += [f"**{title}**, shape {shape}, largest difference {worst:.1e}", ""]
            cells = [
                [f"{_number(a)} / {_number(n)}" for a, n in zip(r, q, strict=True)]
                for r, q in zip(analytic, numeric, strict=True)
            ]
            self.lines += _markdown_table(cells)
            self.lines.append("")
            return
        self.lines.append(f"{title}   shape {shape}, largest difference {worst:.1e}")
        for row, estimate in zip(analytic, numeric, strict=True):
            left = "  ".join(f"{_number(v):>10}" for v in row)
            right = "  ".join(f"{_number(v):>10}" for v in estimate)
            self.lines.append(f"    {left}   |   {right}")
        self.lines.append("")


def _number(value: float) -> str:
    return f"{value + 0.0:.4g}"  # + 0.0 turns -0.0 into 0


def _markdown_table(rows: list[list[str]]) -> list[str]:
    header = "| " + " | ".join(str(j + 1) for j in range(len(rows[0]))) + " |"
    rule = "|" + "---|" * len(rows[0])
    return [header, rule, *("| " + " | ".join(row) + " |" for row in rows)]
