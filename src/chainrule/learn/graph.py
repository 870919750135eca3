"""The computation graph of a network at the matrix level, forward and backward.

Nodes are the matrices of the derivation (``X = A[0]``, ``W[l]``, ``b[l]``, ``Z[l]``,
``A[l]``, ``Y`` and the cost ``J``), each with its shape. Forward edges carry the operation
that makes their target (eqs. F1 to F3, C1 to C3); backward edges carry the local rule of the
chain rule that passes the gradient back (eqs. B1 to B4): ``W[l]ᵀ ·``, ``⊙ g'(Z[l])``,
``Σ over examples``. Each edge's generic rule is the one ``docs/derivation.md`` states.
With values from one real step (:func:`chainrule.learn.trace.trace_step`), each node also
shows its norm and its gradient's, or the numbers themselves for a tiny network.

The graph renders as Graphviz DOT text, or as SVG drawn with matplotlib (text kept as text),
so no system Graphviz is needed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.core.equations import cost_equation
from chainrule.core.network import Network
from chainrule.learn.trace import Trace

TINY = 3  # matrices with no side longer than this show their numbers


@dataclass
class Node:
    name: str
    kind: str  # "data", "parameter", "value" or "cost"
    shape: tuple[Any, ...]
    x: float
    y: float
    note: str = ""

    def label(self) -> str:
        shape = "(" + ", ".join(map(str, self.shape)) + ")" if self.shape else "scalar"
        return "\n".join(filter(None, [self.name, shape, self.note]))


@dataclass
class Edge:
    source: str
    target: str
    label: str  # the rule for this layer, e.g. "W[2]ᵀ ·"
    rule: str  # the generic rule as the derivation writes it, e.g. "W[l]ᵀ ·"
    equation: str  # "F1", "B4", ...
    direction: str  # "forward" or "backward"


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": [
                {"name": n.name, "kind": n.kind, "shape": list(n.shape), "note": n.note}
                for n in self.nodes
            ],
            "edges": [vars(e) for e in self.edges],
        }

    def to_dot(self) -> str:
        """Graphviz DOT: forward edges solid, backward edges dashed and red."""
        lines = [
            "digraph chainrule {",
            "  rankdir=LR;",
            '  node [shape=box, fontname="Helvetica"];',
        ]
        for node in self.nodes:
            style = {
                "parameter": ", style=filled, fillcolor=lightyellow",
                "cost": ", shape=ellipse",
            }
            lines.append(
                f'  "{node.name}" [label="{_dot(node.label())}"{style.get(node.kind, "")}];'
            )
        for edge in self.edges:
            style = (
                "" if edge.direction == "forward" else ", style=dashed, color=red, fontcolor=red"
            )
            text = _dot(f"{edge.label} ({edge.equation})")
            lines.append(f'  "{edge.source}" -> "{edge.target}" [label="{text}"{style}];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_svg(self) -> str:
        """An SVG drawing (matplotlib); every label is a text element, not a path."""
        import matplotlib

        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            self.figure().savefig(buffer, format="svg", bbox_inches="tight")
        return buffer.getvalue()

    def figure(self) -> Any:
        """The drawing as a matplotlib figure (closed from pyplot's registry)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        width = max(node.x for node in self.nodes) + 1.5
        fig, ax = plt.subplots(figsize=(1.6 * width, 7.5))
        ax.set_xlim(-0.9, width)
        ax.set_ylim(-3.4, 3.6)
        ax.axis("off")
        where = {node.name: node for node in self.nodes}
        colours = {"parameter": "#fff6d5", "cost": "#e8f0ff", "data": "#eeeeee", "value": "white"}
        for edge in self.edges:
            a, b = where[edge.source], where[edge.target]
            backward = edge.direction == "backward"
            ax.annotate(
                "",
                xy=(b.x, b.y),
                xytext=(a.x, a.y),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "tab:red" if backward else "0.3",
                    "linestyle": "--" if backward else "-",
                    "shrinkA": 24,
                    "shrinkB": 24,
                    "connectionstyle": f"arc3,rad={0.45 if backward else 0.0}",
                },
            )
            bend = -0.55 if backward and a.y == b.y else 0.0
            ax.text(
                (a.x + b.x) / 2,
                (a.y + b.y) / 2 + bend,
                f"{edge.label} ({edge.equation})",
                fontsize=7,
                ha="center",
                va="center",
                color="tab:red" if backward else "0.15",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )
        for node in self.nodes:
            ax.text(
                node.x,
                node.y,
                node.label(),
                fontsize=8,
                ha="center",
                va="center",
                family="monospace",
                bbox={"boxstyle": "round,pad=0.35", "fc": colours[node.kind], "ec": "0.4"},
            )
        ax.set_title("forward (solid) and backward (dashed) computation graph", fontsize=10)
        plt.close(fig)
        return fig


