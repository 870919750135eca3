"""One learner's run: the data, the network, the optimiser and what the page is shown of them.

A :class:`Session` is what a websocket connection owns. It builds its data set and a
:class:`chainrule.core.Network` from :class:`~chainrule.playground.messages.Settings`, and
:meth:`Session.step` takes one mini-batch update with the core's own forward pass, cost and
backpropagation (eqs. F1 to B4, R1 to R3) and a :mod:`chainrule.train` optimiser (U1 or
another rule). Nothing here computes a gradient of its own: the page is shown the arrays the
core computed, kept from the step (``Z``, ``A``, ``dZ``, ``dW``, ``db``, the parameters before
and after), the gradient check of :mod:`chainrule.core.gradcheck`, a backward pass with one
of :mod:`chainrule.learn.bughunt`'s bugs planted, and :mod:`chainrule.learn.dynamics`'
dead and saturated units.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from chainrule.core.gradcheck import numerical_gradient, relative_error
from chainrule.core.network import Cache, Network
from chainrule.errors import ChainruleError, TrainingDivergedError
from chainrule.learn import bughunt
from chainrule.learn.dynamics import dead_fraction, derivative_measures
from chainrule.learn.explain import explain
from chainrule.playground.datasets import CLASSIFICATION, REGRESSION, features, generate, grid
from chainrule.playground.messages import LIVE, MessageError, Settings, changed
from chainrule.train.optimizers import Optimizer, get_optimizer

UNIT_DENSITY = 50  # each unit's map: 50 x 50 points of the plane
OUTPUT_DENSITY = 100  # the output's map
CHECK_TOLERANCE = bughunt.TOLERANCE  # a correct float64 gradient scores ~1e-10
KINK = 1e-2  # |Z| of a relu unit (or |w| under L1) this close to 0: finite differences may lie
H = 1e-4  # the gradient check's step


def quantised(values: np.ndarray, low: float, high: float) -> str:
    """``values`` clipped to ``[low, high]`` and scaled to bytes 0..255, base64 for JSON."""
    scaled = np.clip((values - low) * (255 / (high - low)), 0, 255)
    return base64.b64encode(np.rint(scaled).astype(np.uint8).tobytes()).decode("ascii")


def rows(M: np.ndarray) -> list[list[float]]:
    """A matrix as JSON rows, full float64 precision (the page rounds for display only)."""
    return np.asarray(M, dtype=float).tolist()


class Session:
    """A playground run of ``settings``: see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.bug: int | None = None
        self.settings = settings
        self.build()

    # ------------------------------------------------------------------ set-up

    def configure(self, settings: Settings) -> bool:
        """Take new settings; returns whether the run started again (``False``: only
        settings a running network takes, such as the learning rate, changed)."""
        difference = changed(self.settings, settings)
        self.settings = settings
        if difference <= LIVE:
            net, s = self.net, settings
            net.l1, net.l2, net.dropout = s.l1, s.l2, s.dropout
            self.optimizer.learning_rate = s.learning_rate
            return False
        self.build()
        return True

    def build(self) -> None:
        """The data, the network and the optimiser of :attr:`settings`, from step 0."""
        s = self.settings
        P, y = generate(s.dataset, s.points, s.noise / 100, s.seed)
        n_train = max(1, min(s.points - 1, round(s.points * s.train_ratio / 100)))
        self.points = {"train": P[:, :n_train], "test": P[:, n_train:]}
        self.targets = {"train": y[None, :n_train], "test": y[None, n_train:]}
        self.X = {part: features(P, s.features) for part, P in self.points.items()}
        regression = s.dataset in REGRESSION
        self.net = Network(
            [len(s.features), *s.hidden, 1],
            list(s.activations),
            "identity" if regression else "sigmoid",
            seed=s.seed,
            dtype="float64",
            l1=s.l1,
            l2=s.l2,
            dropout=s.dropout,
        )
        self.optimizer: Optimizer = get_optimizer(s.optimizer, learning_rate=s.learning_rate)
        self.order_rng = np.random.default_rng(s.seed + 1)
        self.order = self.order_rng.permutation(n_train)
        self.position = 0
        self.steps = 0
        self.epoch = 0
        self.grads = np.zeros_like(self.net.theta)
        self.theta_before = self.net.theta.copy()
        self.theta_frame = self.net.theta.copy()
        self.batch: np.ndarray | None = None
        self.caches: dict[Any, Cache] = {}
        self.grid_X = {
            density: features(grid(density), s.features)
            for density in (UNIT_DENSITY, OUTPUT_DENSITY)
        }

    def cache(self, key: Any, m: int) -> Cache:
        """A reused cache for ``m`` columns, so a step or a map allocates nothing new."""
        if key not in self.caches or self.caches[key].m != m:
            self.caches[key] = Cache(self.net.layer_sizes, m, self.net.dtype)
        return self.caches[key]

    # ------------------------------------------------------------------ training

    def step(self) -> float:
        """One mini-batch update (the next ``batch_size`` examples of this epoch's seeded
        order); returns the batch's cost ``J``."""
        net = self.net
        if self.position >= self.order.size:
            self.order = self.order_rng.permutation(self.order.size)
            self.position = 0
            self.epoch += 1
        columns = self.order[self.position : self.position + self.settings.batch_size]
        self.position += columns.size
        X, Y = self.X["train"][:, columns], self.targets["train"][:, columns]
        m = columns.size
        self.theta_before[...] = net.theta
        # a diverging step overflows; it is caught below, by the cost and parameters it leaves
        with np.errstate(over="ignore", invalid="ignore"):
            cache = net.forward_pass(X, self.cache(("step", m), m), net.dropout_masks(m))
            cache.dA_kept = [None] * (net.L + 1)  # the page shows dA[l] and g'(Z[l]) apart
            J = net.batch_cost(cache, Y)  # C1 or C3, with R1 and R3
            net.batch_gradient(cache, Y, self.grads)  # B1 to B4, R1 to R3
            self.optimizer.step(net.theta, self.grads)  # U1, or the optimiser's rule
        if not (math.isfinite(J) and np.isfinite(net.theta).all()):
            net.theta[...] = self.theta_before
            raise TrainingDivergedError(
                f"training diverged at step {self.steps + 1} (cost {J}); the network keeps its "
                "last finite parameters: lower the learning rate or press reset"
            )
        self.batch, self.batch_cache, self.steps = columns, cache, self.steps + 1
        return J

    # ------------------------------------------------------------------ what the page shows

    def setup(self) -> dict[str, Any]:
        """What changes only when the run starts again: the points, the input maps, the
        network's sizes and its equations (from :mod:`chainrule.core.equations`)."""
        s, net = self.settings, self.net
        explanation = explain(net, self.optimizer, s.batch_size)
        return {
            "type": "setup",
            "settings": s.as_dict(),
            "layer_sizes": list(net.layer_sizes),
            "activations": [g.name for g in net.g[1:]] + [net.output.name],
            "regression": net.output.name == "identity",
            "points": {part: rows(P) for part, P in self.points.items()},
            "targets": {part: Y[0].tolist() for part, Y in self.targets.items()},
            "density": UNIT_DENSITY,
            "output_density": OUTPUT_DENSITY,
            "input_maps": [
                quantised(row, -1, 1)
                for row in self.grid_X[UNIT_DENSITY]
                / np.abs(self.grid_X[UNIT_DENSITY]).max(1)[:, None]
            ],
            "equations": explanation.as_dict(),
        }

    def frame(self) -> dict[str, Any]:
        """The state after the last step: costs, parameters, every unit's map, dynamics."""
        net, L = self.net, self.net.L
        costs, train_Z = {}, None
        for part in ("train", "test"):
            X, Y = self.X[part], self.targets[part]
            cache = net.forward_pass(X, self.cache(part, X.shape[1]))
            costs[part] = net.batch_cost(cache, Y)
            if part == "train":
                train_Z = cache.Z
        regression = net.output.name == "identity"
        units = net.forward_pass(self.grid_X[UNIT_DENSITY], self.cache("units", UNIT_DENSITY**2))
        maps = [[quantised(a, -1, 1) for a in units.A[l]] for l in range(1, L + 1)]
        out = net.forward_pass(self.grid_X[OUTPUT_DENSITY], self.cache("out", OUTPUT_DENSITY**2))
        A_out = out.A[L][0] if regression else 2 * out.A[L][0] - 1  # shown on one -1..1 scale
        dW, _ = net.unflatten(self.grads)
        W_frame, _ = net.unflatten(self.theta_frame)
        dynamics = [
            {
                "l": l,
                "grad_norm": float(np.linalg.norm(dW[l])),
                "update_ratio": float(
                    np.linalg.norm(net.W[l] - W_frame[l]) / max(np.linalg.norm(net.W[l]), 1e-30)
                ),
                "dead_fraction": dead_fraction(net, l, train_Z[l]),
                **derivative_measures(net, l, train_Z[l]),
                "kind": "dead" if l < L and net.g[l].init == "he" else "saturated",
            }
            for l in range(1, L + 1)
        ]
        self.theta_frame[...] = net.theta
        return {
            "type": "frame",
            "step": self.steps,
            "epoch": self.epoch,
            "train_cost": costs["train"],
            "test_cost": costs["test"],
            "W": [rows(net.W[l]) for l in range(1, L + 1)],
            "b": [net.b[l][:, 0].tolist() for l in range(1, L + 1)],
            "maps": maps,
            "output_map": quantised(A_out, -1, 1),
            "dynamics": dynamics,
        }

    def _require_step(self) -> None:
        if self.batch is None:
            raise MessageError("no step taken yet: press step (or play) first")

    def matrices(self) -> dict[str, Any]:
        """The last step's matrices, layer by layer, as the core computed them: ``A[0]``
        (the batch's features), ``Y``, and for each layer ``W``, ``b`` before the step,
        ``Z``, ``A``, (for a hidden layer) ``dA`` and ``g'(Z)`` (``g_prime``), ``dZ``, ``dW``,
        ``db`` and ``W``, ``b`` after the update."""
        self._require_step()
        net, cache = self.net, self.batch_cache
        W0, b0 = net.unflatten(self.theta_before)
        dW, db = net.unflatten(self.grads)
        layers = [
            {
                "l": l,
                "W": rows(W0[l]),
                "b": rows(b0[l]),
                "Z": rows(cache.Z[l]),
                "A": rows(cache.A[l]),
                **(
                    {"dA": rows(cache.dA_kept[l]), "g_prime": rows(cache.G[l])} if l < net.L else {}
                ),
                "dZ": rows(cache.dA[l]),  # the backward pass leaves dZ[l] in dA[l]'s buffer
                "dW": rows(dW[l]),
                "db": rows(db[l]),
                "W_next": rows(net.W[l]),
                "b_next": rows(net.b[l]),
            }
            for l in range(1, net.L + 1)
        ]
        return {
            "type": "matrices",
            "step": self.steps,
            "m": int(self.batch.size),
            "columns": self.batch.tolist(),
            "A0": rows(cache.A[0]),
            "Y": rows(self.targets["train"][:, self.batch]),
            "optimizer": self.optimizer.name,
            "learning_rate": self.optimizer.learning_rate,
            "layers": layers,
        }

    def provenance(self, l: int, j: int, k: int) -> dict[str, Any]:
        """Where ``dW[l]_jk`` of the last step comes from (B2 with R1 and R3):
        ``sum_i dZ[l]_ji A[l-1]_ki + (lambda/m) W[l]_jk + (lambda_1/m) sign(W[l]_jk)``."""
        self._require_step()
        net, cache = self.net, self.batch_cache
        n = net.layer_sizes
        if not 1 <= l <= net.L or j >= n[l] or k >= n[l - 1]:
            raise MessageError(
                f"no weight W[{l}]_{j}{k}: l runs from 1 to {net.L}, j below n[l], k below n[l-1]"
            )
        W0, _ = net.unflatten(self.theta_before)
        dW, _ = net.unflatten(self.grads)
        dZ, A_prev = cache.dA[l][j], cache.A[l - 1][k]
        w, m = float(W0[l][j, k]), cache.m
        terms = dZ * A_prev
        return {
            "type": "provenance",
            "l": l,
            "j": j,
            "k": k,
            "dZ": dZ.tolist(),
            "A_prev": A_prev.tolist(),
            "terms": terms.tolist(),
            "sum": float(terms.sum()),
            "l2_term": net.l2 / m * w,
            "l1_term": net.l1 / m * float(np.sign(w)),
            "dW": float(dW[l][j, k]),
        }

    def gradcheck(self) -> dict[str, Any]:
        """The gradient check on the last batch, per parameter: the backward pass (with the
        planted bug, if any) against four-point finite differences of the cost, on a float64
        copy, the step's dropout masks held fixed. ``kink`` marks a parameter whose check is
        not to be trusted because a relu unit (or, under L1, a weight) sits at its kink."""
        self._require_step()
        net = self.net.copy()
        X = self.X["train"][:, self.batch]
        Y = self.targets["train"][:, self.batch]
        masks = [None if D is None else D.copy() for D in self.batch_cache.D]

        def cost() -> float:
            return net.batch_cost(net.forward_pass(X, masks=masks), Y)

        if self.bug is None:
            grads = net.batch_gradient(
                net.forward_pass(X, masks=masks), Y, np.empty_like(net.theta)
            )
            numeric = numerical_gradient(net.theta, cost, H)
            errors = {
                name: relative_error(part_numeric, part)
                for name, part_numeric, part in zip(
                    net.params, self._parts(net, numeric), self._parts(net, grads), strict=True
                )
            }
        else:
            errors = self._planted(net, X, Y, masks)
        cache = net.forward_pass(X, masks=masks)
        result = {}
        for l in range(1, net.L + 1):
            near_kink = any(
                net.g[q].init == "he" and bool((np.abs(cache.Z[q]) < KINK).any())
                for q in range(max(l - 1, 1), net.L)
            )
            for name in (f"W{l}", f"b{l}"):
                error = errors[name]
                kink = near_kink or (
                    name[0] == "W" and net.l1 > 0 and bool((np.abs(net.W[l]) < KINK).any())
                )
                result[name] = {
                    "error": error,
                    "pass": error <= CHECK_TOLERANCE,
                    "kink": kink and error > CHECK_TOLERANCE,
                }
        return {
            "type": "check",
            "step": self.steps,
            "bug": self.bug,
            "tolerance": CHECK_TOLERANCE,
            "parameters": result,
        }

    @staticmethod
    def _parts(net: Network, flat: np.ndarray) -> list[np.ndarray]:
        """``[dW[1], db[1], dW[2], ...]``: a flat vector's parts, in the order of ``params``."""
        W, b = net.unflatten(flat)
        return [part for l in range(1, net.L + 1) for part in (W[l], b[l])]

    def _planted(
        self, net: Network, X: np.ndarray, Y: np.ndarray, masks: list[Any]
    ) -> dict[str, float]:
        """bughunt's check of its backward pass with :attr:`bug` planted, on this batch and
        the step's dropout masks."""
        if net.l1:
            raise MessageError(
                f"bug {self.bug}: bughunt's backward pass has no L1 term (R3); set L1 to 0"
            )
        try:
            return bughunt.plant(self.bug, bughunt.Ground(net, X, Y, masks)).errors
        except ChainruleError as error:
            raise MessageError(f"bug {self.bug}: {error}") from None

    def plant(self, bug: int | None) -> None:
        """Plant bughunt's bug ``bug`` in the checked backward pass (``None``: remove it)."""
        if bug is not None:
            try:
                bughunt.get_bug(bug)
            except ChainruleError as error:
                raise MessageError(str(error)) from None
            if self.net.l1:
                # bughunt's backward pass has R1 and R2 but not R3: every weight would fail
                raise MessageError(
                    "bughunt's backward pass has no L1 term (R3): set L1 to 0 to plant a bug"
                )
        self.bug = bug


def thumbnails(n: int = 120) -> dict[str, dict[str, Any]]:
    """A small noise-free sample of every data set, for the page's data-set buttons."""
    shown = {}
    for name in (*CLASSIFICATION, *REGRESSION):
        P, y = generate(name, n, 0.0, seed=0)
        shown[name] = {"points": rows(P), "targets": y.tolist(), "regression": name in REGRESSION}
    return shown


def bugs() -> list[dict[str, Any]]:
    """bughunt's bugs, for the page's switch: id, where to look, the equation it breaks."""
    return [
        {"id": b.id, "title": b.hint, "equation": b.equation, "answer": b.answer}
        for b in bughunt.BUGS
    ]
