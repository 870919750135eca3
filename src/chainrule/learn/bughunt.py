"""Planted mistakes in backpropagation, to find with the gradient check: an exercise.

:data:`TRUE_BACKWARD` is the backward pass of ``docs/derivation.md`` written out once more as
a plain NumPy function a learner reads, ``backward(W, Z, A, D, Y, g, g_prime, lam)``, each
line commented with its equation from :data:`chainrule.core.equations.EQUATIONS`. (It is the
one sanctioned second copy of the backward pass; the tests hold it to
:meth:`chainrule.core.Network.batch_gradient`.) Each :class:`Bug` is a real mistake learners
make, planted by replacing one fragment of one line: :func:`backward_source` is the source
with bug N in it (its comments still state the right equation), and :func:`backward_with`
the function that source defines, so what a learner reads is what runs.

Every bug applies to any network with a hidden layer (any activations, output, L2 and
dropout); :func:`plant` checks that a bug changes the given network's gradients, and
:func:`check` compares a backward function's gradients with finite differences of the true
cost, entry by entry (:class:`Verdict`). :func:`check_file` runs a learner's own
``backward`` from a file in a subprocess with a time limit (``chainrule bughunt --check``).

The default hunting ground (:func:`hunting_ground`) is ``[4, 3, 3, 1]`` with tanh hidden
layers, a sigmoid output, L2 (``lambda = 0.1``) and dropout (``p = 0.25``, masks drawn once
and held fixed, so the cost is a function of the parameters alone), in float64, on 6
examples; :func:`ground_of` makes one of any network and data.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.core.activations import Activation
from chainrule.core.equations import equation
from chainrule.core.gradcheck import numerical_gradient, relative_error
from chainrule.core.network import Network
from chainrule.errors import ConfigurationError, DataError

TOLERANCE = 1e-6  # a correct gradient scores ~1e-10 on these networks
STEP = 1e-4
WIDTH = 100  # characters per line of the rendered check
SIGNATURE = ("W", "Z", "A", "D", "Y", "g", "g_prime", "lam")
CHECK_SECONDS = 30.0


def _comment(label: str, part: int = 0) -> str:
    return f"# {label}: {equation(label).parts[part].text}"


TRUE_BACKWARD = f'''def backward(W, Z, A, D, Y, g, g_prime, lam):
    """The gradients (dW, db) of the cost, lists indexed by layer like W (index 0 unused).

    W[l] (n[l], n[l-1]); Z[l], A[l] (n[l], m), A[0] = X; D[l] the dropout mask of hidden
    layer l or None; g[l] and g_prime[l] layer l's activation and its derivative, functions
    of Z[l]; lam the L2 strength lambda.
    """
    L = len(W) - 1
    m = Y.shape[1]
    dW = [None] * (L + 1)
    db = [None] * (L + 1)
    dZ = (A[L] - Y) / m  {_comment("B1")}
    for l in range(L, 0, -1):
        dW[l] = dZ @ A[l - 1].T  {_comment("B2")}
        dW[l] = dW[l] + (lam / m) * W[l]  {_comment("R1", 1)}
        db[l] = dZ.sum(axis=1, keepdims=True)  {_comment("B3")}
        if l > 1:
            dA = W[l].T @ dZ  {_comment("B4")}
            if D[l - 1] is not None:
                dA = dA * D[l - 1]  {_comment("R2", 1).replace("[l]", "[l-1]")}
            dZ = dA * g_prime[l - 1](Z[l - 1])  {_comment("B4", 1)}
    return dW, db
'''
"""The one true backward pass, as a learner would write it; every mutant is made from it."""


@dataclass(frozen=True)
class Bug:
    """A mistake: replace ``old`` by ``new`` in :data:`TRUE_BACKWARD`.

    ``hint`` says where to look (an equation and a line) without saying what is wrong;
    ``answer`` explains the mistake; ``equation`` is the label of the line it breaks.
    """

    id: int
    hint: str
    answer: str
    equation: str
    old: str
    new: str


BUGS = (
    Bug(
        1,
        "look at B1, the gradient of the cost with respect to Z[L]",
        "a sign error in dZ[L] = (A[L] - Y) / m, written (Y - A[L]) / m (the seed tutorial "
        "has a sign error in the same place): every gradient has the wrong sign, so the "
        "ratio backprop / finite differences is -1 everywhere, and descent climbs",
        "B1",
        "dZ = (A[L] - Y) / m",
        "dZ = (Y - A[L]) / m",
    ),
    Bug(
        2,
        "look at B2, the weight gradient",
        "a missing transpose patched with reshape: dW[l] = (A[l-1] dZ[l]ᵀ) reshaped to the "
        "shape of W[l]; A[l-1] dZ[l]ᵀ is dW[l]ᵀ, and reshape is not transpose, so the entries "
        "of dW are right but in the wrong places (the same numbers, scrambled)",
        "B2",
        "dW[l] = dZ @ A[l - 1].T",
        "dW[l] = (A[l - 1] @ dZ.T).reshape(W[l].shape)",
    ),
    Bug(
        3,
        "look at B1, the size of the gradient the backward pass starts from",
        "the missing 1/m: dZ[L] = A[L] - Y is the gradient of the sum of the losses, not of "
        "their average: every gradient of the data term is m times too large (the ratio is m, "
        "except where the L2 term adds its own part)",
        "B1",
        "dZ = (A[L] - Y) / m",
        "dZ = A[L] - Y",
    ),
    Bug(
        4,
        "look at B3, the bias gradient",
        "db without the sum over examples: db[l] takes the first example's column of dZ[l] "
        "instead of sum_i dZ[l]; only the biases are wrong",
        "B3",
        "db[l] = dZ.sum(axis=1, keepdims=True)",
        "db[l] = dZ[:, :1]",
    ),
    Bug(
        5,
        "look at the second line of B4, the factor that takes dA back through the activation",
        "the activation itself used for its derivative: dZ[l-1] = dA[l-1] * g(Z[l-1]) "
        "instead of * g'(Z[l-1]); the last layer's gradients are right, every layer below "
        "it is wrong",
        "B4",
        "dA * g_prime[l - 1](Z[l - 1])",
        "dA * g[l - 1](Z[l - 1])",
    ),
    Bug(
        6,
        "look at B3 again: what does the bias gradient add up?",
        "1/m twice: db[l] = mean_i dZ[l] instead of sum_i dZ[l], and dZ[l] already carries "
        "the 1/m of B1; the biases' gradients are m times too small (the ratio is 1/m)",
        "B3",
        "db[l] = dZ.sum(axis=1, keepdims=True)",
        "db[l] = dZ.mean(axis=1, keepdims=True)",
    ),
    Bug(
        7,
        "look at the second line of B4, on the way from dA[l-1] to dZ[l-1]",
        "the activation's derivative forgotten: dZ[l-1] = dA[l-1] instead of "
        "dA[l-1] * g'(Z[l-1]), as if every hidden layer were linear",
        "B4",
        "dZ = dA * g_prime[l - 1](Z[l - 1])",
        "dZ = dA",
    ),
)


def get_bug(bug_id: int) -> Bug:
    """Bug ``bug_id`` (1 to ``len(BUGS)``), or a clear error."""
    for bug in BUGS:
        if bug.id == bug_id:
            return bug
    raise ConfigurationError(f"no bug {bug_id}; the bugs are 1 to {len(BUGS)} (--list)")


def backward_source(bug: int | None = None) -> str:
    """The source of ``backward`` with bug ``bug`` planted (``None``: the true one)."""
    if bug is None:
        return TRUE_BACKWARD
    planted = get_bug(bug)
    return TRUE_BACKWARD.replace(planted.old, planted.new, 1)


def backward_with(bug: int | None = None) -> Callable[..., tuple[list, list]]:
    """The function :func:`backward_source` defines, run as it reads."""
    namespace: dict[str, Any] = {}
    exec(compile(backward_source(bug), f"<backward with bug {bug}>", "exec"), namespace)
    return namespace["backward"]


@dataclass
class Ground:
    """A network, its data ``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)`` and fixed dropout masks
    (``None`` without dropout), in float64."""

    net: Network
    X: np.ndarray
    Y: np.ndarray
    masks: list | None

    def describe(self) -> str:
        """One line: layers, activations, L2, dropout and m."""
        net = self.net
        names = [g.name for g in net.g[1:]] + [net.output.name]
        return (
            f"network {'-'.join(map(str, net.layer_sizes))} ({', '.join(names)}), "
            f"L2 λ = {net.l2:g}, dropout p = {net.dropout:g} (masks fixed), "
            f"m = {self.X.shape[1]} examples, float64"
        )

    def arguments(self) -> tuple:
        """``(W, Z, A, D, Y, g, g_prime, lam)`` for a ``backward`` function, after a forward
        pass with the fixed masks."""
        net = self.net
        cache = net.forward_pass(self.X, masks=self.masks)
        Z = [None] + [z.copy() for z in cache.Z[1:]]
        A = [self.X.copy()] + [a.copy() for a in cache.A[1:]]
        D = list(cache.D)
        g: list[Any] = [None] + [layer.value for layer in net.g[1:]]
        g_prime: list[Any] = [None] + [partial(_derivative, layer) for layer in net.g[1:]]
        W = [None] + [w.copy() for w in net.W[1:]]
        return W, Z, A, D, self.Y.copy(), g, g_prime, net.l2


def _derivative(g: Activation, Z: np.ndarray) -> np.ndarray:
    """``g'(Z)`` as a function of ``Z`` alone."""
    return g.derivative(Z, g.value(Z))