def computation_graph(net: Network, step: Trace | None = None) -> Graph:
    """The graph of ``net`` for a batch of ``m`` examples; ``step`` adds one step's values."""
    n, L = net.layer_sizes, net.L
    m = "m" if step is None else step.X.shape[1]
    names = [g.name for g in net.g[1:]] + [net.output.name]
    graph = Graph()
    graph.nodes.append(Node("X = A[0]", "data", (n[0], m), 0, 0, _note(step, "X")))
    for l in range(1, L + 1):
        x = 3.0 * l
        graph.nodes += [
            Node(f"W[{l}]", "parameter", (n[l], n[l - 1]), x - 1.5, 2.2, _note(step, "W", l)),
            Node(f"b[{l}]", "parameter", (n[l], 1), x - 1.5, -2.2, _note(step, "b", l)),
            Node(f"Z[{l}]", "value", (n[l], m), x - 1.5, 0, _note(step, "Z", l)),
            Node(f"A[{l}]", "value", (n[l], m), x, 0, _note(step, "A", l)),
        ]
    end = 3.0 * L + 1.8
    graph.nodes += [
        Node("Y", "data", (n[L], m), end, 2.2, _note(step, "Y")),
        Node("J", "cost", (), end, 0, "" if step is None else f"J = {step.cost:.4g}"),
    ]
    A = lambda l: "X = A[0]" if l == 0 else f"A[{l}]"  # noqa: E731
    edges = graph.edges
    for l in range(1, L + 1):
        edges += [
            Edge(A(l - 1), f"Z[{l}]", f"W[{l}] ·", "W[l] ·", "F1", "forward"),
            Edge(f"W[{l}]", f"Z[{l}]", f"· A[{l - 1}]", "· A[l-1]", "F1", "forward"),
            Edge(f"b[{l}]", f"Z[{l}]", f"+ b[{l}]", "+ b[l]", "F1", "forward"),
            Edge(f"Z[{l}]", A(l), names[l - 1], "g[l]", "F3" if l == L else "F2", "forward"),
        ]
    cost = cost_equation(net.output.name).label
    edges += [
        Edge(A(L), "J", net.output.loss_name, "cost of A[L]", cost, "forward"),
        Edge("Y", "J", "targets", "cost of A[L]", cost, "forward"),
        Edge("J", f"Z[{L}]", f"(A[{L}] - Y) / m", "(A[L] - Y) / m", "B1", "backward"),
    ]
    for l in range(L, 0, -1):
        edges += [
            Edge(f"Z[{l}]", f"W[{l}]", f"· A[{l - 1}]ᵀ", "· A[l-1]ᵀ", "B2", "backward"),
            Edge(f"Z[{l}]", f"b[{l}]", "Σ over examples", "Σ over examples", "B3", "backward"),
        ]
        if l > 1:
            edges += [
                Edge(f"Z[{l}]", A(l - 1), f"W[{l}]ᵀ ·", "W[l]ᵀ ·", "B4", "backward"),
                Edge(A(l - 1), f"Z[{l - 1}]", f"⊙ g'(Z[{l - 1}])", "⊙ g'(Z[l])", "B4", "backward"),
            ]
    return graph


def _note(step: Trace | None, symbol: str, l: int | None = None) -> str:
    """One step's numbers (tiny matrices) or norms, with the gradient's where there is one."""
    if step is None:
        return ""
    if l is None:
        value = step.X if symbol == "X" else step.Y
        return _show(value)
    layer = step.layers[l - 1]
    value = getattr(layer, symbol)
    gradient = {"W": layer.dW, "b": layer.db, "Z": layer.dZ}.get(symbol)
    text = _show(value)
    if gradient is not None:
        text += "\nd: " + _show(gradient).replace("\n", "\n   ")
    return text


def _show(M: np.ndarray) -> str:
    if max(M.shape) <= TINY:
        return "\n".join(" ".join(f"{v + 0.0:.3g}" for v in row) for row in M)
    return f"‖·‖ = {np.linalg.norm(M):.3g}"


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
