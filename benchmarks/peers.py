"""The optional peers of ``compare.py``: PyTorch eager, ``torch.compile``, ``jax.jit`` of the
whole step, and one jitted ``lax.scan`` over every step of the run.

Each is written as a user of that library writes a training loop, and each does the work of
``compare.py``'s minimal NumPy loop per step: the same network (ReLU hidden layers, a sigmoid
output with the binary cross-entropy or a softmax with the cross-entropy, the mean over the
batch), float32, plain SGD ``theta -= alpha dtheta`` (no momentum, no weight decay), started
from the loop's parameters (``W[l]`` He-normal, ``b[l] = 0``) and fed the loop's batches in the
loop's order: the epochs' permutations drawn by the same NumPy generator after the same
initial draw (``Batches``), or the whole data in order when one batch holds every example; an
epoch's last batch is the remainder. The batch is gathered from the full data at each step,
as in the loop. A peer's layout is its library's (rows of examples, ``X W + b`` in JAX,
``nn.Linear``'s ``W`` ``(n[l], n[l-1])`` in PyTorch); :meth:`parameters` hands back the math's.

A peer is built once per process (:meth:`__init__`: the model, and for the compiled peers
the compilation, timed as ``compile_seconds``), then :meth:`train` resets the parameters to
the initial ones and times one whole training run; the batch orders are drawn before it.

- ``torch-eager``: ``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU``, ``BCEWithLogitsLoss``
  or ``CrossEntropyLoss``, ``loss.backward()``, then the SGD update in place under
  ``torch.no_grad()`` (``p.sub_(p.grad, alpha=lr)``), the same arithmetic as
  ``torch.optim.SGD(lr=lr).step()``: on the seed network (where the per-step overhead shows)
  it measured 10-20% faster than ``step()`` in its default, ``foreach`` and ``fused`` forms,
  and on ``mnist`` they were within this shared machine's noise. Threads:
  ``torch.set_num_threads(os.cpu_count())``.
- ``torch-compile``: the same, with the model and the loss compiled as one function,
  ``torch.compile(lambda X, y: loss(model(X), y), dynamic=False)``: its forward graph and,
  through AOTAutograd, its backward graph; one static graph per batch shape (the batch and an
  epoch's remainder). The update stays the eager one. ``compile_seconds`` is the cold
  compilation (a fresh, empty Inductor cache), one warm-up step per batch shape.
- ``jax-jit``: ``jax.jit`` of the whole step (gather the batch, ``jax.grad`` of the loss, the
  update) with ``donate_argnums=0`` so the update writes into the old parameters' buffers;
  one Python call per step. ``compile_seconds`` is the first call per batch shape.
- ``jax-scan``: the whole run as one jitted call: ``lax.scan`` over the epochs, and inside each
  ``lax.scan`` over its full batches plus the remainder step (the same step function as
  ``jax-jit``). ``compile_seconds`` is ``jit(...).lower(...).compile()``.

The NumPy side (data, initial parameters, batch orders) comes from ``compare.py``; this
module imports torch or JAX only inside the peer that needs it.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import numpy as np


class Batches:
    """What every peer trains on: rows ``X`` ``(m, n[0])`` float32, labels ``y`` ``(m,)``,
    the initial ``W[l]`` ``(n[l], n[l-1])`` and ``b[l]`` ``(n[l], 1)`` (index 0 unused), and
    one order per epoch: a permutation of the ``m`` examples, or ``None`` for the whole data
    in order (full batch)."""

    def __init__(
        self,
        layers: tuple[int, ...],
        X: np.ndarray,
        y: np.ndarray,
        W: list,
        b: list,
        orders: list[np.ndarray | None],
        batch_size: int,
        learning_rate: float,
    ) -> None:
        self.layers, self.X, self.y, self.W, self.b = layers, X, y, W, b
        self.orders, self.learning_rate = orders, learning_rate
        self.m = X.shape[0]
        self.batch_size = min(batch_size, self.m)
        self.sigmoid = layers[-1] == 1
        self.L = len(layers) - 1

    def batch_sizes(self) -> list[int]:
        """The distinct batch sizes of an epoch: the batch, and the remainder if there is one."""
        sizes = [self.batch_size]
        if self.m % self.batch_size:
            sizes.append(self.m % self.batch_size)
        return sizes

    def slices(self) -> list[slice]:
        """An epoch's batches as slices of its order."""
        return [slice(s, s + self.batch_size) for s in range(0, self.m, self.batch_size)]


