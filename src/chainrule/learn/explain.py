"""The equations of a given network, layer by layer, with the shape of every matrix.

:func:`explain` instantiates ``docs/derivation.md`` for one architecture: forward propagation,
the cost, backpropagation and the update, each equation with the shapes of its terms for a
batch of ``m`` examples. It renders as plain text, Markdown or LaTeX, or as data
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
        "leaky'(Z) = 1 where Z > 0, else {slope}",
        r"\mathrm{leaky}'(Z) = 1 \text{ if } Z > 0 \text{ else } {slope}",
    ),
    "identity": ("id'(Z) = 1", r"\mathrm{id}'(Z) = 1"),
}
COSTS = {
    "sigmoid": (
        "J = -(1/m) Σᵢ Σₖ [Y log A[L] + (1 - Y) log(1 - A[L])]",
        r"J = -\frac{1}{m}\sum_i\sum_k \left[Y \log A^{[L]} + (1-Y)\log(1-A^{[L]})\right]",
    ),
    "softmax": ("J = -(1/m) Σᵢ Σₖ Y log A[L]", r"J = -\frac{1}{m}\sum_i\sum_k Y \log A^{[L]}"),
    "identity": (
        "J = (1/2m) Σᵢ ‖A[L] - Y‖²",
        r"J = \frac{1}{2m}\sum_i \lVert A^{[L]} - Y \rVert^2",
    ),
}


@dataclass
class Equation:
    """One equation: its text, its LaTeX, and the shape of each matrix it names."""

    text: str
    latex: str
    shapes: dict[str, tuple[int | str, ...]] = field(default_factory=dict)

    def shape_text(self) -> str:
        return ", ".join(f"{name}: {_shape(s)}" for name, s in self.shapes.items())


@dataclass
class Explanation:
    layer_sizes: tuple[int, ...]
    activations: list[str]
    parameters: list[int]
    forward: list[Equation]
    cost: Equation
    backward: list[Equation]
    update: list[Equation]

    def as_dict(self) -> dict[str, Any]:
        def eq(e: Equation) -> dict[str, Any]:
            return {
                "equation": e.text,
                "latex": e.latex,
                "shapes": {k: list(v) for k, v in e.shapes.items()},
            }

        return {
            "layer_sizes": list(self.layer_sizes),
            "activations": self.activations,
            "parameters_per_layer": self.parameters,
            "parameters": sum(self.parameters),
            "forward": [eq(e) for e in self.forward],
            "cost": eq(self.cost),
            "backward": [eq(e) for e in self.backward],
            "update": [eq(e) for e in self.update],
        }

    def sections(self) -> list[tuple[str, list[Equation]]]:
        return [
            ("Forward propagation", self.forward),
            ("Cost", [self.cost]),
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
        return (
            f"network {sizes} ({', '.join(self.activations)}), "
            f"{sum(self.parameters)} parameters, batch of m examples as columns"
        )

    def _text(self) -> str:
        lines = [self._summary()]
        for title, equations in self.sections():
            lines += ["", title]
            width = max(len(e.text) for e in equations)
            lines += [f"  {e.text.ljust(width)}   {e.shape_text()}".rstrip() for e in equations]
        lines += [
            "",
            "Parameters per layer: "
            + ", ".join(f"layer {l}: {p}" for l, p in enumerate(self.parameters, start=1)),
        ]
        return "\n".join(lines)

    def _markdown(self) -> str:
        lines = [f"**{self._summary()}**"]
        for title, equations in self.sections():
            lines += ["", f"### {title}", "", "| equation | shapes |", "|---|---|"]
            lines += [f"| ${e.latex}$ | {e.shape_text()} |" for e in equations]
        lines += ["", "| layer | parameters |", "|---|---|"]
        lines += [f"| {l} | {p} |" for l, p in enumerate(self.parameters, start=1)]
        return "\n".join(lines)

    def _latex(self) -> str:
        lines = [f"% {self._summary()}"]
        for title, equations in self.sections():
            lines += [f"% {title}", r"\begin{aligned}"]
            for e in equations:
                lhs, rhs = e.latex.split("=", 1) if "=" in e.latex else (e.latex, "")
                shapes = r",\ ".join(
                    f"{_latex_name(n)} \\in \\mathbb{{R}}^{{{_latex_shape(s)}}}"
                    for n, s in e.shapes.items()
                )
                lines.append(f"{lhs.strip()} &= {rhs.strip()} && {shapes} \\\\")
            lines.append(r"\end{aligned}")
        return "\n".join(lines)


def _shape(shape: tuple[int | str, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"


def _latex_shape(shape: tuple[int | str, ...]) -> str:
    return r" \times ".join(map(str, shape))


def _latex_name(name: str) -> str:
    base, _, rest = name.partition("[")
    return f"{base}^{{[{rest.rstrip(']')}]}}" if rest else base


def explain(net: Network) -> Explanation:
    """The equations of ``net`` with shapes for a batch of ``m`` examples."""
    n, L = net.layer_sizes, net.L
    names = [g.name for g in net.g[1:]] + [net.output.name]
    forward, backward, update = [], [], []
    for l in range(1, L + 1):
        forward.append(
            Equation(
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
        g = names[l - 1]
        forward.append(
            Equation(
                f"A[{l}] = {g}(Z[{l}])",
                f"A^{{[{l}]}} = \\mathrm{{{g}}}(Z^{{[{l}]}})",
                {f"A[{l}]": (n[l], "m")},
            )
        )
    cost_text, cost_latex = COSTS[net.output.name]
    cost = Equation(cost_text, cost_latex, {"J": (), "Y": (n[L], "m")})

    backward.append(
        Equation(
            f"dZ[{L}] = (A[{L}] - Y) / m",
            f"dZ^{{[{L}]}} = \\frac{{1}}{{m}}(A^{{[{L}]}} - Y)",
            {f"dZ[{L}]": (n[L], "m")},
        )
    )
    for l in range(L, 0, -1):
        backward.append(
            Equation(
                f"dW[{l}] = dZ[{l}] A[{l - 1}]ᵀ",
                f"dW^{{[{l}]}} = dZ^{{[{l}]}} A^{{[{l - 1}]T}}",
                {
                    f"dW[{l}]": (n[l], n[l - 1]),
                    f"dZ[{l}]": (n[l], "m"),
                    f"A[{l - 1}]ᵀ": ("m", n[l - 1]),
                },
            )
        )
        backward.append(
            Equation(
                f"db[{l}] = Σᵢ dZ[{l}]",
                f"db^{{[{l}]}} = \\sum_i dZ^{{[{l}]}}",
                {f"db[{l}]": (n[l], 1)},
            )
        )
        if l > 1:
            backward.append(
                Equation(
                    f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]",
                    f"dA^{{[{l - 1}]}} = W^{{[{l}]T}} dZ^{{[{l}]}}",
                    {f"dA[{l - 1}]": (n[l - 1], "m"), f"W[{l}]ᵀ": (n[l - 1], n[l])},
                )
            )
            g = names[l - 2]
            text, latex = DERIVATIVES[g]
            slope = f"{net.leaky_slope:g}"
            backward.append(
                Equation(
                    f"dZ[{l - 1}] = dA[{l - 1}] ⊙ g'(Z[{l - 1}]),  {text.format(slope=slope)}",
                    f"dZ^{{[{l - 1}]}} = dA^{{[{l - 1}]}} \\odot g'(Z^{{[{l - 1}]}}),\\ "
                    + latex.replace("{slope}", slope),
                    {f"dZ[{l - 1}]": (n[l - 1], "m")},
                )
            )
    for l in range(1, L + 1):
        update.append(
            Equation(
                f"W[{l}] -= α dW[{l}];  b[{l}] -= α db[{l}]",
                f"W^{{[{l}]}} \\mathrel{{-}}= \\alpha\\, dW^{{[{l}]}};\\ "
                f"b^{{[{l}]}} \\mathrel{{-}}= \\alpha\\, db^{{[{l}]}}",
                {f"W[{l}]": (n[l], n[l - 1]), f"b[{l}]": (n[l], 1)},
            )
        )
    parameters = [parameter_count(n[l - 1 : l + 1]) for l in range(1, L + 1)]
    return Explanation(n, names, parameters, forward, cost, backward, update)