def ground_of(net: Network, X: Any, Y: Any, seed: int = 0) -> Ground:
    """A hunting ground of a float64 copy of ``net`` on ``X``, ``Y``: its dropout masks,
    if it has dropout, drawn once from ``seed``."""
    net = net.copy(dtype="float64")
    net.rng = np.random.default_rng(seed)
    X, Y, _ = net.check_data(X, Y)
    return Ground(net, X, Y, net.dropout_masks(X.shape[1]))


def hunting_ground(seed: int = 0, m: int = 6) -> Ground:
    """The default network (see the module's docstring) on ``m`` examples (6 unless asked),
    both labels among them."""
    net = Network([4, 3, 3, 1], "tanh", "sigmoid", seed=seed, dtype="float64", l2=0.1, dropout=0.25)
    rng = np.random.default_rng([seed, 1])
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.5, size=net.b[l].shape)
    X = rng.normal(size=(4, m))
    Y = rng.permutation(np.arange(m) % 2).astype(float).reshape(1, m)
    masks = net.dropout_masks(m)
    for l in (1, 2):  # keep at least one unit of every example, so each layer is in play
        masks[l][0] = 1 / 0.75
    return Ground(net, X, Y, masks)


@dataclass
class Verdict:
    """A gradient check of one backward function: per parameter (``"W1"``, ``"b1"``, ...)
    the relative error and the backprop and finite-difference matrices."""

    bug: int | None
    errors: dict[str, float]
    backprop: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray]

    @property
    def failing(self) -> list[str]:
        """The parameters whose relative error exceeds ``TOLERANCE``."""
        return [name for name, error in self.errors.items() if error > TOLERANCE]

    def ratio(self, name: str) -> np.ndarray:
        """Backprop / finite differences entry by entry (``nan`` where both are ~0)."""
        numeric, backprop = self.numeric[name], self.backprop[name]
        tiny = np.abs(numeric) < 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(tiny & (np.abs(backprop) < 1e-12), np.nan, backprop / numeric)

    def as_dict(self) -> dict[str, Any]:
        return {
            "bug": self.bug,
            "errors": self.errors,
            "failing": self.failing,
            "backprop": {k: v.tolist() for k, v in self.backprop.items()},
            "numeric": {k: v.tolist() for k, v in self.numeric.items()},
        }

    def render(self) -> str:
        """The check as text: every parameter's error, then each failing parameter's
        backprop and finite-difference matrices and their ratio."""
        lines = []
        for name, error in self.errors.items():
            mark = "FAIL" if name in self.failing else "pass"
            lines.append(f"  {name:<4} relative error {error:.1e}  {mark}")
        for name in self.failing:
            matrices = (self.backprop[name], self.numeric[name], self.ratio(name))
            if 3 * 11 * matrices[0].shape[1] + 8 <= WIDTH:
                lines += ["", f"{name}: backprop | finite differences | ratio backprop / FD"]
                for row in zip(*matrices, strict=True):
                    cells = ("".join(f" {_cell(v):>10}" for v in part) for part in row)
                    lines.append("   |".join(cells))
                continue
            for title, M in zip(("backprop", "finite differences", "ratio backprop / FD"),
                                matrices, strict=True):  # fmt: skip
                lines += ["", f"{name}: {title}"]
                lines += ["".join(f" {_cell(v):>10}" for v in row) for row in M]
        return "\n".join(lines)


