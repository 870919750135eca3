"""Data-parallel training on MPI (mpi4py): one model, N processes, one Allreduce per step.

Each rank holds a shard of the examples. Every rank draws the same permutation of all ``m``
examples (the network's generator, seeded alike), so every rank knows the global mini-batch
of each step; it forward- and back-propagates the columns of that batch that it holds. The
cost is an average over the batch, ``J = 1/B sum_i L_i``, so a shard computes its part of the
sum with the divisor ``B`` of the whole batch; the parts add up to the batch's gradient
(eq. B1 with the global ``m``), and one ``Allreduce`` sums them, every layer's ``dW`` and
``db`` and the cost in a single flat buffer. Every rank then applies the same optimiser step
to the same parameters, so the ranks stay identical without ever sending parameters.

mpi4py is imported only when a communicator is asked for; everything else in chainrule works
without it.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from chainrule.core.network import Cache, Network
from chainrule.core.validation import check_instance
from chainrule.errors import ConfigurationError, plural
from chainrule.extras import needs
from chainrule.train.steps import StepStrategy

#: Environment variables through which MPI launchers tell a process how many ranks there are:
#: MPICH and Intel MPI (Hydra), Open MPI, MVAPICH.
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


def launched_size() -> int:
    """How many ranks the MPI launcher started, or 1 when not started by one."""
    for name in SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


class Ranks:
    """The processes of one ``mpiexec`` run, as the layers above see them: one typed object
    instead of a bare communicator.

    ``rank`` and ``size`` say who this process is; ``lead`` is rank 0, which alone reports
    and writes files; :meth:`sum` and :meth:`gather` are the two collectives the command line
    needs (a sum over every rank, and every rank's value in rank order); :meth:`rows` is this
    rank's block of ``m`` rows; :meth:`strategy` the data-parallel step strategy on this
    rank's examples. ``comm`` is the mpi4py communicator underneath.
    """

    def __init__(self, comm: Any) -> None:
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()

    @property
    def lead(self) -> bool:
        return self.rank == 0

    def sum(self, value: Any) -> Any:
        """``value`` summed over every rank (numbers or NumPy arrays), on every rank."""
        return self.comm.allreduce(value)

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value``, in rank order, on every rank."""
        return self.comm.allgather(value)

    def rows(self, m: int) -> range:
        """This rank's rows of ``m`` (:func:`shard_rows`)."""
        return shard_rows(m, self.rank, self.size)

    def strategy(self, rows: Any = None) -> DataParallel:
        """The :class:`DataParallel` step strategy for this rank's examples ``rows``."""
        return DataParallel(self.comm, rows)

    def abort(self, code: int) -> None:
        """End every rank of the run (one rank's error must not leave the others waiting)."""
        self.comm.Abort(code)


def world() -> Ranks | None:
    """The :class:`Ranks` of ``MPI.COMM_WORLD`` when this process is one of several started
    by ``mpiexec``, else ``None`` (a single process never needs MPI, or mpi4py)."""
    if launched_size() <= 1:
        return None
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ConfigurationError(
            needs(f"a run of {launched_size()} MPI processes", "mpi", exc.name)
        ) from None
    return Ranks(MPI.COMM_WORLD)


def shard_rows(m: int, rank: int, size: int) -> range:
    """The rows ``[start, stop)`` of ``m`` that rank ``rank`` of ``size`` holds: contiguous
    blocks in rank order, the first ``m % size`` ranks holding one row more."""
    base, extra = divmod(m, size)
    start = rank * base + min(rank, extra)
    return range(start, start + base + (rank < extra))


class Shard:
    """This rank's columns of a data set of ``m`` examples spread over the ranks of ``comm``.

    ``rows[j]`` is the index, among all ``m`` examples, of local column ``j``; the ranks'
    ``rows`` together must be a permutation of ``range(m)`` (``m``, if not given, is the sum
    of the ranks' row counts). ``buffer`` is the flat vector
    that is summed across ranks every step: the gradient (``n_params`` entries, the trainer's
    ``grads`` is a view of it), the cost, and a count of the ranks asked to stop.
    """

    def __init__(
        self, comm: Any, rows: np.ndarray, n_params: int, dtype: Any, m: int | None = None
    ) -> None:
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.rows = np.asarray(rows, dtype=np.intp)
        self.m = int(comm.allreduce(self.rows.size) if m is None else m)
        if self.rows.size and (self.rows.min() < 0 or self.rows.max() >= self.m):
            raise ConfigurationError(f"rank {self.rank}: rows outside range({self.m})")
        self.local_of = np.full(self.m, -1, dtype=np.intp)
        self.local_of[self.rows] = np.arange(self.rows.size)
        if (self.local_of >= 0).sum() != self.rows.size:
            raise ConfigurationError(
                f"rank {self.rank}: rows repeat an example, so the ranks' rows are not a "
                f"partition of the {self.m} examples"
            )
        self.buffer = np.zeros(n_params + 2, dtype=dtype)
        self.grads = self.buffer[:n_params]
        self.weights: np.ndarray | None = None

    @classmethod
    def contiguous(cls, comm: Any, m_local: int, n_params: int, dtype: Any) -> Shard:
        """Rank ``r`` holds the examples after those of ranks ``0..r-1``, in order."""
        counts = comm.allgather(int(m_local))
        start = sum(counts[: comm.Get_rank()])
        return cls(comm, np.arange(start, start + m_local), n_params, dtype, m=sum(counts))

    def gather_weights(self, w_local: np.ndarray | None) -> None:
        """Every rank learns every example's weight (one number per example, sent once), so
        each can divide by the weight of a whole batch."""
        if w_local is None:
            self.weights = None
            return
        self.weights = gather_columns(self.comm, self.rows, w_local.reshape(1, -1), self.m)[0]

    def part(self, columns: Any) -> tuple[np.ndarray, tuple[int, np.ndarray], Any]:
        """For a global batch (a slice or index array into ``range(m)``): this rank's local
        columns of it, ``(B, their positions in the batch)``, and the batch's divisor (``B``,
        or its total weight)."""
        batch = np.arange(*columns.indices(self.m)) if isinstance(columns, slice) else columns
        local = self.local_of[batch]
        positions = np.flatnonzero(local >= 0)
        divisor = batch.size if self.weights is None else self.weights[batch].sum()
        return local[positions], (batch.size, positions), divisor

    def sum_gradients(self, cost: float, stop: bool = False) -> tuple[float, bool]:
        """The one ``Allreduce`` of a step: ``grads`` and ``cost`` summed over the ranks, so
        the shards' parts ``dZ_k[l] A_k[l-1]^T`` add up to the batch's ``dW[l]`` (eq. D1).

        ``stop`` travels in the same message: the second result says whether any rank was
        asked to stop, the same answer on every rank at the same step."""
        from mpi4py import MPI

        self.buffer[-2] = cost
        self.buffer[-1] = float(stop)
        self.comm.Allreduce(MPI.IN_PLACE, self.buffer, op=MPI.SUM)
        return float(self.buffer[-2]), bool(self.buffer[-1] > 0)

    def check_identical(self, theta: np.ndarray, rng: np.random.Generator) -> None:
        """Refuse to start unless every rank has the same parameters and generator state."""
        digest = hashlib.sha256(theta.tobytes())
        digest.update(repr(rng.bit_generator.state).encode())
        if len(set(self.comm.allgather(digest.hexdigest()))) != 1:
            raise ConfigurationError(
                "the ranks start from different parameters or shuffling seeds; build the "
                "network with the same seed on every rank"
            )


def gather_columns(comm: Any, positions: np.ndarray, columns: np.ndarray, m: int) -> np.ndarray:
    """The ``(n, m)`` array whose columns ``positions`` this rank holds as ``columns``,
    assembled whole on every rank (for small arrays: labels, weights, a validation set)."""
    whole = np.empty((columns.shape[0], m), dtype=columns.dtype)
    for where, values in comm.allgather((positions, columns)):
        whole[:, where] = values
    return whole


def hold_out_shard(
    comm: Any,
    X: np.ndarray,
    Y: np.ndarray,
    rows: np.ndarray,
    held_out: np.ndarray,
    kept: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Split a sharded training set as one process splits the whole one.

    ``held_out`` and ``kept`` index all the examples (as from
    :func:`chainrule.train.split.hold_out_indices`);
    ``rows`` are the indices of this rank's columns ``X`` ``(n[0], m_local)``, ``Y``. Returns
    this rank's kept columns of ``X`` and ``Y``, their positions among the kept examples, and
    the validation set, assembled whole on every rank so every rank scores it alike.
    """
    m = len(held_out) + len(kept)
    val_position = np.full(m, -1, dtype=np.intp)
    val_position[held_out] = np.arange(len(held_out))
    kept_position = np.full(m, -1, dtype=np.intp)
    kept_position[kept] = np.arange(len(kept))
    mine = val_position[rows] >= 0
    X_val = gather_columns(comm, val_position[rows][mine], X[:, mine], len(held_out))
    Y_val = gather_columns(comm, val_position[rows][mine], Y[:, mine], len(held_out))
    keep = kept_position[rows] >= 0
    return X[:, keep], Y[:, keep], kept_position[rows][keep], (X_val, Y_val)


class DataParallel(StepStrategy):
    """The step strategy of data-parallel training: this process holds a shard of the examples.

    Give it to :class:`~chainrule.train.Trainer` (``strategy=DataParallel(comm)``) and pass
    each rank's shard to ``fit``. ``rows`` are the indices of this rank's columns among all
    examples (default: the ranks hold consecutive blocks in rank order). For each global
    mini-batch every rank forward- and back-propagates the columns of it that it holds, with
    the whole batch's divisor in ``dZ[L]`` (eq. D1) and the L2 term on rank 0 only; one
    ``Allreduce`` sums the parts. Dropout masks are drawn for the whole batch, and each rank
    keeps its columns, so every rank draws alike, as one process would.
    """

    def __init__(self, comm: Any, rows: Any = None) -> None:
        self.comm = comm
        self.rows = None if rows is None else np.asarray(rows)
        self.writes_files = comm.Get_rank() == 0
        self.stop_requested = False

    def request_stop(self) -> None:
        """Ask every rank to stop at the same step (say, from a ``SIGINT`` handler).

        The request travels with the next step's ``Allreduce``; then every rank raises
        ``KeyboardInterrupt`` at that step, so the trainer rolls each back to the same epoch
        boundary and rank 0 can save a checkpoint that resumes exactly. Raising in the
        handler instead would interrupt each rank at a different point, some of them
        inside a collective that the others never join.
        """
        self.stop_requested = True

    def bind(self, net: Network, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None) -> int:
        check_instance("net", net, Network, "a chainrule Network")
        if self.rows is None:
            shard = Shard.contiguous(self.comm, X.shape[1], net.n_params, net.dtype)
        else:
            if len(self.rows) != X.shape[1]:
                raise ConfigurationError(
                    f"rows names {plural(len(self.rows), 'example')} but this rank holds "
                    f"{X.shape[1]}"
                )
            shard = Shard(self.comm, self.rows, net.n_params, net.dtype)
        shard.check_identical(net.theta, net.rng)
        shard.gather_weights(w)
        self.net, self.X, self.Y, self.w, self.shard = net, X, Y, w, shard
        self.grads = shard.grads
        self._cache: Cache | None = None
        return shard.m

    def __call__(self, columns: Any) -> tuple[float, float] | None:
        net, shard = self.net, self.shard
        local, (B, positions), divisor = shard.part(columns)
        if divisor == 0:
            return None  # a batch of zero-weight examples carries no gradient
        X, Y = self.X[:, local], self.Y[:, local]
        w = None if self.w is None else self.w[:, local]
        masks = net.dropout_masks(B)
        if masks is not None:
            masks = [None if D is None else D[:, positions] for D in masks]
        if self._cache is None or self._cache.m != X.shape[1]:
            self._cache = Cache(net.layer_sizes, X.shape[1], net.dtype)
        cache = net.forward_pass(X, self._cache, masks)
        L, lead = net.L, shard.rank == 0
        cost = net.output.cost(cache.Z[L], Y, w, divisor)  # this rank's part of C1 to C4
        dZ = net.output.dZ(cache.A[L], Y, w, out=cache.dA[L], divisor=divisor)  # D1's dZ_k[L]
        net.backward_pass(cache, dZ, self.grads)
        if net.l2 and lead:
            cost += net.l2_cost(divisor)
            net.add_l2_gradient(net.gradient_views(cache, self.grads)[0], divisor)
        if net.l1 and lead:
            cost += net.l1_cost(divisor)
            net.add_l1_gradient(net.gradient_views(cache, self.grads)[0], divisor)
        cost, stop = shard.sum_gradients(cost, self.stop_requested)
        if stop:
            raise KeyboardInterrupt("a rank was asked to stop")
        return cost, divisor
