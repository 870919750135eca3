"""The equations of ``docs/derivation.md`` as one table: label, formula, shapes, code.

Every tool that shows an equation (``explain``, ``trace``, ``graph``, ``bughunt``, the docs
check, the browser playground) reads it from here, so each formula is written once.
An :class:`Equation` has the derivation's label (``"F1"`` ... ``"D1"``), a title, one or more
:class:`Formula` parts (B4 has two: ``dA[l-1]`` and then ``dZ[l-1]``), and the dotted names of
the functions training runs to compute it (``code``). The names are strings, not imports, so
that the core need not import the layers above it (U1's function lives in
``chainrule.train``, D1's in ``chainrule.parallel``); ``tests/test_docs.py`` resolves each one
and checks that its source carries the label.

Formulas are written for a generic layer ``l`` of ``L``; :meth:`Formula.at` puts in a
layer's numbers and :meth:`Formula.shapes_at` a network's sizes::

    >>> equation("B2").parts[0].at(2, 3).text
    'dW[2] = dZ[2] A[1]ᵀ'
    >>> equation("B2").parts[0].shapes_at((4, 3, 2, 1), 2)
    {'dW[2]': (2, 3), 'dZ[2]': (2, 'm'), 'A[1]ᵀ': ('m', 3)}

``P Q`` is a matrix product, ``P * Q`` an elementwise one (``\\odot`` in LaTeX).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chainrule.errors import ConfigurationError

_INDEX = re.compile(r"\[(l-1|l|L)\]")


@dataclass(frozen=True)
class Formula:
    """One line of an equation, for a generic layer ``l`` of ``L``.

    ``text`` is plain Unicode (``dW[l] = dZ[l] A[l-1]ᵀ``), ``latex`` its LaTeX
    (``dW^{[l]} = ...``), ``shapes`` the shape of each matrix it names, in terms of ``n[l]``,
    ``n[l-1]``, ``n[L]``, ``m`` and ``1`` (a scalar has the shape ``()``).
    """

    text: str
    latex: str
    shapes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def at(self, l: int, L: int) -> Formula:
        """This formula for layer ``l`` of a network of ``L`` layers: ``[l]`` becomes ``[2]``."""
        return Formula(
            _put(self.text, l, L),
            _put(self.latex, l, L),
            {_put(name, l, L): shape for name, shape in self.shapes.items()},
        )

    def shapes_at(self, layer_sizes: tuple[int, ...], l: int) -> dict[str, tuple[int | str, ...]]:
        """Each matrix's shape for layer ``l`` of a network ``[n[0], ..., n[L]]``; ``m`` stays."""
        L = len(layer_sizes) - 1
        sizes = {"n[l]": layer_sizes[l], "n[l-1]": layer_sizes[l - 1], "n[L]": layer_sizes[L]}
        return {
            _put(name, l, L): tuple(sizes.get(d, int(d) if d.isdigit() else d) for d in shape)
            for name, shape in self.shapes.items()
        }


def _put(text: str, l: int, L: int) -> str:
    return _INDEX.sub(lambda m: "[" + str({"l-1": l - 1, "l": l, "L": L}[m.group(1)]) + "]", text)


@dataclass(frozen=True)
class Equation:
    """A labelled equation of the derivation: ``label``, ``title``, ``parts``, ``code``.

    ``code`` holds the dotted names of the functions that compute it, the ones training
    runs (``chainrule.core.network.Network.backward_pass``); ``note`` says why it holds,
    where the derivation gives a reason worth repeating.
    """

    label: str
    title: str
    parts: tuple[Formula, ...]
    code: tuple[str, ...]
    note: str = ""

    @property
    def text(self) -> str:
        """All parts as one line of text, separated by ``;``."""
        return ";  ".join(part.text for part in self.parts)

    @property
    def latex(self) -> str:
        """All parts as one line of LaTeX."""
        return r",\quad ".join(part.latex for part in self.parts)