# ---------------------------------------------------------------------- PyTorch


class TorchEager:
    """``nn.Sequential`` trained by ``backward()`` and an in-place ``no_grad`` SGD update."""

    name = "torch-eager"

    def __init__(self, data: Batches) -> None:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        self.torch, self.data = torch, data
        n = data.layers
        modules: list = []
        for l in range(1, data.L + 1):
            modules.append(torch.nn.Linear(n[l - 1], n[l]))
            if l < data.L:
                modules.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*modules)
        self.params = list(self.model.parameters())  # W[1], b[1], W[2], b[2], ...
        self.initial = [
            torch.from_numpy(np.ascontiguousarray(a))
            for l in range(1, data.L + 1)
            for a in (data.W[l], data.b[l].ravel())
        ]
        self.X = torch.from_numpy(data.X)
        if data.sigmoid:
            self.loss_fn: Any = torch.nn.BCEWithLogitsLoss()
            self.y = torch.from_numpy(data.y.astype(np.float32)).reshape(-1, 1)
        else:
            self.loss_fn = torch.nn.CrossEntropyLoss()
            self.y = torch.from_numpy(data.y.astype(np.int64))
        self.orders = [None if o is None else torch.from_numpy(o) for o in data.orders]
        self.loss = self.model_and_loss
        self.compile_seconds: float | None = None
        self.backend = {
            "library": f"torch {torch.__version__}",
            "kernel": "MKL" if torch.backends.mkl.is_available() else "ATen",
            "threads": torch.get_num_threads(),
        }

    def model_and_loss(self, X_b: Any, y_b: Any) -> Any:
        return self.loss_fn(self.model(X_b), y_b)

    def reset(self) -> None:
        with self.torch.no_grad():
            for p, p0 in zip(self.params, self.initial, strict=True):
                p.copy_(p0)

    def step(self, X_b: Any, y_b: Any) -> None:
        self.model.zero_grad()  # set_to_none: backward writes fresh gradients
        self.loss(X_b, y_b).backward()
        with self.torch.no_grad():
            for p in self.params:
                p.sub_(p.grad, alpha=self.data.learning_rate)  # theta -= alpha dtheta

    def train(self) -> float:
        self.reset()
        slices = self.data.slices()
        start = time.perf_counter()
        for order in self.orders:
            if order is None:
                self.step(self.X, self.y)
                continue
            for s in slices:
                index = order[s]
                self.step(self.X[index], self.y[index])
        return time.perf_counter() - start

    def parameters(self) -> tuple[list, list]:
        W, b = [None], [None]
        for l in range(1, self.data.L + 1):
            W.append(self.params[2 * l - 2].detach().numpy().copy())
            b.append(self.params[2 * l - 1].detach().numpy().reshape(-1, 1).copy())
        return W, b


class TorchCompile(TorchEager):
    """:class:`TorchEager` with the model and the loss compiled as one function."""

    name = "torch-compile"

    def __init__(self, data: Batches) -> None:
        # a cold compilation: Inductor's on-disk caches (FX graph, AOTAutograd) start empty
        self.cache = tempfile.TemporaryDirectory(prefix="compare-inductor-")
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = self.cache.name
        super().__init__(data)
        self.loss = self.torch.compile(self.model_and_loss, dynamic=False)
        start = time.perf_counter()
        for X_b, y_b in self.first_batches():  # one graph per batch shape; then start over
            self.step(X_b, y_b)
        self.compile_seconds = time.perf_counter() - start
        self.reset()

    def first_batches(self) -> list[tuple[Any, Any]]:
        """The first epoch's first batch and, if its size differs, its last."""
        order = self.orders[0]
        if order is None:
            return [(self.X, self.y)]
        slices = self.data.slices()
        picked = slices[:1] + (slices[-1:] if len(self.data.batch_sizes()) > 1 else [])
        return [(self.X[order[s]], self.y[order[s]]) for s in picked]


# ---------------------------------------------------------------------- JAX


def jax_functions(data: Batches) -> tuple[Any, Any]:
    """The loss of the parameters ``[(W (n[l-1], n[l]), b (n[l],)), ...]`` on rows, and the
    SGD step ``step(params, X, y, index)`` that trains on the rows ``index`` (all if None)."""
    import jax
    import jax.numpy as jnp

    alpha = data.learning_rate

    def loss(params: list, X: Any, y: Any) -> Any:
        A = X
        for W, b in params[:-1]:
            A = jax.nn.relu(A @ W + b)
        W, b = params[-1]
        Z = A @ W + b
        if data.sigmoid:  # binary cross-entropy of the logits: softplus(z) - y z
            return jnp.mean(jax.nn.softplus(Z[:, 0]) - y * Z[:, 0])
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(Z), y[:, None], axis=1))

    def step(params: list, X: Any, y: Any, index: Any) -> list:
        X_b, y_b = (X, y) if index is None else (X[index], y[index])
        grads = jax.grad(loss)(params, X_b, y_b)
        return jax.tree.map(lambda p, g: p - alpha * g, params, grads)

    return loss, step


