"""One training step with real numbers: every matrix of forward, cost, backward and update.

:func:`trace_step` runs the seed's algorithm once on a small network and keeps every
intermediate matrix, in the order it is computed, each labelled with its equation from
:data:`chainrule.core.equations.EQUATIONS`: the parameters ``W[l]``, ``b[l]``; ``Z[l]`` and
``A[l]`` (F1 to F3); the cost (C1 to C3); on the way back ``dZ[L]`` (B1), each ``dW[l]``
and ``db[l]`` beside its finite-difference estimate (B2, B3), ``dA[l-1]`` and
``g'(Z[l-1])`` and then their product ``dZ[l-1]`` (B4); and ``W[l]``, ``b[l]`` after the
update (U1). The numbers are the core's own: the trace calls the same forward and backward
passes that training does; the finite differences are taken in float64 whatever the step's
dtype.

:meth:`Trace.weight` follows one weight through the chain rule as scalars,
``dJ/dW[l]_jk = Σᵢ dZ[l]_ji A[l-1]_ki``, one row per example, ending at the entry of
``dW[l] = dZ[l] A[l-1]ᵀ``. Indices count from 0, as in NumPy: row ``j`` is a unit of layer
``l``, column ``i`` an example, ``k`` a unit of layer ``l - 1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.core.equations import cost_equation, equation
from chainrule.core.gradcheck import numerical_gradient
from chainrule.core.network import Network
from chainrule.core.validation import check_positive
from chainrule.errors import ConfigurationError, plural

WIDTH = 100  # characters a text trace may use per line; wider matrices wrap
MAX_SIDE = 64  # a matrix with more rows or columns than this is refused in text (use --json)
CELL = 10
STEP = 1e-4  # the finite-difference step h


@dataclass
class LayerTrace:
    """Everything layer ``l`` computed in the step, in the seed's orientation.

    ``dA`` and ``g_prime`` (``g'(Z[l])``) are ``None`` for the output layer, whose ``dZ``
    comes fused from the cost (B1); ``dW_numeric`` and ``db_numeric`` are the
    finite-difference estimates of ``dW`` and ``db``.
    """

    l: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    Z: np.ndarray
    A: np.ndarray
    dA: np.ndarray | None
    g_prime: np.ndarray | None
    dZ: np.ndarray
    dW: np.ndarray
    dW_numeric: np.ndarray
    db: np.ndarray
    db_numeric: np.ndarray
    W_next: np.ndarray
    b_next: np.ndarray


@dataclass
class WeightTrace:
    """One weight's gradient as a sum of scalars: ``dJ/dW[l]_jk = Σᵢ dZ[l]_ji A[l-1]_ki``.

    ``dZ``, ``A_prev`` and ``products`` are ``(m,)``: one entry per example ``i``; for a
    hidden layer ``dA`` and ``g_prime`` give each ``dZ[l]_ji = dA[l]_ji g'(Z[l]_ji)`` (B4),
    for the output layer ``A_out`` and ``Y`` each ``dZ[L]_ji = (A[L]_ji - Y_ji) / m`` (B1).
    ``l2`` is R1's term ``(λ/m) W[l]_jk`` (0 without L2); ``total`` is the sum of the
    products plus it, and ``matrix_entry`` the entry of the backward pass's ``dW[l]``.
    """

    l: int
    j: int
    k: int
    dZ: np.ndarray
    A_prev: np.ndarray
    products: np.ndarray
    dA: np.ndarray | None
    g_prime: np.ndarray | None
    A_out: np.ndarray | None
    Y: np.ndarray | None
    l2: float
    total: float
    matrix_entry: float
    numeric: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: arrays as lists."""
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in vars(self).items()}

    def render(self) -> str:
        """The sum as a table, one row per example, ending at the matrix entry."""
        l, j, k, m = self.l, self.j, self.k, len(self.dZ)
        head = f"dJ/dW[{l}]_{j}{k} = Σᵢ dZ[{l}]_{j}i A[{l - 1}]_{k}i"
        lines = [f"{head}   (B2, entry [{j}, {k}] of dW[{l}] = dZ[{l}] A[{l - 1}]ᵀ)", ""]
        if self.dA is not None:
            first = [f"dA[{l}]_{j}i", f"g'(Z[{l}]_{j}i)", f"dZ[{l}]_{j}i"]
            cells = [self.dA, self.g_prime, self.dZ]
            why = f"dZ[{l}]_{j}i = dA[{l}]_{j}i g'(Z[{l}]_{j}i)   (B4)"
        else:
            first = [f"A[{l}]_{j}i", f"Y_{j}i", f"dZ[{l}]_{j}i"]
            cells = [self.A_out, self.Y, self.dZ]
            why = f"dZ[{l}]_{j}i = (A[{l}]_{j}i - Y_{j}i) / m, m = {m}   (B1)"
        columns = ["i", *first, f"A[{l - 1}]_{k}i", "product"]
        widths = [max(len(c), 4 if c == "i" else CELL) for c in columns]
        lines.append("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
        for i in range(m):
            values = [str(i), *(_number(c[i]) for c in cells)]
            values += [_number(self.A_prev[i]), _number(self.products[i])]
            lines.append("  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)))
        pad = sum(widths[:-1]) + 2 * (len(widths) - 1)
        if self.l2:
            lines.append(f"{f'+ (λ/m) W[{l}]_{j}{k}  (R1)'.rjust(pad)}  {_number(self.l2):>{CELL}}")
        lines.append(f"{'sum'.rjust(pad)}  {_number(self.total):>{CELL}}")
        lines += [
            "",
            f"where {why}.",
            f"The sum is entry [{j}, {k}] of the matrix product: dW[{l}][{j}, {k}] = "
            f"{_number(self.matrix_entry)}; finite differences: {_number(self.numeric)}.",
        ]
        return "\n".join(lines) + "\n"


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
    l2: float = 0.0

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
        """The step as plain text, or as Markdown tables (``fmt="markdown"``).

        Text stays within ``WIDTH`` characters: wide matrices wrap, a few columns at a
        time, and a matrix with a side longer than ``MAX_SIDE`` is refused with a
        :class:`~chainrule.errors.ConfigurationError` (``as_dict`` has every number).
        """
        return _Renderer(self, markdown=fmt == "markdown").render()

    def weight(self, name: str) -> WeightTrace:
        """Follow one weight, ``"W1[0,2]"`` (``W[1]``, row 0, column 2), through B2 as scalars."""
        l, j, k = parse_weight(name, [layer.W.shape for layer in self.layers])
        layer = self.layers[l - 1]
        A_prev = self.X if l == 1 else self.layers[l - 2].A
        dZ, a = layer.dZ[j], A_prev[k]
        products = dZ * a
        l2 = (self.l2 / self.X.shape[1]) * float(layer.W[j, k]) if self.l2 else 0.0
        last = layer.dA is None
        return WeightTrace(
            l, j, k, dZ.copy(), a.copy(), products,
            None if last else layer.dA[j].copy(), None if last else layer.g_prime[j].copy(),
            layer.A[j].copy() if last else None, self.Y[j].copy() if last else None,
            l2, float(products.sum() + l2), float(layer.dW[j, k]), float(layer.dW_numeric[j, k]),
        )  # fmt: skip


def parse_weight(name: str, shapes: list[tuple[int, int]]) -> tuple[int, int, int]:
    """``(l, j, k)`` from ``"W1[0,2]"`` or ``"W[1][0,2]"``, checked against ``W[l]``'s shape."""
    match = re.fullmatch(r"W\[?(\d+)\]?\[(\d+),\s*(\d+)\]", name.strip())
    if match is None:
        raise ConfigurationError(f"--weight must look like W1[0,2] (W[l][j,k]), not {name!r}")
    l, j, k = map(int, match.groups())
    if not 1 <= l <= len(shapes):
        raise ConfigurationError(f"{name}: the network has W[1] to W[{len(shapes)}]")
    rows, cols = shapes[l - 1]
    if j >= rows or k >= cols:
        raise ConfigurationError(
            f"{name}: W[{l}] has shape ({rows}, {cols}); rows 0..{rows - 1}, columns 0..{cols - 1}"
        )
    return l, j, k


def trace_step(
    net: Network, X: Any, Y: Any, learning_rate: float = 0.1, dtype: str = "float64"
) -> Trace:
    """Trace one full-batch gradient-descent step of ``net`` on ``X`` ``(n[0], m)``, ``Y``.

    The network is copied (to ``dtype``), so ``net`` itself is not changed. ``dW_numeric``
    and ``db_numeric`` are four-point finite-difference estimates (``h = 1e-4``) of the
    float64 cost, whatever ``dtype``. Dropout, if the network has it, is not applied: the
    trace is of the deterministic cost.
    """
    learning_rate = check_positive("learning_rate", learning_rate)
    net = net.copy(dtype=dtype)
    X, Y, _ = net.check_data(X, Y)
    cache = net.forward_pass(X)
    cost = net.batch_cost(cache, Y)
    cache.dA_kept = [None] * (net.L + 1)
    grads = net.batch_gradient(cache, Y, np.empty_like(net.theta))
    dW, db = net.unflatten(grads)
    exact = net.copy(dtype="float64")
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    numeric = numerical_gradient(
        exact.theta, lambda: exact.batch_cost(exact.forward_pass(X64), Y64), STEP
    )
    dW_numeric, db_numeric = exact.unflatten(numeric)
    names = [g.name for g in net.g[1:]] + [net.output.name]
    layers = [
        LayerTrace(
            l=l,
            activation=names[l - 1],
            W=net.W[l].copy(),
            b=net.b[l].copy(),
            Z=cache.Z[l].copy(),
            A=cache.A[l].copy(),
            dA=None if l == net.L else cache.dA_kept[l],
            g_prime=None if l == net.L else cache.G[l].copy(),
            dZ=cache.dA[l].copy(),  # the backward pass leaves dZ[l] in this buffer
            dW=dW[l].copy(),
            dW_numeric=dW_numeric[l].copy(),
            db=db[l].copy(),
            db_numeric=db_numeric[l].copy(),
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
        l2=net.l2,
    )


def _title(label: str, part: int, l: int, L: int, **names: str) -> str:
    """``(B2) dW[2] = dZ[2] A[1]ᵀ``: the table's formula for layer ``l``, names filled in."""
    text = equation(label).parts[part].at(l, L).text
    for symbol, name in names.items():
        text = text.replace(symbol, name)
    return f"({label}) {text}"


class _Renderer:
    """Text or Markdown for a :class:`Trace`, section by section, in computing order."""

    def __init__(self, trace: Trace, markdown: bool) -> None:
        self.trace, self.markdown = trace, markdown
        self.lines: list[str] = []

    def render(self) -> str:
        t, L = self.trace, len(self.trace.layers)
        m = t.X.shape[1]
        sizes = [t.X.shape[0]] + [layer.W.shape[0] for layer in t.layers]
        hidden = ", ".join(layer.activation for layer in t.layers[:-1]) or "none"
        self.heading(
            1,
            f"One training step of a {'-'.join(map(str, sizes))} network ({hidden} / "
            f"{t.output_activation}), m = {plural(m, 'example')}, α = {t.learning_rate:g}",
        )
        self.text(
            "Examples are columns (i = 0.." + f"{m - 1}); rows are units. Indices count from 0."
        )
        self.matrix("X = A[0]", t.X, "i")
        self.matrix("Y", t.Y, "i")
        self.heading(2, "Parameters")
        for layer in t.layers:
            self.matrix(f"W[{layer.l}]", layer.W, "k")
            self.matrix(f"b[{layer.l}]", layer.b, "")
        self.heading(2, "Forward propagation")
        for layer in t.layers:
            l = layer.l
            self.matrix(_title("F1", 0, l, L), layer.Z, "i")
            label = "F3" if l == L else "F2"
            self.matrix(_title(label, 0, l, L, **{f"g[{l}]": layer.activation}), layer.A, "i")
        self.heading(2, "Cost")
        C = cost_equation(t.output_activation)
        self.text(f"({C.label}) J = {t.cost:.6g}  ({t.cost_name}, averaged over m = {m})")
        self.heading(2, "Backpropagation")
        self.matrix(_title("B1", 0, L, L), t.layers[-1].dZ, "i")
        for layer in reversed(t.layers):
            l = layer.l
            self.side_by_side(_title("B2", 0, l, L), layer.dW, layer.dW_numeric, "k")
            self.side_by_side(_title("B3", 0, l, L), layer.db, layer.db_numeric, "")
            if l > 1:
                below = t.layers[l - 2]
                self.matrix(_title("B4", 0, l, L), below.dA, "i")
                self.matrix(f"{below.activation}'(Z[{l - 1}])", below.g_prime, "i")
                names = {f"g[{l - 1}]": below.activation}
                self.matrix(_title("B4", 1, l, L, **names), below.dZ, "i")
        self.heading(2, f"Update (U1), α = {t.learning_rate:g}")
        for layer in t.layers:
            self.matrix(_title("U1", 0, layer.l, L) + ", after the step", layer.W_next, "k")
            self.matrix(_title("U1", 1, layer.l, L) + ", after the step", layer.b_next, "")
        return "\n".join(self.lines).rstrip() + "\n"

    def heading(self, level: int, title: str) -> None:
        if self.markdown:
            self.lines += ["#" * (level + 1) + " " + title, ""]
        else:
            self.lines += [title, "=" * len(title) if level == 1 else "-" * len(title), ""]

    def text(self, line: str) -> None:
        self.lines += [line, ""]

    def matrix(self, title: str, M: np.ndarray, column: str) -> None:
        """``M`` with its shape; ``column`` names its columns: ``i`` examples, ``k`` the
        units of the layer before, ``""`` a single column."""
        shape = f"({M.shape[0]}, {M.shape[1]})"
        if self.markdown:
            self.lines += [f"**{title}**, shape {shape}", ""]
            self.lines += _markdown_table([[_number(v) for v in row] for row in M], column)
            self.lines.append("")
            return
        self.lines.append(f"{title}   shape {shape}")
        self.lines += _text_table([M], column)
        self.lines.append("")

    def side_by_side(
        self, title: str, analytic: np.ndarray, numeric: np.ndarray, column: str
    ) -> None:
        worst = float(np.abs(analytic - numeric).max())
        shape = f"({analytic.shape[0]}, {analytic.shape[1]})"
        note = f"left backprop, right finite differences: largest difference {worst:.1e}"
        if self.markdown:
            self.lines += [f"**{title}**, shape {shape}; {note}", ""]
            cells = [
                [f"{_number(a)} / {_number(n)}" for a, n in zip(r, q, strict=True)]
                for r, q in zip(analytic, numeric, strict=True)
            ]
            self.lines += _markdown_table(cells, column)
            self.lines.append("")
            return
        self.lines += [f"{title}   shape {shape}", f"  {note}"]
        self.lines += _text_table([analytic, numeric], column)
        self.lines.append("")


def _text_table(matrices: list[np.ndarray], column: str) -> list[str]:
    """Rows labelled ``j=0..``, columns ``i=0..`` (or ``k=``), matrices side by side with
    ``|`` between; wrapped a few columns at a time past ``WIDTH`` characters."""
    rows, cols = matrices[0].shape
    if max(rows, cols) > MAX_SIDE:
        raise ConfigurationError(
            f"a ({rows}, {cols}) matrix is too large to read in a trace (at most {MAX_SIDE} "
            "rows and columns); use fewer examples or units, or --json"
        )
    lead = len(f"j={rows - 1}") + 2
    per_block = max(1, (WIDTH - lead) // ((CELL + 2) * len(matrices) + 4))
    lines: list[str] = []
    for start in range(0, cols, per_block):
        chunk = range(start, min(cols, start + per_block))
        if start:
            lines.append("")
        if column:
            header = "   |  ".join(
                "".join(f"{f'{column}={c}':>{CELL + 2}}" for c in chunk) for _ in matrices
            )
            lines.append(" " * lead + header)
        for r in range(rows):
            cells = "   |  ".join(
                "".join(f"  {_number(M[r, c]):>{CELL}}" for c in chunk) for M in matrices
            )
            lines.append(f"{f'j={r}':<{lead}}{cells}")
    return lines


def _number(value: float) -> str:
    return f"{value + 0.0:.4g}"  # + 0.0 turns -0.0 into 0


def _markdown_table(rows: list[list[str]], column: str) -> list[str]:
    names = [f"{column}={c}" if column else "" for c in range(len(rows[0]))]
    header = "| | " + " | ".join(names) + " |"
    rule = "|---|" + "---|" * len(rows[0])
    body = ("| " + f"j={r} | " + " | ".join(row) + " |" for r, row in enumerate(rows))
    return [header, rule, *body]
