"""The equations of a given network, layer by layer, with the shape of every matrix.

:func:`explain` instantiates ``docs/derivation.md`` for one architecture: forward propagation,
the cost, backpropagation and the update, each equation with its derivation label (F1, B4,
...) and the shapes of its terms for a batch of ``m`` examples, the L2 and dropout terms when
the network has them, and why the output layer's gradient is ``(A[L] - Y) / m`` for its
output/cost pair. It renders as plain text, Markdown or LaTeX, or as data
(:meth:`Explanation.as_dict`) for ``--json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chainrule.core.equations import DERIVATIVES, WHY_B1, Formula, cost_equation, equation
from chainrule.core.network import Network, parameter_count
from chainrule.errors import plural
from chainrule.train.optimizers import Optimizer


@dataclass
class Equation:
    """One equation for one layer: its label, text, LaTeX, each matrix's shape, a note."""

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
    optimizer: str = "gd"
    batch_size: int | None = None

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
            "optimizer": self.optimizer,
            "batch_size": self.batch_size,
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
            ("Gradient descent" if self.optimizer == "gd" else "Update", self.update),
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
        batch = (
            "batch of m examples as columns"
            if self.batch_size is None
            else f"mini-batches of m = {plural(self.batch_size, 'example')} as columns"
        )
        return (
            f"network {sizes} ({', '.join(self.activations)}){extras}, "
            f"{sum(self.parameters)} parameters, {batch}"
        )

    def _text(self) -> str:
        lines = [self._summary()]
        for title, equations in self.sections():
            lines += ["", title]
            width = max(len(e.text) for e in equations)
            for e in equations:
                lines.append(f"  ({e.label}) {e.text.ljust(width)}   {e.shape_text()}".rstrip())
                if e.note:
                    lines.append(
                        f"       {'with' if e.label == self.optimizer else 'why'}: {e.note}"
                    )
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


def _line(label: str, formula: Formula, n: tuple[int, ...], l: int, note: str = "") -> Equation:
    """``formula`` of the table for layer ``l`` of the network of sizes ``n``."""
    at = formula.at(l, len(n) - 1)
    return Equation(label, at.text, at.latex, formula.shapes_at(n, l), note)


def _named(line: Equation, l: int, name: str) -> Equation:
    """``g[l]`` written as the activation's name, ``tanh`` or ``σ``."""
    line.text = line.text.replace(f"g[{l}]", name)
    line.latex = line.latex.replace(f"g^{{[{l}]}}", _latex_function(name))
    line.latex = line.latex.replace(f"g^{{[{l}]\\prime}}", _latex_function(name) + "'")
    return line


def explain(
    net: Network, optimizer: Optimizer | None = None, batch_size: int | None = None
) -> Explanation:
    """The equations of ``net`` with shapes for a batch of ``m`` examples, read from
    :data:`chainrule.core.equations.EQUATIONS`.

    ``optimizer`` (default: plain gradient descent, U1) is the update rule shown, with its
    hyper-parameters; ``batch_size`` is the ``m`` of mini-batch training (``None``: the
    whole batch).
    """
    n, L = net.layer_sizes, net.L
    names = [g.name for g in net.g[1:]] + [net.output.name]
    slope = f"{net.leaky_slope:g}"
    F1, R1, R2 = equation("F1"), equation("R1"), equation("R2")
    forward: list[Equation] = []
    for l in range(1, L + 1):
        forward.append(_line("F1", F1.parts[0], n, l))
        if l == L:
            forward.append(_named(_line("F3", equation("F3").parts[0], n, l), l, names[l - 1]))
        elif net.dropout:
            note = re.sub(r"\bp\b", f"{net.dropout:g}", R2.note).replace("[l]", f"[{l}]")
            forward.append(_named(_line("R2", R2.parts[0], n, l, note), l, names[l - 1]))
        else:
            forward.append(_named(_line("F2", equation("F2").parts[0], n, l), l, names[l - 1]))
    C = cost_equation(net.output.name)
    cost = [_line(C.label, C.parts[0], n, L)]
    if net.l2:
        penalty = R1.parts[0]
        cost.append(
            Equation("R1", f"{penalty.text},  λ = {net.l2:g}", penalty.latex, {"J": ()}, R1.note)
        )
    if net.l1:
        R3 = equation("R3")
        penalty = R3.parts[0]
        cost.append(
            Equation("R3", f"{penalty.text},  λ₁ = {net.l1:g}", penalty.latex, {"J": ()}, R3.note)
        )
    B2, B3, B4 = equation("B2"), equation("B3"), equation("B4")
    backward = [_line("B1", equation("B1").parts[0], n, L, WHY_B1[net.output.name])]
    for l in range(L, 0, -1):
        backward.append(_line("B2", B2.parts[0], n, l))
        if net.l2:
            backward.append(_line("R1", R1.parts[1], n, l))
        if net.l1:
            backward.append(_line("R3", equation("R3").parts[1], n, l))
        backward.append(_line("B3", B3.parts[0], n, l))
        if l > 1:
            backward.append(_line("B4", B4.parts[0], n, l))
            if net.dropout:
                mask = _line("R2", R2.parts[1], n, l - 1, "the dropout mask of the forward pass")
                backward.append(mask)
            line = _named(_line("B4", B4.parts[1], n, l), l - 1, names[l - 2])
            derivative = DERIVATIVES[names[l - 2]]
            line.text += ",  " + derivative.text.format(slope=slope)
            line.latex += r",\ " + derivative.latex.replace("{slope}", slope)
            backward.append(line)
    if optimizer is None or optimizer.name == "gd":
        U1 = equation("U1")
        rate = "" if optimizer is None else f",  {optimizer.values()[0]}"
        update = [
            Equation("U1", f"{w.text};  {b.text}{rate}", rf"{w.latex},\ {b.latex}",
                     {**w.shapes, **b.shapes})
            for w, b in (
                (_line("U1", U1.parts[0], n, l), _line("U1", U1.parts[1], n, l))
                for l in range(1, L + 1)
            )
        ]  # fmt: skip
    else:
        text, latex = optimizer.values()
        note = f"{text}; θ holds every W[l] and b[l], dθ every dW[l] and db[l]"
        update = [Equation(optimizer.name, t, x) for t, x in optimizer.rule]
        update[-1].note = note
    parameters = [parameter_count(n[l - 1 : l + 1]) for l in range(1, L + 1)]
    return Explanation(
        n, names, parameters, forward, cost, backward, update, net.l2, net.dropout,
        "gd" if optimizer is None else optimizer.name, batch_size,
    )  # fmt: skip


def _latex_function(name: str) -> str:
    return {"sigmoid": r"\sigma", "tanh": r"\tanh"}.get(
        name, r"\mathrm{" + name.replace("_", r"\_") + "}"
    )