def _f(text: str, latex: str, **shapes: tuple[str, ...]) -> Formula:
    return Formula(text, latex, {_name(k): v for k, v in shapes.items()})


def _name(key: str) -> str:
    """Keyword names for matrices: ``dW_l`` is ``dW[l]``, ``A_lm1_T`` is ``A[l-1]ᵀ``."""
    base, *index = key.split("_")
    transposed = index[-1:] == ["T"]
    index = index[:-1] if transposed else index
    if not index:
        return base + ("ᵀ" if transposed else "")
    return f"{base}[{'l-1' if index == ['lm1'] else index[0]}]" + ("ᵀ" if transposed else "")


NETWORK = "chainrule.core.network.Network"
OUTPUTS = "chainrule.core.outputs"

#: The equations of the derivation, in its order: what every tool that shows the math reads.
EQUATIONS: tuple[Equation, ...] = (
    Equation(
        "F1",
        "pre-activation",
        (
            _f(
                "Z[l] = W[l] A[l-1] + b[l]",
                r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}",
                Z_l=("n[l]", "m"),
                W_l=("n[l]", "n[l-1]"),
                A_lm1=("n[l-1]", "m"),
                b_l=("n[l]", "1"),
            ),
        ),
        (f"{NETWORK}.forward_pass",),
    ),
    Equation(
        "F2",
        "hidden activation",
        (_f("A[l] = g[l](Z[l])", r"A^{[l]} = g^{[l]}(Z^{[l]})", A_l=("n[l]", "m")),),
        (f"{NETWORK}.forward_pass",),
    ),
    Equation(
        "F3",
        "output activation",
        (_f("A[L] = g[L](Z[L])", r"A^{[L]} = g^{[L]}(Z^{[L]})", A_L=("n[L]", "m")),),
        (f"{NETWORK}.forward_pass",),
    ),
    Equation(
        "C1",
        "binary cross-entropy (sigmoid output)",
        (
            _f(
                "J = -(1/m) Σᵢ Σₖ [Y log A[L] + (1 - Y) log(1 - A[L])]",
                r"J = -\frac{1}{m}\sum_i\sum_k \left[Y \log A^{[L]} + (1-Y)\log(1-A^{[L]})\right]",
                J=(),
                Y=("n[L]", "m"),
            ),
        ),
        (f"{OUTPUTS}.SigmoidCrossEntropy.losses",),
    ),
    Equation(
        "C2",
        "categorical cross-entropy (softmax output)",
        (
            _f(
                "J = -(1/m) Σᵢ Σₖ Y log A[L]",
                r"J = -\frac{1}{m}\sum_i\sum_k Y \log A^{[L]}",
                J=(),
                Y=("n[L]", "m"),
            ),
        ),
        (f"{OUTPUTS}.SoftmaxCrossEntropy.losses",),
    ),
    Equation(
        "C3",
        "squared error (identity output)",
        (
            _f(
                "J = (1/2m) Σᵢ ‖A[L] - Y‖²",
                r"J = \frac{1}{2m}\sum_i \|A^{[L]} - Y\|^2",
                J=(),
                Y=("n[L]", "m"),
            ),
        ),
        (f"{OUTPUTS}.IdentitySquaredError.losses",),
    ),
    Equation(
        "C5",
        "half the Poisson deviance (exponential output)",
        (
            _f(
                "J = (1/m) Σᵢ Σₖ [Y log(Y / A[L]) - Y + A[L]]",
                r"J = \frac{1}{m}\sum_i\sum_k \left[Y \log\frac{Y}{A^{[L]}} - Y + A^{[L]}\right]",
                J=(),
                Y=("n[L]", "m"),
            ),
        ),
        (f"{OUTPUTS}.ExpPoisson.losses",),
    ),
    Equation(
        "C4",
        "per-example weights",
        (
            _f("J = Σᵢ wᵢ lossᵢ / Σᵢ wᵢ", r"J = \frac{\sum_i w_i \ell_i}{\sum_i w_i}", J=()),
            _f(
                "dZ[L] = (A[L] - Y) * w / Σᵢ wᵢ",
                r"dZ^{[L]} = \frac{(A^{[L]} - Y) \odot w}{\sum_i w_i}",
                dZ_L=("n[L]", "m"),
            ),
        ),
        (f"{OUTPUTS}.Output.cost", f"{OUTPUTS}.Output.dZ"),
    ),
    Equation(
        "B1",
        "output gradient, fused with the cost",
        (
            _f(
                "dZ[L] = (A[L] - Y) / m",
                r"dZ^{[L]} = \frac{1}{m}(A^{[L]} - Y)",
                dZ_L=("n[L]", "m"),
            ),
        ),
        (f"{OUTPUTS}.Output.dZ",),
    ),
    Equation(
        "B2",
        "weight gradient",
        (
            _f(
                "dW[l] = dZ[l] A[l-1]ᵀ",
                r"dW^{[l]} = dZ^{[l]} A^{[l-1]T}",
                dW_l=("n[l]", "n[l-1]"),
                dZ_l=("n[l]", "m"),
                A_lm1_T=("m", "n[l-1]"),
            ),
        ),
        (f"{NETWORK}.backward_pass",),
    ),
    Equation(
        "B3",
        "bias gradient",
        (_f("db[l] = Σᵢ dZ[l]", r"db^{[l]} = \sum_i dZ^{[l]}", db_l=("n[l]", "1")),),
        (f"{NETWORK}.backward_pass",),
    ),
    Equation(
        "B4",
        "one layer back",
        (
            _f(
                "dA[l-1] = W[l]ᵀ dZ[l]",
                r"dA^{[l-1]} = W^{[l]T} dZ^{[l]}",
                dA_lm1=("n[l-1]", "m"),
                W_l_T=("n[l-1]", "n[l]"),
            ),
            _f(
                "dZ[l-1] = dA[l-1] * g[l-1]'(Z[l-1])",
                r"dZ^{[l-1]} = dA^{[l-1]} \odot g^{[l-1]\prime}(Z^{[l-1]})",
                dZ_lm1=("n[l-1]", "m"),
            ),
        ),
        (f"{NETWORK}.backward_pass",),
    ),
    Equation(
        "R1",
        "L2 penalty",
        (
            _f(
                "J += (λ/2m) Σₗ ‖W[l]‖²",
                r"J \leftarrow J + \frac{\lambda}{2m}\sum_l \|W^{[l]}\|^2",
                J=(),
            ),
            _f(
                "dW[l] += (λ/m) W[l]",
                r"dW^{[l]} \leftarrow dW^{[l]} + \frac{\lambda}{m} W^{[l]}",
                dW_l=("n[l]", "n[l-1]"),
            ),
        ),
        (f"{NETWORK}.l2_cost", f"{NETWORK}.add_l2_gradient"),
        "biases are not penalised; m is the cost's divisor (Σᵢ wᵢ with weights)",
    ),
    Equation(
        "R2",
        "inverted dropout",
        (
            _f(
                "A[l] = g[l](Z[l]) * D[l]",
                r"A^{[l]} = g^{[l]}(Z^{[l]}) \odot D^{[l]}",
                A_l=("n[l]", "m"),
                D_l=("n[l]", "m"),
            ),
            _f(
                "dA[l] = dA[l] * D[l]",
                r"dA^{[l]} \leftarrow dA^{[l]} \odot D^{[l]}",
                dA_l=("n[l]", "m"),
            ),
        ),
        (f"{NETWORK}.dropout_masks", f"{NETWORK}.forward_pass", f"{NETWORK}.backward_pass"),
        "D[l] is 0 with probability p, else 1/(1 - p); training only",
    ),
    Equation(
        "R3",
        "L1 penalty",
        (
            _f(
                "J += (λ₁/m) Σₗ Σⱼₖ |W[l]ⱼₖ|",
                r"J \leftarrow J + \frac{\lambda_1}{m}\sum_l \sum_{jk} |W^{[l]}_{jk}|",
                J=(),
            ),
            _f(
                "dW[l] += (λ₁/m) sign(W[l])",
                r"dW^{[l]} \leftarrow dW^{[l]} + \frac{\lambda_1}{m} \operatorname{sign}(W^{[l]})",
                dW_l=("n[l]", "n[l-1]"),
            ),
        ),
        (f"{NETWORK}.l1_cost", f"{NETWORK}.add_l1_gradient"),
        "biases are not penalised; sign(0) = 0, the subgradient at |w|'s kink",
    ),
    Equation(
        "U1",
        "gradient descent",
        (
            _f(
                "W[l] -= α dW[l]",
                r"W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]}",
                W_l=("n[l]", "n[l-1]"),
            ),
            _f(
                "b[l] -= α db[l]",
                r"b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]}",
                b_l=("n[l]", "1"),
            ),
        ),
        ("chainrule.train.optimizers.GradientDescent._update",),
        "other optimisers change only how dθ becomes a step (chainrule.train.optimizers)",
    ),
    Equation(
        "D1",
        "data-parallel gradient",
        (
            _f(
                "dW[l] = Σₖ dZₖ[l] Aₖ[l-1]ᵀ",
                r"dW^{[l]} = \sum_k dZ_k^{[l]} A_k^{[l-1]T}",
                dW_l=("n[l]", "n[l-1]"),
            ),
        ),
        (
            "chainrule.parallel.mpi.DataParallel.__call__",
            "chainrule.parallel.mpi.Shard.sum_gradients",
        ),
        "each process k back-propagates its columns with the whole batch's m; one sum",
    ),
)
"""Every labelled equation of ``docs/derivation.md``, in the document's order."""