def _cell(value: float) -> str:
    return "—" if np.isnan(value) else f"{value + 0.0:.4g}"


def check(backward: Callable[..., Any], ground: Ground, bug: int | None = None) -> Verdict:
    """Gradient-check ``backward`` (called as ``backward(*ground.arguments())``, returning
    ``(dW, db)``) against four-point finite differences of the true cost on ``ground``."""
    net = ground.net
    dW, db = backward(*ground.arguments())
    backprop = {}
    for l in range(1, net.L + 1):
        for name, value, want in ((f"W{l}", dW[l], net.W[l]), (f"b{l}", db[l], net.b[l])):
            value = np.asarray(value, dtype=np.float64)
            if value.shape != want.shape:
                raise DataError(
                    f"backward returned d{name} of shape {value.shape}; it must be {want.shape}"
                )
            backprop[name] = value

    def cost() -> float:
        return net.batch_cost(net.forward_pass(ground.X, masks=ground.masks), ground.Y)

    W, b = net.unflatten(numerical_gradient(net.theta, cost, STEP))
    numeric = {f"{s}{l}": p[l] for l in range(1, net.L + 1) for s, p in (("W", W), ("b", b))}
    errors = {name: relative_error(numeric[name], backprop[name]) for name in net.params}
    return Verdict(bug, errors, backprop, numeric)


