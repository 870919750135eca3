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

from chainrule.core.equations import cost_equation, equation
from chainrule.core.network import Network
from chainrule.errors import DataError, plural
from chainrule.io.atomic import atomic_write
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
    title: str = "computation graph"

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

    def write_png(self, path: Any) -> None:
        """Write the drawing as PNG to ``path`` (atomically)."""
        figure = self.figure()

        def write(handle: Any) -> None:
            figure.savefig(handle, format="png", dpi=120, bbox_inches="tight")

        atomic_write(path, write, DataError)

    def figure(self) -> Any:
        """The drawing as a matplotlib figure (closed from pyplot's registry).

        Forward edges are straight, their labels on the line (beside it for a vertical
        edge); backward edges bend (to the right of a vertical edge, below a horizontal one)
        and carry their label at the middle of the bend, so that no two labels share a
        place; a legend says what the line styles and the ``d:`` rows mean.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        xs = [node.x for node in self.nodes]
        ys = [node.y for node in self.nodes]
        width, height = max(xs) - min(xs) + 2.0, max(ys) - min(ys) + 2.4
        fig, ax = plt.subplots(figsize=(0.8 * width, 0.8 * height + 0.8))
        ax.set_xlim(min(xs) - 1.0, max(xs) + 1.0)
        ax.set_ylim(min(ys) - 1.2, max(ys) + 1.2)
        ax.axis("off")
        fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.1)
        where = {node.name: node for node in self.nodes}
        colours = {"parameter": "#fff6d5", "cost": "#e8f0ff", "data": "#eeeeee", "value": "white"}
        boxes = {}
        for node in self.nodes:
            boxes[node.name] = ax.text(
                node.x, node.y, node.label(), fontsize=8, ha="center", va="center",
                family="monospace", zorder=3,
                bbox={"boxstyle": "round,pad=0.35", "fc": colours[node.kind], "ec": "0.4"},
            )  # fmt: skip
        fig.canvas.draw()  # the node boxes sized, so that arrows stop at their edges
        to_pixels, to_data = ax.transData.transform, ax.transData.inverted().transform
        for edge in self.edges:
            a, b = where[edge.source], where[edge.target]
            backward = edge.direction == "backward"
            vertical = a.x == b.x
            # arc3 bends to the left of the way from a to b by rad times the chord: choose
            # the sign that bends right of a vertical edge and below a horizontal one
            rad = 0.0
            if backward:
                rad = 0.3
                if not vertical:  # deep enough that the label clears the nodes of the row
                    chord = abs(to_pixels((b.x, 0))[0] - to_pixels((a.x, 0))[0])
                    half = max(boxes[c].get_bbox_patch().get_window_extent().height
                               for c in (a.name, b.name)) / 2  # fmt: skip
                    rad = max(0.3, 2 * (half + 14) / chord)
                rad = rad if (b.y > a.y if vertical else b.x > a.x) else -rad
            ax.annotate(
                "", xy=(b.x, b.y), xytext=(a.x, a.y), zorder=1,
                arrowprops={
                    "arrowstyle": "-|>", "color": "tab:red" if backward else "0.3",
                    "linestyle": "--" if backward else "-", "shrinkA": 2, "shrinkB": 2,
                    "patchA": boxes[a.name].get_bbox_patch(),
                    "patchB": boxes[b.name].get_bbox_patch(),
                    "connectionstyle": f"arc3,rad={rad}",
                },
            )  # fmt: skip
            start, stop = to_pixels((a.x, a.y)), to_pixels((b.x, b.y))
            dx, dy = stop - start
            x, y = to_data((start + stop) / 2 + rad / 2 * np.array([dy, -dx]))
            side = {"ha": "center", "va": "center"}
            if vertical:
                side["ha"] = "left" if backward else "right"
                x += 0.08 if backward else -0.08
            ax.text(
                x, y, f"{edge.label} ({edge.equation})", fontsize=7, zorder=2, **side,
                color="tab:red" if backward else "0.15",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            )  # fmt: skip
        handles = [
            Line2D([], [], color="0.3", label="forward: the operation that makes the target"),
            Line2D([], [], color="tab:red", linestyle="--",
                   label="backward: the local rule that passes ∂J/∂(source) to the target"),
        ]  # fmt: skip
        if any("d: " in node.note for node in self.nodes):
            handles.append(
                Line2D([], [], linestyle="none",
                       label="d: rows: the node's gradient ∂J/∂(node) in the same step")
            )  # fmt: skip
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                   frameon=False)  # fmt: skip
        ax.set_title(self.title, fontsize=10)
        plt.close(fig)
        return fig


def text_boxes(figure: Any) -> list[tuple[str, Any]]:
    """``(text, window extent)`` of every visible non-empty text of ``figure``, the extent
    of its box where it has one: what the tests check for overlaps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = []
    for artist in figure.findobj(matplotlib_text()):
        if not artist.get_visible() or not artist.get_text().strip():
            continue
        patch = artist.get_bbox_patch()
        boxes.append((artist.get_text(), (patch or artist).get_window_extent(renderer)))
    return boxes


