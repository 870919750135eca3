"""The fully connected network: parameters, forward propagation and backpropagation.

Notation is the seed's (see ``docs/derivation.md``): layers ``l = 1..L``, ``n[l]`` units in
layer ``l``, ``n[0]`` input features, ``m`` examples stored as columns.

* ``W[l]``: ``(n[l], n[l-1])``, ``b[l]``: ``(n[l], 1)``
* ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``, ``A[0] = X``: all ``(n[l], m)``

All parameters live in one flat vector ``theta`` (W[1], b[1], W[2], b[2], ... in C order);
``W[l]`` and ``b[l]`` are views into it, and the gradients share the same layout. An
optimiser therefore updates every parameter with one vectorised expression, and a model file
or a gradient message is a single array.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chainrule.core.activations import Activation, LeakyReLU, get_activation
from chainrule.core.arrays import NUMPY, describe, host, is_foreign_array, namespace_of
from chainrule.core.initializers import initial_weights
from chainrule.core.outputs import Output, get_output
from chainrule.core.threads import in_row_blocks
from chainrule.core.validation import (
    as_examples,
    as_numeric_array,
    as_targets,
    as_weights,
    check_dtype,
    check_finite,
    check_fraction,
    check_layer_sizes,
    check_memory,
    check_positive,
    check_seed,
)
from chainrule.errors import ConfigurationError, DataError, plural


def times_derivative(
    g: Activation, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, G: np.ndarray
) -> None:
    """``dA <- dA * g'(Z)``, the elementwise half of eq. B4; ``G`` holds ``g'(Z)``."""
    namespace_of(dA).multiply(dA, g.derivative(Z, A, out=G), out=dA)


def dense_product(A: Any, B: Any, out: Any) -> Any:
    """``out = A B`` for arrays of the core's namespace: the product F1 and B2 take with the
    input ``A[0]``."""
    return namespace_of(out).matmul(A, B, out=out)


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """Number of parameters of a network with these sizes: ``sum_l n[l] (n[l-1] + 1)``."""
    n = layer_sizes
    return sum(n[l] * (n[l - 1] + 1) for l in range(1, len(n)))


class Cache:
    """The arrays of one forward and backward pass over ``m`` examples, indexed by layer.

    Forward propagation fills ``A[0] = X`` and, for ``l = 1..L``, ``Z[l]`` and ``A[l]``
    (eqs. F1 to F3); ``D[l]`` is the scaled dropout mask applied to a hidden ``A[l]`` in
    training (``None`` without dropout). Backpropagation writes ``dA[l]`` (then, in place,
    ``dZ[l]``) and uses ``G[l]`` for ``g'(Z[l])``; ``dZ[L]`` is ``dA[L]``. All are
    ``(n[l], m)``, allocated here once and reused by every step on a batch of this size (the
    trainer keeps one cache per batch size). What a step still allocates: the dropout masks
    it draws, and a shuffled batch's gathered columns of ``X`` and ``Y``.

    ``input_product(A, B, out)`` computes the two products that involve the input ``A[0]``,
    ``W[1] A[0]`` (F1) and ``dZ[1] A[0]^T`` (B2): NumPy's ``matmul`` by default. An input
    that is not a NumPy array (a scipy.sparse matrix, in :mod:`chainrule.sklearn.sparse`)
    brings its own, so the core never needs to know its type.

    ``dA_kept``, when set to a list ``[None] * (L + 1)`` (as
    :func:`chainrule.learn.trace.trace_step` does), receives a copy of each hidden ``dA[l]``
    before B4's product overwrites it, so that a trace can show ``dA[l]`` and ``g'(Z[l])``
    (left in ``G[l]``) apart.

    ``xp`` is the namespace the arrays are allocated in (:mod:`chainrule.core.arrays`).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        m: int,
        dtype: np.dtype,
        input_product: Callable[[Any, Any, Any], Any] = dense_product,
        xp: Any = NUMPY,
    ) -> None:
        self.m = m
        self.input_product = input_product
        self.xp = xp
        self.layer_sizes = n = tuple(layer_sizes)
        layers = range(1, len(n))
        check_memory(
            4 * sum(n[1:]) * m * np.dtype(dtype).itemsize,
            f"a forward and backward pass of layer sizes {list(n)} over {plural(m, 'example')}",
        )
        self.Z: list[Any] = [None] + [xp.empty((n[l], m), dtype) for l in layers]
        self.A: list[Any] = [None] + [xp.empty((n[l], m), dtype) for l in layers]
        self.D: list[Any] = [None] * len(n)
        self.dA: list[Any] = [None] + [xp.empty((n[l], m), dtype) for l in layers]
        self.G: list[Any] = [None] + [xp.empty((n[l], m), dtype) for l in layers[:-1]]
        self.gradient_views: tuple[np.ndarray, tuple, tuple] | None = None
        self.dA_kept: list[Any] | None = None