COST_LABELS = {"sigmoid": "C1", "softmax": "C2", "identity": "C3", "exp": "C5"}
"""The cost equation of each output activation."""

DERIVATIVES: dict[str, Formula] = {
    "sigmoid": _f("σ'(Z) = A * (1 - A)", r"\sigma'(Z) = A \odot (1 - A)"),
    "tanh": _f("tanh'(Z) = 1 - A²", r"\tanh'(Z) = 1 - A^{2}"),
    "relu": _f("relu'(Z) = 1 where Z > 0, else 0", r"\mathrm{relu}'(Z) = [Z > 0]"),
    "leaky_relu": _f(
        "leaky_relu'(Z) = 1 where Z > 0, else {slope}",
        r"\mathrm{leaky\_relu}'(Z) = 1 \mathrm{\ if\ } Z > 0 \mathrm{\ else\ } {slope}",
    ),
    "identity": _f("identity'(Z) = 1", r"\mathrm{identity}'(Z) = 1"),
}
"""Each hidden activation's derivative ``g'(Z)``, written with ``A = g(Z)`` (B4's factor),
as :meth:`chainrule.core.activations.Activation.derivative` computes it; ``leaky_relu``'s has
a ``{slope}`` to fill in."""

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
    "exp": (
        "With a = e^z: ∂J/∂a = (a - y) / (m a) and exp'(z) = a, so the factor a cancels and "
        "dZ[L] = (A[L] - Y) / m."
    ),
}
"""Why B1 holds for each output/cost pair (the derivation's argument, in one sentence)."""

_BY_LABEL = {e.label: e for e in EQUATIONS}


def equation(label: str) -> Equation:
    """The equation labelled ``label`` (``"F1"``, ``"B4"``, ...), or a clear error."""
    try:
        return _BY_LABEL[label]
    except KeyError:
        labels = ", ".join(_BY_LABEL)
        raise ConfigurationError(f"no equation {label!r}; the labels are {labels}") from None


def cost_equation(output: str) -> Equation:
    """The cost (C1, C2, C3 or C5) of the output activation ``output``."""
    return equation(COST_LABELS[output])
