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

from collections.abc import Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.activations import Activation, LeakyReLU, get_activation
from chainrule.errors import ConfigurationError
from chainrule.initializers import initial_weights
from chainrule.outputs import Output, get_output
from chainrule.validation import (
    as_examples,
    as_targets,
    as_weights,
    check_dtype,
    check_fraction,
    check_layer_sizes,
    check_positive,
)

if TYPE_CHECKING:
    from chainrule.optimizers import Optimizer
    from chainrule.training import History


class Cache:
    """The arrays of one forward and backward pass over ``m`` examples, indexed by layer.

    Forward propagation fills ``A[0] = X`` and, for ``l = 1..L``, ``Z[l]`` and ``A[l]``
    (eqs. F1 to F3); ``D[l]`` is the scaled dropout mask applied to a hidden ``A[l]`` in
    training (``None`` without dropout). Backpropagation writes ``dA[l]`` (then, in place,
    ``dZ[l]``) and uses ``G[l]`` for ``g'(Z[l])``; ``dZ[L]`` is ``dA[L]``. All are
    ``(n[l], m)`` and allocated once: the trainer keeps one cache per batch size, so the
    steps of an epoch allocate nothing.

    In data-parallel training a shard's part of a batch varies in size from step to step:
    :meth:`resized` gives a cache for fewer examples over the same memory, and ``batch``
    holds ``(m of the whole batch, this shard's columns in it)`` so dropout masks are drawn
    for the whole batch.
    """

    def __init__(self, layer_sizes: Sequence[int], m: int, dtype: np.dtype) -> None:
        self.m = m
        self.layer_sizes = n = tuple(layer_sizes)
        layers = range(1, len(n))
        self.Z: list[Any] = [None] + [np.empty((n[l], m), dtype) for l in layers]
        self.A: list[Any] = [None] + [np.empty((n[l], m), dtype) for l in layers]
        self.D: list[Any] = [None] * len(n)
        self.dA: list[Any] = [None] + [np.empty((n[l], m), dtype) for l in layers]
        self.G: list[Any] = [None] + [np.empty((n[l], m), dtype) for l in layers[:-1]]
        self.gradient_views: tuple[np.ndarray, tuple, tuple] | None = None
        self.batch: tuple[int, np.ndarray] | None = None

    def resized(self, m: int) -> Cache:
        """A cache for ``m <= self.m`` examples whose arrays are views of this one's memory."""
        if m > self.m:
            raise ValueError(f"a cache for {self.m} examples cannot hold {m}")
        view = Cache.__new__(Cache)
        view.m, view.layer_sizes = m, self.layer_sizes
        n = self.layer_sizes

        def views(arrays: list[Any]) -> list[Any]:
            return [
                None if a is None else a.reshape(-1)[: n[l] * m].reshape(n[l], m)
                for l, a in enumerate(arrays)
            ]

        view.Z, view.A, view.dA, view.G = (views(a) for a in (self.Z, self.A, self.dA, self.G))
        view.D = [None] * len(n)
        view.gradient_views, view.batch = None, None
        return view


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
        (categorical cross-entropy) or ``identity`` (squared error).
    seed:
        Seeds the initial weights and, through the same generator, shuffling in training.
    dtype:
        ``"float32"`` (default) or ``"float64"``.
    leaky_slope:
        Slope of ``leaky_relu`` for ``z < 0``; readable and settable as ``net.leaky_slope``.
    l2:
        L2 penalty strength ``lambda``: adds ``lambda / (2m) sum_l ||W[l]||^2`` to the cost
        and ``(lambda / m) W[l]`` to ``dW[l]`` (eq. R1). Biases are not penalised.
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
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        self.L = len(self.layer_sizes) - 1  # layers with parameters; the input is layer 0
        self.dtype = check_dtype(dtype)
        self.l2 = check_positive("l2", l2, allow_zero=True)
        self.dropout = check_fraction("dropout", dropout)
        self.output: Output = get_output(output_activation)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

        names = self._hidden_activation_names(hidden_activation)
        self.hidden_activation = hidden_activation
        self.g: tuple[Activation | None, ...] = (None,) + tuple(
            get_activation(name, leaky_slope) for name in names
        )
        self._leaky_slope = float(leaky_slope)

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
        n = self.layer_sizes
        return sum(n[l] * (n[l - 1] + 1) for l in range(1, len(n)))

    @property
    def output_activation(self) -> str:
        return self.output.name

    @property
    def leaky_slope(self) -> float:
        """Slope of ``leaky_relu`` for negative inputs (used by every leaky_relu layer)."""
        return self._leaky_slope

    @leaky_slope.setter
    def leaky_slope(self, slope: float) -> None:
        self._leaky_slope = float(slope)
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
        offset = 0
        n = self.layer_sizes
        for l in range(1, self.L + 1):
            for shape, target in (((n[l], n[l - 1]), W), ((n[l], 1), b)):
                size = shape[0] * shape[1]
                target.append(flat[offset : offset + size].reshape(shape))
                offset += size
        return tuple(W), tuple(b)

    def _named(self, W: tuple, b: tuple, w_name: str, b_name: str) -> dict[str, np.ndarray]:
        named = {}
        for l in range(1, self.L + 1):
            named[f"{w_name}{l}"] = W[l]
            named[f"{b_name}{l}"] = b[l]
        return named

    def __getstate__(self) -> dict[str, Any]:
        # W and b are views of theta; pickle theta alone and rebuild the views on load.
        state = self.__dict__.copy()
        del state["W"], state["b"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.W, self.b = self.unflatten(self.theta)

    def _hidden_activation_names(self, hidden_activation: str | Sequence[str]) -> list[str]:
        n_hidden = self.L - 1
        if isinstance(hidden_activation, str):
            get_activation(hidden_activation)  # a misspelt name is an error even if unused
            return [hidden_activation] * n_hidden
        names = list(hidden_activation)
        if len(names) != n_hidden:
            raise ConfigurationError(
                f"hidden_activation lists {len(names)} names but the network has "
                f"{n_hidden} hidden layers"
            )
        return names

    # ------------------------------------------------------------------ the math

    def _forward(self, X: np.ndarray, training: bool = False, cache: Cache | None = None) -> Cache:
        """Forward propagation, keeping what backpropagation needs.

        For ``l = 1..L``: ``Z[l] = W[l] A[l-1] + b[l]`` (eq. F1) and ``A[l] = g[l](Z[l])``
        (eqs. F2, F3). With ``training`` and dropout, each hidden ``A[l]`` is multiplied by
        its mask ``D[l]`` (eq. R2). Results go into ``cache`` (a new one if not given).
        """
        cache = cache or Cache(self.layer_sizes, X.shape[1], self.dtype)
        Z, A, D = cache.Z, cache.A, cache.D
        A[0] = X
        for l in range(1, self.L + 1):
            np.matmul(self.W[l], A[l - 1], out=Z[l])
            Z[l] += self.b[l]
            if l == self.L:
                self.output.activation(Z[l], out=A[l])
                break
            self.g[l].value(Z[l], out=A[l])
            D[l] = (
                self._dropout_mask(A[l].shape, cache.batch) if training and self.dropout else None
            )
            if D[l] is not None:
                A[l] *= D[l]
        return cache

    def _dropout_mask(
        self, shape: tuple[int, int], batch: tuple[int, np.ndarray] | None = None
    ) -> np.ndarray:
        """Inverted dropout: 0 with probability p, else ``1 / (1 - p)``, so E[mask] = 1.

        With ``batch = (m, columns)`` (a shard of a batch of m) the mask is drawn for the
        whole batch and these columns kept: every shard draws alike, as one process would.
        """
        keep = 1.0 - self.dropout
        if batch is not None:
            m, columns = batch
            return self._dropout_mask((shape[0], m))[:, columns]
        return (self.rng.random(shape, dtype=self.dtype) < keep) * self.dtype.type(1.0 / keep)

    def _backward(
        self,
        cache: Cache,
        Y: np.ndarray,
        grads: np.ndarray,
        weights: np.ndarray | None = None,
        m: float | None = None,
        penalty: bool = True,
    ) -> np.ndarray:
        """Backpropagation: the gradient of the cost, written into the flat ``grads``.

        From the fused output gradient ``dZ[L] = (A[L] - Y) / m`` (eq. B1), for ``l = L..1``:
        ``dW[l] = dZ[l] A[l-1]^T`` (B2), ``db[l] = sum_i dZ[l]`` (B3), and, except for the
        first layer, ``dA[l-1] = W[l]^T dZ[l]`` and ``dZ[l-1] = dA[l-1] * g'(Z[l-1])`` (B4).
        Dropout masks ``dA[l-1]`` like ``A[l-1]`` (R2); the L2 penalty adds
        ``(lambda / m) W[l]`` to ``dW[l]`` (R1).

        ``m`` is the divisor of the cost's average (default: this batch's); data-parallel
        training passes the whole batch's to each shard, and ``penalty=False`` on all shards
        but one, so that the shards' gradients sum to the batch's.
        """
        Z, A, D, dA, G = cache.Z, cache.A, cache.D, cache.dA, cache.G
        if cache.gradient_views is None or cache.gradient_views[0] is not grads:
            cache.gradient_views = (grads, *self.unflatten(grads))
        _, dW, db = cache.gradient_views
        dZ = self.output.dZ(A[self.L], Y, weights, out=dA[self.L], m=m)
        if m is None:
            m = cache.m if weights is None else weights.sum()
        for l in range(self.L, 0, -1):
            np.matmul(dZ, A[l - 1].T, out=dW[l])
            dZ.sum(axis=1, keepdims=True, out=db[l])
            if self.l2 and penalty:
                dW[l][...] += (self.l2 / m) * self.W[l]
            if l > 1:
                dA_prev = np.matmul(self.W[l].T, dZ, out=dA[l - 1])
                g, A_prev = self.g[l - 1], A[l - 1]
                if D[l - 1] is not None:
                    dA_prev *= D[l - 1]
                    # A[l-1] holds the masked activation; g' needs g(Z) itself
                    A_prev = g.value(Z[l - 1])
                dZ = np.multiply(dA_prev, g.derivative(Z[l - 1], A_prev, out=G[l - 1]), out=dA_prev)
        return grads

    def _cost(
        self,
        cache: Cache,
        Y: np.ndarray,
        weights: np.ndarray | None = None,
        m: float | None = None,
        penalty: bool = True,
    ) -> float:
        """``J`` from a forward pass: the output's cost (C1 to C4) plus the L2 penalty (R1).

        ``m`` and ``penalty`` as in :meth:`_backward`.
        """
        J = self.output.cost(cache.Z[self.L], Y, weights, m)
        if self.l2 and penalty:
            if m is None:
                m = Y.shape[1] if weights is None else weights.sum()
            J += self.l2 / (2 * m) * sum(float((W * W).sum()) for W in self.W[1:])
        return J

    # ------------------------------------------------------------------ public API

    def forward(self, X: Any) -> np.ndarray:
        """``A[L]`` for the examples ``X`` of shape ``(n[0], m)``; result ``(n[L], m)``."""
        X = as_examples(X, self.layer_sizes[0], self.dtype)
        return self._forward(X).A[self.L]

    def cost(self, X: Any, Y: Any, sample_weight: Any = None) -> float:
        """The cost ``J`` of the network on ``X`` ``(n[0], m)`` with targets ``Y`` ``(n[L], m)``.

        ``sample_weight`` (``(m,)``, optional) turns the average over examples into a weighted
        average. Dropout is never applied here, so the cost is deterministic.
        """
        X, Y, w = self._check_data(X, Y, sample_weight)
        return self._cost(self._forward(X), Y, w)

    def gradients(self, X: Any, Y: Any, sample_weight: Any = None) -> dict[str, np.ndarray]:
        """The exact gradient of :meth:`cost`: ``{"dW1": ..., "db1": ..., ...}``.

        Each ``dW[l]`` has the shape of ``W[l]`` and each ``db[l]`` that of ``b[l]``.
        """
        X, Y, w = self._check_data(X, Y, sample_weight)
        grads = self._backward(self._forward(X), Y, np.empty_like(self.theta), w)
        return self._named(*self.unflatten(grads), "dW", "db")

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for ``X`` ``(n[0], m)``.

        sigmoid: 0/1 labels ``(n[L], m)`` (``A[L] >= 0.5``); softmax: the class index of each
        example, ``(m,)``; identity: ``A[L]`` itself, ``(n[L], m)``.
        """
        A_L = self.forward(X)
        if self.output.name == "sigmoid":
            return (A_L >= 0.5).astype(np.int64)
        if self.output.name == "softmax":
            return A_L.argmax(axis=0)
        return A_L

    def score(self, X: Any, Y: Any) -> float:
        """Accuracy for sigmoid and softmax outputs, ``R^2`` for identity outputs.

        A multi-unit sigmoid output counts an example as right only if every unit is.
        """
        X, Y, _ = self._check_data(X, Y)
        return self._score(X, Y)

    def _score(self, X: np.ndarray, Y: np.ndarray) -> float:
        A_L = self._forward(X).A[self.L]
        if self.output.name == "sigmoid":
            return float(((A_L >= 0.5) == (Y >= 0.5)).all(axis=0).mean())
        if self.output.name == "softmax":
            return float((A_L.argmax(axis=0) == Y.argmax(axis=0)).mean())
        residual = ((Y - A_L) ** 2).sum(axis=1)
        total = ((Y - Y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
        r2 = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), residual == 0)
        return float(r2.mean())

    def fit(
        self,
        X: Any,
        Y: Any,
        *,
        epochs: int = 1000,
        learning_rate: float = 0.1,
        optimizer: Optimizer | None = None,
        sample_weight: Any = None,
        validation_data: tuple[Any, Any] | None = None,
        validation_fraction: float | None = None,
        **settings: Any,
    ) -> History:
        """Train by gradient descent; returns the :class:`~chainrule.training.History`.

        ``X`` is ``(n[0], m)`` and ``Y`` ``(n[L], m)``. With the defaults every epoch is one
        full-batch step ``theta -= learning_rate * dtheta``, the seed's algorithm.

        ``optimizer`` replaces plain gradient descent (``learning_rate`` is then ignored).
        ``validation_data=(X_val, Y_val)``, or ``validation_fraction`` of the examples held
        out by a seeded split, adds a validation cost and score per epoch and, with
        ``patience``, early stopping on that score. Every other keyword (``batch_size``,
        ``shuffle``, ``schedule``, ``clip_norm``, ``patience``, ``tol``, ``restore_best``,
        ``callbacks``, ``checkpoint``, ``checkpoint_every``) is a
        :class:`~chainrule.training.Trainer` setting.
        """
        from chainrule.optimizers import GradientDescent
        from chainrule.training import train

        X, Y, w = self._check_data(X, Y, sample_weight)
        if validation_data is not None and validation_fraction is not None:
            raise ConfigurationError("give validation_data or validation_fraction, not both")
        if validation_fraction is not None:
            X, Y, w, validation_data = self._hold_out(X, Y, w, validation_fraction)
        elif validation_data is not None:
            validation_data = self._check_data(*validation_data)[:2]
        return train(
            self,
            X,
            Y,
            epochs=epochs,
            optimizer=optimizer or GradientDescent(learning_rate),
            sample_weight=w,
            validation=validation_data,
            **settings,
        )

    def _hold_out(
        self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None, fraction: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[np.ndarray, np.ndarray]]:
        """Split off ``fraction`` of the examples for validation.

        The permutation comes from a generator of its own, seeded from ``seed``, so a resumed
        run holds out the same examples as the run it continues.
        """
        val, kept = self._hold_out_order(X.shape[1], fraction)
        return X[:, kept], Y[:, kept], None if w is None else w[:, kept], (X[:, val], Y[:, val])

    def _hold_out_order(self, m: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``m`` examples :meth:`_hold_out` holds out, and which it keeps, in order."""
        fraction = check_fraction("validation_fraction", fraction)
        n_val = int(round(fraction * m))
        if not 0 < n_val < m:
            raise ConfigurationError(
                f"validation_fraction={fraction} of {m} examples leaves no training or no "
                "validation examples"
            )
        order = np.random.default_rng(None if self.seed is None else [self.seed, 1]).permutation(m)
        return order[:n_val], order[n_val:]

    def save(self, path: str | PathLike[str]) -> None:
        """Write the network to one model file (see :mod:`chainrule.modelfile`), atomically."""
        from chainrule.modelfile import save_network

        save_network(self, path)

    def copy(self, dtype: str | np.dtype | None = None) -> Network:
        """An independent copy, optionally cast to another dtype."""
        twin = Network(
            self.layer_sizes,
            self.hidden_activation,
            self.output.name,
            seed=self.seed,
            dtype=dtype or self.dtype,
            leaky_slope=self.leaky_slope,
            l2=self.l2,
            dropout=self.dropout,
            init=self.init,
        )
        twin.theta[...] = self.theta
        twin.rng.bit_generator.state = self.rng.bit_generator.state
        return twin

    def _check_data(
        self, X: Any, Y: Any, sample_weight: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        X = as_examples(X, self.layer_sizes[0], self.dtype)
        Y = as_targets(Y, self.layer_sizes[-1], X.shape[1], self.dtype)
        self.output.check_targets(Y)
        return X, Y, as_weights(sample_weight, X.shape[1], self.dtype)

    def __repr__(self) -> str:
        sizes = ", ".join(map(str, self.layer_sizes))
        return (
            f"Network([{sizes}], hidden_activation={self.hidden_activation!r}, "
            f"output_activation={self.output.name!r}, dtype={self.dtype.name!r})"
        )