class Network:
    """A fully connected network trained by backpropagation.

    Parameters
    ----------
    layer_sizes:
        ``[n[0], n[1], ..., n[L]]``: input features, hidden units per layer, output units.
        ``[30, 16, 1]`` is the seed's two-layer network on 30 features.
    hidden_activation:
        ``g[1..L-1]``: one name for every hidden layer, or a list with one name per hidden
        layer. One of ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``identity``.
    output_activation:
        ``g[L]`` and with it the cost: ``sigmoid`` (binary cross-entropy), ``softmax``
        (categorical cross-entropy), ``identity`` (squared error) or ``exp`` (Poisson
        deviance, for counts).
    seed:
        Seeds the initial weights and, through the same generator, shuffling in training.
    dtype:
        ``"float32"`` (default) or ``"float64"``.
    leaky_slope:
        Slope of ``leaky_relu`` for ``z < 0``; readable and settable as ``net.leaky_slope``.
    l2:
        L2 penalty strength ``lambda``: adds ``lambda / (2m) sum_l ||W[l]||^2`` to the cost
        and ``(lambda / m) W[l]`` to ``dW[l]`` (eq. R1). Biases are not penalised.
    l1:
        L1 penalty strength ``lambda_1``: adds ``lambda_1 / m sum_l sum_jk |W[l]_jk|`` to the
        cost and ``(lambda_1 / m) sign(W[l])`` to ``dW[l]`` (eq. R3). Biases are not penalised.
    dropout:
        Probability ``p`` of zeroing each hidden unit during training (inverted dropout: the
        kept units are scaled by ``1 / (1 - p)``); never applied at prediction.
    init:
        ``"auto"``: He for relu-family hidden layers, Glorot for the others and the output
        layer; ``"he"`` or ``"glorot"``: that scheme for every layer.

    Attributes
    ----------
    W, b:
        Tuples indexed like the math: ``W[l]`` and ``b[l]`` for ``l = 1..L``; index 0 is
        ``None`` because layer 0 is the input. They are views into ``theta``.
    theta:
        All parameters as one flat vector of length ``n_params``.
    xp:
        The namespace the parameters live in (:mod:`chainrule.core.arrays`): NumPy unless
        :meth:`to` (or training on another library's arrays) moved them.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        hidden_activation: str | Sequence[str] = "relu",
        output_activation: str = "sigmoid",
        *,
        seed: int | None = None,
        dtype: str | np.dtype = "float32",
        leaky_slope: float = 0.01,
        l2: float = 0.0,
        dropout: float = 0.0,
        init: str = "auto",
        l1: float = 0.0,
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        self.L = len(self.layer_sizes) - 1  # layers with parameters; the input is layer 0
        self.dtype = check_dtype(dtype)
        self.l2 = check_positive("l2", l2, allow_zero=True)
        self.l1 = check_positive("l1", l1, allow_zero=True)
        self.dropout = check_fraction("dropout", dropout)
        self.output: Output = get_output(output_activation)
        self.seed = check_seed("seed", seed)
        self.rng = np.random.default_rng(self.seed)
        leaky_slope = check_finite("leaky_slope", leaky_slope)
        n = self.layer_sizes
        largest_W = max(n[l] * n[l - 1] for l in range(1, self.L + 1))
        check_memory(  # its parameters, their gradient, and the float64 draw of one W[l]
            2 * self.n_params * self.dtype.itemsize + 8 * largest_W,
            f"a network of layer sizes {list(n)}",
        )

        names = self._hidden_activation_names(hidden_activation)
        self.hidden_activation = hidden_activation
        self.g: tuple[Activation | None, ...] = (None,) + tuple(
            get_activation(name, leaky_slope) for name in names
        )
        self._leaky_slope = float(leaky_slope)

        self.xp = NUMPY  # the initial weights are always drawn on the host, by NumPy
        self.theta = np.zeros(self.n_params, dtype=self.dtype)
        self.W, self.b = self.unflatten(self.theta)
        self.init = init
        for l in range(1, self.L + 1):
            if init != "auto":
                scheme = init
            else:
                scheme = self.g[l].init if l < self.L else "glorot"
            self.W[l][...] = initial_weights(scheme, *self.W[l].shape, self.rng)

    # ------------------------------------------------------------------ structure

    @property
    def n_params(self) -> int:
        """Total number of parameters, ``sum_l n[l] (n[l-1] + 1)``."""
        return parameter_count(self.layer_sizes)

    @property
    def output_activation(self) -> str:
        return self.output.name

    @property
    def leaky_slope(self) -> float:
        """Slope of ``leaky_relu`` for negative inputs (used by every leaky_relu layer)."""
        return self._leaky_slope

    @leaky_slope.setter
    def leaky_slope(self, slope: float) -> None:
        self._leaky_slope = check_finite("leaky_slope", slope)
        for g in self.g[1:]:
            if isinstance(g, LeakyReLU):
                g.slope = self._leaky_slope

    @property
    def params(self) -> dict[str, np.ndarray]:
        """``{"W1": W[1], "b1": b[1], ...}``: views, so writing into them changes the network."""
        return self._named(self.W, self.b, "W", "b")

    def unflatten(self, flat: np.ndarray) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """Views ``(W, b)`` into a flat vector laid out like ``theta`` (index 0 is ``None``)."""
        W: list[np.ndarray | None] = [None]
        b: list[np.ndarray | None] = [None]
        xp, offset = namespace_of(flat), 0
        n = self.layer_sizes
        for l in range(1, self.L + 1):
            for shape, target in (((n[l], n[l - 1]), W), ((n[l], 1), b)):
                size = shape[0] * shape[1]
                target.append(xp.reshape(flat[offset : offset + size], shape))
                offset += size
        return tuple(W), tuple(b)

    def _named(self, W: tuple, b: tuple, w_name: str, b_name: str) -> dict[str, np.ndarray]:
        named = {}
        for l in range(1, self.L + 1):
            named[f"{w_name}{l}"] = W[l]
            named[f"{b_name}{l}"] = b[l]
        return named

    def __getstate__(self) -> dict[str, Any]:
        # W and b are views of theta; pickle theta alone, as a host NumPy array, and rebuild
        # the views on load (a network pickled on another namespace unpickles on NumPy).
        state = self.__dict__.copy()
        del state["W"], state["b"], state["xp"]
        state["theta"] = self.host_theta()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.xp = NUMPY
        self.W, self.b = self.unflatten(self.theta)

    def to(self, like: Any) -> Network:
        """Move the parameters into the namespace and onto the device of the array ``like``
        (a torch tensor on ``cuda``, a NumPy array, or :data:`chainrule.core.arrays.NUMPY`):
        ``theta`` becomes a copy there, with
        ``W[l]`` and ``b[l]`` views of it again. Returns the network; a no-op where the
        parameters already are. Training on another library's arrays does this itself."""
        xp = NUMPY if like is NUMPY else namespace_of(like)
        if xp is not self.xp:
            theta = self.host_theta()
            self.theta = theta if xp is NUMPY else xp.asarray(theta, self.dtype)
            self.xp = xp
            self.W, self.b = self.unflatten(self.theta)
        return self

    def host_theta(self) -> np.ndarray:
        """``theta`` as a NumPy array on the host (itself on NumPy, a copy elsewhere)."""
        return host(self.theta)

    def _hidden_activation_names(self, hidden_activation: str | Sequence[str]) -> list[str]:
        n_hidden = self.L - 1
        if isinstance(hidden_activation, str):
            get_activation(hidden_activation)  # a misspelt name is an error even if unused
            return [hidden_activation] * n_hidden
        if not isinstance(hidden_activation, Sequence):
            raise ConfigurationError(
                "hidden_activation must be an activation name or a list of names (one per "
                f"hidden layer), got {hidden_activation!r}"
            )
        names = list(hidden_activation)
        if len(names) != n_hidden:
            raise ConfigurationError(
                f"hidden_activation lists {plural(len(names), 'name')} but the network has "
                f"{plural(n_hidden, 'hidden layer')}"
            )
        return names

    # ------------------------------------------------------------------ the math

    def dropout_masks(self, m: int) -> list[np.ndarray | None] | None:
        """Fresh inverted-dropout masks ``D[l]`` ``(n[l], m)`` for the hidden layers (eq. R2).

        Each entry is 0 with probability ``p`` and ``1 / (1 - p)`` otherwise, so
        ``E[D[l]] = 1``; drawn from the network's generator, layer by layer. ``None`` without
        dropout. Indexed like the layers: entries 0 and ``L`` are ``None``.
        """
        if not self.dropout:
            return None
        keep = 1.0 - self.dropout
        scale = self.dtype.type(1.0 / keep)
        n, xp = self.layer_sizes, self.xp
        # drawn on the host from the network's generator, so that every namespace trains
        # with the same masks for the same seed
        hidden = [
            (self.rng.random((n[l], m), dtype=self.dtype) < keep) * scale for l in range(1, self.L)
        ]
        return [None, *(hidden if xp is NUMPY else [xp.asarray(D) for D in hidden]), None]

    def forward_pass(
        self, X: np.ndarray, cache: Cache | None = None, masks: list[Any] | None = None
    ) -> Cache:
        """Forward propagation on trusted ``X`` ``(n[0], m)``, keeping what backpropagation needs.

        For ``l = 1..L``: ``Z[l] = W[l] A[l-1] + b[l]`` (eq. F1) and ``A[l] = g[l](Z[l])``
        (eqs. F2, F3). With ``masks`` (from :meth:`dropout_masks`, in training), each hidden
        ``A[l]`` is multiplied by ``D[l]`` (eq. R2). Results go into ``cache`` (a new one if
        not given).
        """
        xp = self.xp
        cache = cache or Cache(self.layer_sizes, X.shape[1], self.dtype, xp=xp)
        Z, A = cache.Z, cache.A
        D = cache.D = masks or [None] * (self.L + 1)
        A[0] = X
        for l in range(1, self.L + 1):
            product = cache.input_product if l == 1 else xp.matmul
            product(self.W[l], A[l - 1], out=Z[l])  # F1: Z[l] = W[l] A[l-1] + b[l]
            Z[l] += self.b[l]
            if l == self.L:
                self.output.activation(Z[l], out=A[l])  # F3: A[L] = g[L](Z[L])
                break
            in_row_blocks(self.g[l].value, Z[l], A[l])  # F2: A[l] = g[l](Z[l])
            if D[l] is not None:
                A[l] *= D[l]  # R2: A[l] = A[l] * D[l]
        return cache

    def batch_cost(self, cache: Cache, Y: Any, weights: Any = None) -> Any:
        """``J`` after :meth:`forward_pass`: the output's cost (C1 to C4) plus the L2 term (R1)
        and the L1 term (R3). A float on NumPy; off NumPy a 0-d array, left on the device."""
        J = self.output.cost(cache.Z[self.L], Y, weights)  # C1 to C4
        m = cache.m if weights is None else self.xp.sum(weights)
        if self.l2:
            J += self.l2_cost(m)
        if self.l1:
            J += self.l1_cost(m)
        return self.xp.number(J)

    def batch_gradient(
        self, cache: Cache, Y: np.ndarray, grads: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """The gradient of :meth:`batch_cost`, written into the flat ``grads`` (laid out like
        ``theta``): the fused ``dZ[L]`` (B1), :meth:`backward_pass` (B2 to B4), then R1, R3."""
        dZ = self.output.dZ(cache.A[self.L], Y, weights, out=cache.dA[self.L])  # B1
        self.backward_pass(cache, dZ, grads)
        m = cache.m if weights is None else self.xp.sum(weights)
        if self.l2:
            dW, _ = self.gradient_views(cache, grads)
            self.add_l2_gradient(dW, m)
        if self.l1:
            dW, _ = self.gradient_views(cache, grads)
            self.add_l1_gradient(dW, m)
        return grads

    def backward_pass(self, cache: Cache, dZ: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """Backpropagation from ``dZ[L]`` ``(n[L], m)``, written into the flat ``grads``.

        For ``l = L..1``: ``dW[l] = dZ[l] A[l-1]^T`` (B2), ``db[l] = sum_i dZ[l]`` (B3), and,
        except for the first layer, ``dA[l-1] = W[l]^T dZ[l]`` and
        ``dZ[l-1] = dA[l-1] * g'(Z[l-1])`` (B4). Dropout masks ``dA[l-1]`` like ``A[l-1]`` (R2).
        """
        Z, A, D, dA, G = cache.Z, cache.A, cache.D, cache.dA, cache.G
        dW, db = self.gradient_views(cache, grads)
        xp = self.xp
        for l in range(self.L, 0, -1):
            product = cache.input_product if l == 1 else xp.matmul
            product(dZ, A[l - 1].T, out=dW[l])  # B2: dW[l] = dZ[l] A[l-1]^T
            xp.sum(dZ, axis=1, keepdims=True, out=db[l])  # B3: db[l] = sum_i dZ[l]
            if l > 1:
                dA_prev = xp.matmul(self.W[l].T, dZ, out=dA[l - 1])  # B4: dA[l-1] = W[l]^T dZ[l]
                g, A_prev = self.g[l - 1], A[l - 1]
                if D[l - 1] is not None:
                    dA_prev *= D[l - 1]  # R2: dA[l-1] = dA[l-1] * D[l-1]
                    # A[l-1] holds the masked activation; g' needs g(Z) itself
                    A_prev = g.value(Z[l - 1])
                if cache.dA_kept is not None:
                    cache.dA_kept[l - 1] = xp.copy(dA_prev)
                # B4: dZ[l-1] = dA[l-1] * g'(Z[l-1]), in place
                in_row_blocks(partial(times_derivative, g), dA_prev, Z[l - 1], A_prev, G[l - 1])
                dZ = dA_prev
        return grads

    def l2_cost(self, m: Any) -> Any:
        """R1's cost term ``lambda / (2m) sum_l ||W[l]||^2`` (``m``: examples or total weight)."""
        xp = self.xp
        return self.l2 / (2 * m) * sum(xp.number(xp.sum(W * W)) for W in self.W[1:])  # R1

    def add_l2_gradient(self, dW: tuple[Any, ...], m: float) -> None:
        """R1's gradient term: ``dW[l] += (lambda / m) W[l]`` for every layer, in place."""
        for l in range(1, self.L + 1):
            dW[l][...] += (self.l2 / m) * self.W[l]  # R1

    def l1_cost(self, m: Any) -> Any:
        """R3's cost term ``lambda_1 / m sum_l sum_jk |W[l]_jk|`` (``m`` as in :meth:`l2_cost`)."""
        xp = self.xp
        return self.l1 / m * sum(xp.number(xp.sum(xp.abs(W))) for W in self.W[1:])  # R3

    def add_l1_gradient(self, dW: tuple[Any, ...], m: float) -> None:
        """R3's gradient term: ``dW[l] += (lambda_1 / m) sign(W[l])`` (0 where ``W = 0``)."""
        for l in range(1, self.L + 1):
            dW[l][...] += (self.l1 / m) * self.xp.sign(self.W[l])  # R3

    def gradient_views(self, cache: Cache, grads: np.ndarray) -> tuple[tuple, tuple]:
        """``(dW, db)``: views of the flat ``grads`` indexed like ``W`` and ``b``, kept in
        ``cache`` so that every step on the same buffers reuses them."""
        if cache.gradient_views is None or cache.gradient_views[0] is not grads:
            cache.gradient_views = (grads, *self.unflatten(grads))
        return cache.gradient_views[1], cache.gradient_views[2]

    # ------------------------------------------------------------------ public API

    def check_namespace(self, *arrays: Any) -> None:
        """Refuse arrays that do not live where the parameters do: one clear
        :class:`~chainrule.errors.DataError`, never a silent copy between devices."""
        xp = namespace_of(*arrays)
        if xp is not self.xp:
            given = next(x for x in arrays if x is not None and namespace_of(x) is xp)
            raise DataError(
                f"the network's parameters are {describe(self.theta)} but the data are "
                f"{describe(given)}: train on the data (training moves the parameters to "
                "them), move the network with net.to(X), or convert the data"
            )

    def forward(self, X: Any) -> np.ndarray:
        """``A[L]`` for the examples ``X`` of shape ``(n[0], m)``; result ``(n[L], m)``."""
        self.check_namespace(X)
        X = as_examples(X, self.layer_sizes[0], self.dtype)
        return self.forward_pass(X).A[self.L]

    def cost(self, X: Any, Y: Any, sample_weight: Any = None) -> float:
        """The cost ``J`` of the network on ``X`` ``(n[0], m)`` with targets ``Y`` ``(n[L], m)``.

        ``sample_weight`` (``(m,)``, optional) turns the average over examples into a weighted
        average. Dropout is never applied here, so the cost is deterministic.
        """
        X, Y, w = self.check_data(X, Y, sample_weight)
        return float(self.batch_cost(self.forward_pass(X), Y, w))

    def gradients(self, X: Any, Y: Any, sample_weight: Any = None) -> dict[str, np.ndarray]:
        """The exact gradient of :meth:`cost`: ``{"dW1": ..., "db1": ..., ...}``.

        Each ``dW[l]`` has the shape of ``W[l]`` and each ``db[l]`` that of ``b[l]``.
        """
        X, Y, w = self.check_data(X, Y, sample_weight)
        grads = self.batch_gradient(self.forward_pass(X), Y, self.xp.empty_like(self.theta), w)
        return self._named(*self.unflatten(grads), "dW", "db")

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for ``X`` ``(n[0], m)``, by the output's rule.

        sigmoid: 0/1 labels ``(n[L], m)`` (``A[L] >= 0.5``); softmax: the class index of each
        example, ``(m,)``; identity: ``A[L]`` itself, ``(n[L], m)``.
        """
        return self.output.predict(self.forward(X))

    def score(self, X: Any, Y: Any, sample_weight: Any = None) -> float:
        """Accuracy for sigmoid and softmax outputs, ``R^2`` for identity outputs.

        A multi-unit sigmoid output counts an example as right only if every unit is.
        """
        X, Y, w = self.check_data(X, Y, sample_weight)
        return self.output.score(self.forward_pass(X).A[self.L], Y, w)

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this network, as JSON values:
        ``Network(**net.config())`` has the same architecture and settings."""
        hidden = self.hidden_activation
        return {
            "layer_sizes": list(self.layer_sizes),
            "hidden_activation": hidden if isinstance(hidden, str) else list(hidden),
            "output_activation": self.output.name,
            "dtype": self.dtype.name,
            "leaky_slope": self.leaky_slope,
            "l2": self.l2,
            "l1": self.l1,
            "dropout": self.dropout,
            "init": self.init,
            "seed": self.seed,
        }

    def copy(self, dtype: str | np.dtype | None = None) -> Network:
        """An independent copy, optionally cast to another dtype."""
        twin = Network(**{**self.config(), "dtype": dtype or self.dtype})
        twin.theta[...] = self.host_theta()
        twin.rng.bit_generator.state = self.rng.bit_generator.state
        return twin.to(self.theta)

    def check_data(
        self, X: Any, Y: Any, sample_weight: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Validate ``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)`` and weights ``(m,)`` for this
        network: arrays of its dtype (``X.T`` of C-ordered rows passes without a copy), or a
        :class:`~chainrule.errors.DataError` naming the problem. Weights come back ``(1, m)``.
        The arrays must live where the parameters do (``xp``); plain lists of targets or
        weights, which live nowhere, join them there."""
        self.check_namespace(X, Y, sample_weight)
        if self.xp is not NUMPY:
            Y = self.joined(Y, "Y")
            sample_weight = None if sample_weight is None else self.joined(sample_weight, "w")
        X = as_examples(X, self.layer_sizes[0], self.dtype)
        Y = as_targets(Y, self.layer_sizes[-1], X.shape[1], self.dtype)
        self.output.check_targets(Y)
        return X, Y, as_weights(sample_weight, X.shape[1], self.dtype)

    def joined(self, values: Any, name: str) -> Any:
        """``values`` in the parameters' namespace: an array there as it is, a list or another
        array-like of no library's (validated as NumPy would) copied there."""
        if is_foreign_array(values):
            return values
        return self.xp.asarray(as_numeric_array(values, name, self.dtype))

    def __repr__(self) -> str:
        sizes = ", ".join(map(str, self.layer_sizes))
        return (
            f"Network([{sizes}], hidden_activation={self.hidden_activation!r}, "
            f"output_activation={self.output.name!r}, dtype={self.dtype.name!r})"
        )
