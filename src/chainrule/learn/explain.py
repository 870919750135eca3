"""The equations of a given network, layer by layer, with the shape of every matrix.

:func:`explain` instantiates ``docs/derivation.md`` for one architecture: forward propagation,
the cost, backpropagation and the update, each equation with its derivation label (F1, B4,
...) and the shapes of its terms for a batch of ``m`` examples, the L2 and dropout terms when
the network has them, and why the output layer's gradient is ``(A[L] - Y) / m`` for its
output/cost pair. It renders as plain text, Markdown or LaTeX, or as data
(:meth:`Explanation.as_dict`) for ``--json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainrule.core.network import Network, parameter_count

DERIVATIVES = {
    "sigmoid": ("σ'(Z) = A ⊙ (1 - A)", r"\sigma'(Z) = A \odot (1 - A)"),
    "tanh": ("tanh'(Z) = 1 - A²", r"\tanh'(Z) = 1 - A^{2}"),
    "relu": ("relu'(Z) = 1 where Z > 0, else 0", r"\mathrm{relu}'(Z) = [Z > 0]"),
    "leaky_relu": (
        "leaky_relu'(Z) = 1 where Z > 0, else {slope}",
        r"\mathrm{leaky\_relu}'(Z) = 1 \mathrm{\ if\ } Z > 0 \mathrm{\ else\ } {slope}",
    ),
    "identity": ("identity'(Z) = 1", r"\mathrm{identity}'(Z) = 1"),
}
COSTS = {
    "sigmoid": (
        "C1",
        "J = -(1/m) Σᵢ Σₖ [Y log A[L] + (1 - Y) log(1 - A[L])]",
        r"J = -\frac{1}{m}\sum_i\sum_k \left[Y \log A^{[L]} + (1-Y)\log(1-A^{[L]})\right]",
    ),
    "softmax": (
        "C2",
        "J = -(1/m) Σᵢ Σₖ Y log A[L]",
        r"J = -\frac{1}{m}\sum_i\sum_k Y \log A^{[L]}",
    ),
    "identity": (
        "C3",
        "J = (1/2m) Σᵢ ‖A[L] - Y‖²",
        r"J = \frac{1}{2m}\sum_i \|A^{[L]} - Y\|^2",
    ),
}
WHY_B1 = {
    "sigmoid": (
        "With a = σ(z): ∂J/∂a = (a - y) / (m a (1 - a)) and σ'(z) = a (1 - a), so the "
        "factor a (1 - a) cancels and dZ[L] = (A[L] - Y) / m, never dividing by a (1 - a)."
    ),
    "softmax": (
        "With a = softmax(z): ∂J/∂z_k = (1/m) Σ_j (-y_j / a_j) ∂a_j/∂z_k "
        "= (a_k Σ_j y_j - y_k) / m, and Σ_j y_j = 1 for one-hot (or probability) targets, so "
        "dZ[L] = (A[L] - Y) / m."
    ),
    "identity": (
        "With a = z: ∂J/∂a = (a - y) / m and the identity's derivative is 1, so "
        "dZ[L] = (A[L] - Y) / m."
    ),
}


@dataclass
class Equation:
    """One equation: its label, text, LaTeX, the shape of each matrix it names, a note."""

    label: str
    text: str
    latex: str
    shapes: dict[str, tuple[int | str, ...]] = field(default_factory=dict)
    note: str = ""

    def shape_text(self) -> str:
        return ", ".join(f"{name}: {_shape(s)}" for name, s in self.shapes.items())


@dataclass
class Explanation:
    layer_sizes: tuple[int, ...]
    activations: list[str]
    parameters: list[int]
    forward: list[Equation]
    cost: list[Equation]
    backward: list[Equation]
    update: list[Equation]
    l2: float = 0.0
    dropout: float = 0.0

    def equations(self) -> list[Equation]:
        return [e for _, section in self.sections() for e in section]

    def as_dict(self) -> dict[str, Any]:
        def eq(e: Equation) -> dict[str, Any]:
            return {
                "label": e.label,
                "equation": e.text,
                "latex": e.latex,
                "shapes": {k: list(v) for k, v in e.shapes.items()},
                **({"note": e.note} if e.note else {}),
            }

        return {
            "layer_sizes": list(self.layer_sizes),
            "activations": self.activations,
            "l2": self.l2,
            "dropout": self.dropout,
            "parameters_per_layer": self.parameters,
            "parameters": sum(self.parameters),
            "forward": [eq(e) for e in self.forward],
            "cost": [eq(e) for e in self.cost],
            "backward": [eq(e) for e in self.backward],
            "update": [eq(e) for e in self.update],
        }

    def sections(self) -> list[tuple[str, list[Equation]]]:
        return [
            ("Forward propagation", self.forward),
            ("Cost", self.cost),
            ("Backpropagation", self.backward),
            ("Gradient descent", self.update),
        ]

    def render(self, fmt: str = "text") -> str:
        if fmt == "markdown":
            return self._markdown()
        if fmt == "latex":
            return self._latex()
        return self._text()

    def _summary(self) -> str:
        sizes = "-".join(map(str, self.layer_sizes))
        extras = "".join(
            [
                f", L2 λ = {self.l2:g}" if self.l2 else "",
                f", dropout p = {self.dropout:g}" if self.dropout else "",
            ]
        )
        return (
            f"network {sizes} ({', '.join(self.activations)}){extras}, "
            f"{sum(self.parameters)} parameters, batch of m examples as columns"
        )

    def _text(self) -> str:
        lines = [self._summary()]
        for title, equations in self.sections():
            lines += ["", title]
            width = max(len(e.text) for e in equations)
            for e in equations:
                lines.append(f"  ({e.label}) {e.text.ljust(width)}   {e.shape_text()}".rstrip())
                if e.note:
                    lines.append(f"       why: {e.note}")
        lines += [
            "",
            "Parameters per layer: "
            + ", ".join(f"layer {l}: {p}" for l, p in enumerate(self.parameters, start=1)),
        ]
        return "\n".join(lines)

    def _markdown(self) -> str:
        lines = [f"**{self._summary()}**"]
        for title, equations in self.sections():
            lines += ["", f"### {title}", "", "| | equation | shapes |", "|---|---|---|"]
            lines += [f"| {e.label} | ${e.latex}$ | {e.shape_text()} |" for e in equations]
            lines += ["", *(f"- {e.label}: {e.note}" for e in equations if e.note)]
        lines += ["", "| layer | parameters |", "|---|---|"]
        lines += [f"| {l} | {p} |" for l, p in enumerate(self.parameters, start=1)]
        return "\n".join(lines)

    def _latex(self) -> str:
        lines = [f"% {self._summary()}"]
        for title, equations in self.sections():
            lines += [f"% {title}", r"\begin{aligned}"]
            for e in equations:
                lhs, relation, rhs = _split_relation(e.latex)
                shapes = r",\ ".join(
                    f"{latex_name(n)} \\in \\mathbb{{R}}^{{{_latex_shape(s)}}}"
                    for n, s in e.shapes.items()
                    if s
                )
                tag = f"\\text{{({e.label})}}\\ {shapes}"
                lines.append(f"{lhs.rstrip()} &{relation} {rhs.strip()} && {tag} \\\\")
            lines.append(r"\end{aligned}")
        return "\n".join(lines)


def _split_relation(latex: str) -> tuple[str, str, str]:
    """``(left side, relation, right side)`` at the first ``=`` or ``\\leftarrow``."""
    positions = [(latex.find(r), r) for r in ("=", r"\leftarrow") if r in latex]
    at, relation = min(positions)
    return latex[:at], relation, latex[at + len(relation) :]


def _shape(shape: tuple[int | str, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")" if shape else "scalar"


def _latex_shape(shape: tuple[int | str, ...]) -> str:
    return r" \times ".join(map(str, shape))


def latex_name(name: str) -> str:
    """``A[0]ᵀ`` as ``A^{[0]T}``, ``dW[2]`` as ``dW^{[2]}``."""
    transposed = name.endswith("ᵀ")
    base, _, rest = name.rstrip("ᵀ").partition("[")
    if not rest:
        return base + ("^{T}" if transposed else "")
    return f"{base}^{{[{rest.rstrip(']')}]{'T' if transposed else ''}}}"


def explain(net: Network) -> Explanation:
    """The equations of ``net`` with shapes for a batch of ``m`` examples."""
    n, L = net.layer_sizes, net.L
    names = [g.name for g in net.g[1:]] + [net.output.name]
    slope = f"{net.leaky_slope:g}"
    forward: list[Equation] = []
    for l in range(1, L + 1):
        forward.append(
            Equation(
                "F1",
                f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
                f"Z^{{[{l}]}} = W^{{[{l}]}} A^{{[{l - 1}]}} + b^{{[{l}]}}",
                {
                    f"Z[{l}]": (n[l], "m"),
                    f"W[{l}]": (n[l], n[l - 1]),
                    f"A[{l - 1}]": (n[l - 1], "m"),
                    f"b[{l}]": (n[l], 1),
                },
            )
        )
        g, g_latex = names[l - 1], _latex_function(names[l - 1])
        masked = net.dropout and l < L
        forward.append(
            Equation(
                "F3" if l == L else ("R2" if masked else "F2"),
                f"A[{l}] = {g}(Z[{l}])" + (f" ⊙ D[{l}]" if masked else ""),
                f"A^{{[{l}]}} = {g_latex}(Z^{{[{l}]}})"
                + (f" \\odot D^{{[{l}]}}" if masked else ""),
                {f"A[{l}]": (n[l], "m"), **({f"D[{l}]": (n[l], "m")} if masked else {})},
                f"D[{l}] is 0 with probability {net.dropout:g}, else 1/(1 - {net.dropout:g}); "
                "training only"
                if masked
                else "",
            )
        )
    label, cost_text, cost_latex = COSTS[net.output.name]
    cost = [Equation(label, cost_text, cost_latex, {"J": (), "Y": (n[L], "m")})]
    if net.l2:
        cost.append(
            Equation(
                "R1",
                f"J += (λ/2m) Σₗ ‖W[l]‖²,  λ = {net.l2:g}",
                r"J \leftarrow J + \frac{\lambda}{2m}\sum_l \|W^{[l]}\|^2",
                {"J": ()},
            )
        )

    backward = [
        Equation(
            "B1",
            f"dZ[{L}] = (A[{L}] - Y) / m",
            f"dZ^{{[{L}]}} = \\frac{{1}}{{m}}(A^{{[{L}]}} - Y)",
            {f"dZ[{L}]": (n[L], "m")},
            WHY_B1[net.output.name],
        )
    ]
    for l in range(L, 0, -1):
        l2_text, l2_latex = (
            (" + (λ/m) W[{l}]", r" + \frac{\lambda}{m} W^{[l]}") if net.l2 else ("", "")
        )
        backward.append(
            Equation(
                "B2",
                f"dW[{l}] = dZ[{l}] A[{l - 1}]ᵀ" + l2_text.format(l=l),
                f"dW^{{[{l}]}} = dZ^{{[{l}]}} A^{{[{l - 1}]T}}" + l2_latex.replace("[l]", f"[{l}]"),
                {
                    f"dW[{l}]": (n[l], n[l - 1]),
                    f"dZ[{l}]": (n[l], "m"),
                    f"A[{l - 1}]ᵀ": ("m", n[l - 1]),
                },
            )
        )
        backward.append(
            Equation(
                "B3",
                f"db[{l}] = Σᵢ dZ[{l}]",
                f"db^{{[{l}]}} = \\sum_i dZ^{{[{l}]}}",
                {f"db[{l}]": (n[l], 1)},
            )
        )
        if l > 1:
            masked = net.dropout and l - 1 < L
            backward.append(
                Equation(
                    "B4",
                    f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]" + (f" ⊙ D[{l - 1}]" if masked else ""),
                    f"dA^{{[{l - 1}]}} = W^{{[{l}]T}} dZ^{{[{l}]}}"
                    + (f" \\odot D^{{[{l - 1}]}}" if masked else ""),
                    {f"dA[{l - 1}]": (n[l - 1], "m"), f"W[{l}]ᵀ": (n[l - 1], n[l])},
                    "the dropout mask of the forward pass, again (R2)" if masked else "",
                )
            )
            text, latex = DERIVATIVES[names[l - 2]]
            backward.append(
                Equation(
                    "B4",
                    f"dZ[{l - 1}] = dA[{l - 1}] ⊙ g'(Z[{l - 1}]),  {text.format(slope=slope)}",
                    f"dZ^{{[{l - 1}]}} = dA^{{[{l - 1}]}} \\odot g'(Z^{{[{l - 1}]}}),\\ "
                    + latex.replace("{slope}", slope),
                    {f"dZ[{l - 1}]": (n[l - 1], "m")},
                )
            )
    update = [
        Equation(
            "U1",
            f"W[{l}] -= α dW[{l}];  b[{l}] -= α db[{l}]",
            f"W^{{[{l}]}} \\leftarrow W^{{[{l}]}} - \\alpha\\, dW^{{[{l}]}},\\ "
            f"b^{{[{l}]}} \\leftarrow b^{{[{l}]}} - \\alpha\\, db^{{[{l}]}}",
            {f"W[{l}]": (n[l], n[l - 1]), f"b[{l}]": (n[l], 1)},
        )
        for l in range(1, L + 1)
    ]
    parameters = [parameter_count(n[l - 1 : l + 1]) for l in range(1, L + 1)]
    return Explanation(n, names, parameters, forward, cost, backward, update, net.l2, net.dropout)


def _latex_function(name: str) -> str:
    return {"sigmoid": r"\sigma", "tanh": r"\tanh"}.get(
        name, r"\mathrm{" + name.replace("_", r"\_") + "}"
    )