def matplotlib_text() -> type:
    """matplotlib's text class (imported when a figure is made, not with this module)."""
    from matplotlib.text import Text

    return Text


def _rule(label: str, part: int, l: int | None, L: int, source: str) -> str:
    """An edge's local rule: the right side of the table's formula (for layer ``l``, or
    generic if ``None``), the edge's source written ``·`` (``(B4) dA[l-1] = W[l]ᵀ dZ[l]``
    from ``dZ[l]`` gives ``W[l]ᵀ ·``)."""
    formula = equation(label).parts[part]
    if l is not None:
        formula = formula.at(l, L)
    right = formula.text.split(" = ", 1)[1]
    return right.replace(source, "·") if source else right


def computation_graph(net: Network, step: Trace | None = None) -> Graph:
    """The graph of ``net`` for a batch of ``m`` examples; ``step`` adds one step's values.

    Each edge's rule is the right side of its equation in
    :data:`chainrule.core.equations.EQUATIONS`, with the edge's source written ``·``.
    """
    n, L = net.layer_sizes, net.L
    m = "m" if step is None else step.X.shape[1]
    names = [g.name for g in net.g[1:]] + [net.output.name]
    title = f"computation graph of a {'-'.join(map(str, n))} network ({', '.join(names)})"
    if step is not None:
        title += f", one step on m = {plural(m, 'example')}"
    graph = Graph(title=title)
    graph.nodes.append(Node("X = A[0]", "data", (n[0], m), 0, 0, _note(step, "X")))
    for l in range(1, L + 1):
        graph.nodes += [
            Node(f"W[{l}]", "parameter", (n[l], n[l - 1]), 0, 0, _note(step, "W", l)),
            Node(f"b[{l}]", "parameter", (n[l], 1), 0, 0, _note(step, "b", l)),
            Node(f"Z[{l}]", "value", (n[l], m), 0, 0, _note(step, "Z", l)),
            Node(f"A[{l}]", "value", (n[l], m), 0, 0, _note(step, "A", l)),
        ]
    graph.nodes += [
        Node("Y", "data", (n[L], m), 0, 0, _note(step, "Y")),
        Node("J", "cost", (), 0, 0, "" if step is None else f"J = {step.cost:.4g}"),
    ]
    A = lambda l: "X = A[0]" if l == 0 else f"A[{l}]"  # noqa: E731
    edges = graph.edges

    def edge(source: str, target: str, label: str, part: int, l: int, symbol: str,
             direction: str, name: str = "") -> Edge:  # fmt: skip
        generic = symbol.replace(f"[{l - 1}]", "[l-1]").replace(f"[{l}]", "[l]")
        if label in ("F3", "B1"):
            generic = symbol.replace(f"[{L}]", "[L]")
        rule = _rule(label, part, l, L, symbol)
        if name:
            rule = rule.replace(f"g[{l}]", name).replace(f"g[{l - 1}]", name)
        return Edge(source, target, rule, _rule(label, part, None, L, generic), label, direction)

    for l in range(1, L + 1):
        edges += [
            edge(A(l - 1), f"Z[{l}]", "F1", 0, l, f"A[{l - 1}]", "forward"),
            edge(f"W[{l}]", f"Z[{l}]", "F1", 0, l, f"W[{l}]", "forward"),
            edge(f"b[{l}]", f"Z[{l}]", "F1", 0, l, f"b[{l}]", "forward"),
            edge(f"Z[{l}]", A(l), "F3" if l == L else "F2", 0, l, f"Z[{l}]", "forward",
                 names[l - 1]),
        ]  # fmt: skip
    cost = cost_equation(net.output.name).label
    edges += [
        Edge(A(L), "J", net.output.loss_name, "cost of A[L]", cost, "forward"),
        Edge("Y", "J", "targets", "cost of A[L]", cost, "forward"),
        edge("J", f"Z[{L}]", "B1", 0, L, "", "backward"),
    ]
    for l in range(L, 0, -1):
        edges += [
            edge(f"Z[{l}]", f"W[{l}]", "B2", 0, l, f"dZ[{l}]", "backward"),
            edge(f"Z[{l}]", f"b[{l}]", "B3", 0, l, f"dZ[{l}]", "backward"),
        ]
        if l > 1:
            edges += [
                edge(f"Z[{l}]", A(l - 1), "B4", 0, l, f"dZ[{l}]", "backward"),
                edge(A(l - 1), f"Z[{l - 1}]", "B4", 1, l, f"dA[{l - 1}]", "backward",
                     names[l - 2]),
            ]  # fmt: skip
    _place(graph, L)
    return graph


