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
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.activations import Activation, LeakyReLU, get_activation
from chainrule.errors import ConfigurationError
from chainrule.initializers import initial_weights
from chainrule.outputs import Output, get_output
from chainrule.validation import as_examples, as_targets, check_dtype, check_layer_sizes

if TYPE_CHECKING:
    from chainrule.optimizers import Optimizer
    from chainrule.training import History

Cache = tuple[list[np.ndarray], list[np.ndarray]]


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
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        self.dtype = check_dtype(dtype)
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
        for l in range(1, self.L + 1):
            g = self.g[l] if l < self.L else None
            scheme = g.init if g is not None else "glorot"
            self.W[l][...] = initial_weights(scheme, *self.W[l].shape, self.rng)

    # ------------------------------------------------------------------ structure

    @property
    def L(self) -> int:
        """Number of layers with parameters (the input layer 0 is not counted)."""
        return len(self.layer_sizes) - 1

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

    def _hidden_activation_names(self, hidden_activation: str | Sequence[str]) -> list[str]:
        n_hidden = self.L - 1
        if isinstance(hidden_activation, str):
            return [hidden_activation] * n_hidden
        names = list(hidden_activation)
        if len(names) != n_hidden:
            raise ConfigurationError(
                f"hidden_activation lists {len(names)} names but the network has "
                f"{n_hidden} hidden layers"
            )
        return names

    # ------------------------------------------------------------------ the math

    def _forward(self, X: np.ndarray) -> Cache:
        """Forward propagation, keeping what backpropagation needs.

        Returns ``(Z, A)``, lists indexed by layer: ``A[0] = X``, and for ``l = 1..L``
        ``Z[l] = W[l] A[l-1] + b[l]`` (eq. F1) and ``A[l] = g[l](Z[l])`` (eqs. F2, F3).
        ``Z[0]`` is ``None``.
        """
        Z: list[Any] = [None]
        A: list[Any] = [X]
        for l in range(1, self.L + 1):
            Z_l = self.W[l] @ A[l - 1]
            Z_l += self.b[l]
            Z.append(Z_l)
            A.append(self.g[l].value(Z_l) if l < self.L else self.output.activation(Z_l))
        return Z, A

    def _backward(self, cache: Cache, Y: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """Backpropagation: the gradient of the cost, written into the flat ``grads``.

        From the fused output gradient ``dZ[L] = (A[L] - Y) / m`` (eq. B1), for ``l = L..1``:
        ``dW[l] = dZ[l] A[l-1]^T`` (B2), ``db[l] = sum_i dZ[l]`` (B3), and, except for the
        first layer, ``dA[l-1] = W[l]^T dZ[l]`` and ``dZ[l-1] = dA[l-1] * g'(Z[l-1])`` (B4).
        """
        Z, A = cache
        dW, db = self.unflatten(grads)
        dZ = self.output.dZ(A[self.L], Y)
        for l in range(self.L, 0, -1):
            np.matmul(dZ, A[l - 1].T, out=dW[l])
            np.sum(dZ, axis=1, keepdims=True, out=db[l])
            if l > 1:
                dA_prev = self.W[l].T @ dZ
                dZ = dA_prev * self.g[l - 1].derivative(Z[l - 1], A[l - 1])
        return grads

    # ------------------------------------------------------------------ public API

    def forward(self, X: Any) -> np.ndarray:
        """``A[L]`` for the examples ``X`` of shape ``(n[0], m)``; result ``(n[L], m)``."""
        X = as_examples(X, self.layer_sizes[0], self.dtype)
        return self._forward(X)[1][self.L]

    def cost(self, X: Any, Y: Any) -> float:
        """The cost ``J`` of the network on ``X`` ``(n[0], m)`` with targets ``Y`` ``(n[L], m)``."""
        X, Y = self._check_data(X, Y)
        Z, _ = self._forward(X)
        return self.output.cost(Z[self.L], Y)

    def gradients(self, X: Any, Y: Any) -> dict[str, np.ndarray]:
        """The exact gradient of :meth:`cost`: ``{"dW1": ..., "db1": ..., ...}``.

        Each ``dW[l]`` has the shape of ``W[l]`` and each ``db[l]`` that of ``b[l]``.
        """
        X, Y = self._check_data(X, Y)
        grads = self._backward(self._forward(X), Y, np.empty_like(self.theta))
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

    def fit(
        self,
        X: Any,
        Y: Any,
        *,
        epochs: int = 1000,
        learning_rate: float = 0.1,
        batch_size: int | None = None,
        shuffle: bool = True,
        optimizer: Optimizer | None = None,
        callbacks: Sequence[Callable[..., Any]] = (),
    ) -> History:
        """Train by gradient descent; returns the :class:`~chainrule.training.History`.

        ``X`` is ``(n[0], m)`` and ``Y`` ``(n[L], m)``. With the default ``batch_size=None``
        every epoch is one full-batch step ``theta -= learning_rate * dtheta``, the seed's
        algorithm; an integer ``batch_size`` takes mini-batch steps over a seeded shuffle.
        ``optimizer`` replaces plain gradient descent (``learning_rate`` is then ignored).
        ``callbacks`` are called as ``callback(net, epoch, history)`` after every epoch.
        """
        from chainrule.optimizers import GradientDescent
        from chainrule.training import train

        X, Y = self._check_data(X, Y)
        return train(
            self,
            X,
            Y,
            optimizer=optimizer or GradientDescent(learning_rate),
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            callbacks=callbacks,
        )

    def copy(self, dtype: str | np.dtype | None = None) -> Network:
        """An independent copy, optionally cast to another dtype."""
        twin = Network(
            self.layer_sizes,
            self.hidden_activation,
            self.output.name,
            seed=self.seed,
            dtype=dtype or self.dtype,
            leaky_slope=self.leaky_slope,
        )
        twin.theta[...] = self.theta
        twin.rng.bit_generator.state = self.rng.bit_generator.state
        return twin

    def _check_data(self, X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
        X = as_examples(X, self.layer_sizes[0], self.dtype)
        Y = as_targets(Y, self.layer_sizes[-1], X.shape[1], self.dtype)
        self.output.check_targets(Y)
        return X, Y

    def __repr__(self) -> str:
        sizes = ", ".join(map(str, self.layer_sizes))
        return (
            f"Network([{sizes}], hidden_activation={self.hidden_activation!r}, "
            f"output_activation={self.output.name!r}, dtype={self.dtype.name!r})"
        )