class JaxJit:
    """``jax.jit`` of the whole SGD step, called once per step."""

    name = "jax-jit"

    def __init__(self, data: Batches) -> None:
        import jax
        import jax.numpy as jnp

        self.jax, self.jnp, self.data = jax, jnp, data
        self.X = jnp.asarray(data.X)
        self.y = jnp.asarray(data.y.astype(np.float32 if data.sigmoid else np.int32))
        self.initial = [
            (jnp.asarray(data.W[l].T), jnp.asarray(data.b[l].ravel())) for l in range(1, data.L + 1)
        ]
        self.orders = [None if o is None else o.astype(np.int32) for o in data.orders]
        self.params = self.fresh()
        self.backend = {
            "library": f"jax {jax.__version__}",
            "kernel": f"XLA {jax.devices()[0].platform}",
            "threads": os.cpu_count(),
        }
        self.prepare()

    def fresh(self) -> list:
        """A copy of the initial parameters (the compiled steps consume their input's)."""
        return self.jax.tree.map(self.jnp.copy, self.initial)

    def prepare(self) -> None:
        _, step = jax_functions(self.data)
        self.step = self.jax.jit(step, donate_argnums=0)
        start = time.perf_counter()
        if self.data.orders[0] is None:
            self.jax.block_until_ready(self.step(self.fresh(), self.X, self.y, None))
        else:
            for size in self.data.batch_sizes():
                index = np.arange(size, dtype=np.int32)
                self.jax.block_until_ready(self.step(self.fresh(), self.X, self.y, index))
        self.compile_seconds = time.perf_counter() - start

    def train(self) -> float:
        params = self.fresh()
        slices = self.data.slices()
        start = time.perf_counter()
        for order in self.orders:
            if order is None:
                params = self.step(params, self.X, self.y, None)
                continue
            for s in slices:
                params = self.step(params, self.X, self.y, order[s])
        self.jax.block_until_ready(params)
        seconds = time.perf_counter() - start
        self.params = params
        return seconds

    def parameters(self) -> tuple[list, list]:
        W, b = [None], [None]
        for W_l, b_l in self.params:
            W.append(np.asarray(W_l).T.copy())
            b.append(np.asarray(b_l).reshape(-1, 1).copy())
        return W, b


class JaxScan(JaxJit):
    """The whole run as one jitted call: ``lax.scan`` over the epochs and their batches."""

    name = "jax-scan"

    def prepare(self) -> None:
        import jax

        _, step = jax_functions(self.data)
        data = self.data
        whole = data.m // data.batch_size * data.batch_size  # examples in full batches

        def run(params: list, X: Any, y: Any, orders: Any) -> list:
            if orders is None:  # full batch: every epoch is one step on all the data
                params, _ = jax.lax.scan(
                    lambda p, _: (step(p, X, y, None), None), params, None, length=len(data.orders)
                )
                return params

            def epoch(params: list, order: Any) -> tuple[list, None]:
                batches = order[:whole].reshape(-1, data.batch_size)
                params, _ = jax.lax.scan(lambda p, i: (step(p, X, y, i), None), params, batches)
                if whole < data.m:
                    params = step(params, X, y, order[whole:])
                return params, None

            params, _ = jax.lax.scan(epoch, params, orders)
            return params

        self.all_orders = None if data.orders[0] is None else self.jnp.stack(self.orders)
        start = time.perf_counter()
        self.run = (
            jax.jit(run, donate_argnums=0)
            .lower(self.fresh(), self.X, self.y, self.all_orders)
            .compile()
        )
        self.compile_seconds = time.perf_counter() - start

    def train(self) -> float:
        params = self.fresh()
        start = time.perf_counter()
        params = self.jax.block_until_ready(self.run(params, self.X, self.y, self.all_orders))
        seconds = time.perf_counter() - start
        self.params = params
        return seconds


PEERS = {peer.name: peer for peer in (TorchEager, TorchCompile, JaxJit, JaxScan)}