NODE_CHAR, LABEL_CHAR, LINE = 0.09, 0.075, 0.18  # sizes of text in the figure's data units


def _size(node: Node) -> tuple[float, float]:
    lines = node.label().split("\n")
    return max(map(len, lines)) * NODE_CHAR + 0.4, len(lines) * LINE + 0.35


def _place(graph: Graph, L: int) -> None:
    """Positions from the sizes of the texts: ``X, Z[1], A[1], ..., A[L], J`` in a row,
    each pair far enough apart for the widest label between them; ``W[l]`` above ``Z[l]``
    and ``b[l]`` below, ``Y`` above ``J``, the columns far enough apart for the labels
    beside their vertical edges and for the nodes' widths."""
    nodes = {node.name: node for node in graph.nodes}
    size = {name: _size(node) for name, node in nodes.items()}
    between: dict[frozenset, float] = {}
    left: dict[str, float] = {}  # the widest label left / right of a vertical edge into it
    right: dict[str, float] = {}
    for e in graph.edges:
        width = (len(e.label) + 5) * LABEL_CHAR + 0.3
        a, b = nodes[e.source], nodes[e.target]
        column = e.target if e.direction == "forward" else e.source
        if e.source in ("Y",) or e.target in ("Y",) or e.source[0] in "Wb" or e.target[0] in "Wb":
            side = left if e.direction == "forward" else right
            side[column] = max(side.get(column, 0.0), width)
            continue
        key = frozenset((a.name, b.name))
        between[key] = max(between.get(key, 0.0), width)
    row = ["X = A[0]"] + [f"{s}[{l}]" for l in range(1, L + 1) for s in "ZA"] + ["J"]
    above = {f"Z[{l}]": f"W[{l}]" for l in range(1, L + 1)} | {"J": "Y"}
    below = {f"Z[{l}]": f"b[{l}]" for l in range(1, L + 1)}
    x, columns = 0.0, [row[0]]
    for previous, name in zip(row, row[1:], strict=False):
        x += size[previous][0] / 2 + between.get(frozenset((previous, name)), 0.3)
        x += size[name][0] / 2
        if name in above and len(columns) > 1:
            last = columns[-1]
            need = [right.get(last, 0) + left.get(name, 0) + 0.4]
            for pair in (above, below):
                if name in pair and last in pair:
                    need.append((size[pair[last]][0] + size[pair[name]][0]) / 2 + 0.4)
            x = max(x, nodes[last].x + max(need))
        if name in above:
            columns.append(name)
        nodes[name].x = x
    height = max(size[name][1] for name in row)
    top = max(size[name][1] for name in above.values())
    bottom = max(size[name][1] for name in below.values())
    for name, over in above.items():
        nodes[over].x, nodes[over].y = nodes[name].x, (height + top) / 2 + 1.0
    for name, under in below.items():
        nodes[under].x, nodes[under].y = nodes[name].x, -(height + bottom) / 2 - 1.0


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