def plant(bug: int, ground: Ground) -> Verdict:
    """The gradient check of the backward pass with ``bug`` planted, on ``ground``; a
    :class:`~chainrule.errors.ConfigurationError` if that bug cannot show in this network
    (a network without hidden layers has no B4; a linear layer has ``g' = 1``; a weight
    vector reshapes like its transpose)."""
    found = get_bug(bug)
    if ground.net.L < 2:
        raise ConfigurationError("plant a bug in a network with at least one hidden layer")
    verdict = check(backward_with(bug), ground, bug)
    if not verdict.failing:
        raise ConfigurationError(
            f"bug {bug} ({found.equation}) changes no gradient of {ground.describe()}; "
            "choose another bug or network"
        )
    return verdict


def hunt(bug: int | None = None, seed: int = 0, m: int = 6) -> Verdict:
    """The check on the default ground of ``m`` examples with ``bug`` planted (``None``:
    the true pass). At ``m = 1`` bugs 4 and 6 change nothing: they are bugs for ``m >= 2``."""
    ground = hunting_ground(seed, m)
    if bug is None:
        return check(backward_with(None), ground)
    return plant(bug, ground)


def check_file(path: str | Path, seconds: float = CHECK_SECONDS, seed: int = 0) -> Verdict:
    """Run the ``backward`` a learner wrote in ``path`` (the signature of
    :data:`TRUE_BACKWARD`) on the default ground, in a subprocess stopped after ``seconds``;
    a :class:`~chainrule.errors.DataError` names a missing file, a missing function, a wrong
    signature, an exception, a wrong shape or the time limit."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    command = [sys.executable, "-m", "chainrule.learn.bughunt", str(path.resolve()), str(seed)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise DataError(f"{path}: backward did not finish within {seconds:g} s") from None
    result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    if "error" in result or done.returncode != 0:
        problem = result.get("error") or done.stderr.strip().splitlines()[-1:]
        raise DataError(f"{path}: {problem}")
    return Verdict(
        None,
        result["errors"],
        {k: np.array(v) for k, v in result["backprop"].items()},
        {k: np.array(v) for k, v in result["numeric"].items()},
    )


def _run_file(path: str, seed: int) -> dict[str, Any]:
    """In the subprocess: load ``path``, check its ``backward``, return the verdict as data."""
    namespace: dict[str, Any] = {"__name__": "backward_file"}
    try:
        code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
        exec(code, namespace)
    except Exception as exc:  # the learner's file: any error is reported, not raised
        return {"error": f"the file does not run: {type(exc).__name__}: {exc}"}
    wanted = f"backward({', '.join(SIGNATURE)})"
    backward = namespace.get("backward")
    if not callable(backward):
        return {"error": f"the file does not define a function {wanted}"}
    try:
        names = tuple(inspect.signature(backward).parameters)
    except (TypeError, ValueError):
        names = ()
    if len(names) != len(SIGNATURE):
        return {"error": f"backward takes ({', '.join(names)}); it must be {wanted}"}
    try:
        verdict = check(backward, hunting_ground(seed))
    except DataError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # the learner's code
        return {"error": f"backward raised {type(exc).__name__}: {exc}"}
    return verdict.as_dict()


if __name__ == "__main__":
    print(json.dumps(_run_file(sys.argv[1], int(sys.argv[2]))))
