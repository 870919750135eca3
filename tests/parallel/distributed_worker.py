"""Run by ``mpiexec -n N python distributed_worker.py CASES OUT``; also imported by the tests.

Trains each of the comma-separated :data:`CASES` data-parallel and writes each rank's final
parameters and cost history to ``OUT/CASE-rank{r}.npz``. :func:`train` with ``comm=None`` is
the single-process reference the test compares them with.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.parallel.mpi import DataParallel, shard_rows
from chainrule.train.optimizers import get_optimizer

M = 101  # does not divide by 2 or 3: the shards differ in size

CASES = {
    # name: (layers, hidden, output, optimizer, batch size, l2, dropout, weighted, rows)
    "sgd": ([5, 7, 3], "tanh", "softmax", ("sgd", 0.1), 16, 0.0, 0.0, False, "blocks"),
    "adam": ([5, 8, 6, 1], "relu", "sigmoid", ("adam", 0.01), 16, 0.0, 0.0, False, "blocks"),
    "adam-full-batch": (
        [5, 4, 1],
        "tanh",
        "sigmoid",
        ("adam", 0.01),
        None,
        0.0,
        0.0,
        False,
        "blocks",
    ),
    "tiny-batches": (
        [5, 6, 2],
        "relu",
        "identity",
        ("sgd", 0.05),
        2,
        0.01,
        0.0,
        False,
        "interleaved",
    ),
    "l2-dropout-weights": (
        [5, 9, 3],
        "relu",
        "softmax",
        ("adam", 0.01),
        10,
        0.1,
        0.3,
        True,
        "interleaved",
    ),
}
EPOCHS = 5


def data(output: str, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, M))
    if output == "softmax":
        Y = np.eye(n_out)[:, rng.integers(0, n_out, M)]
    elif output == "sigmoid":
        Y = (rng.random((n_out, M)) < 0.5).astype(float)
    else:
        Y = rng.normal(size=(n_out, M))
    w = rng.uniform(0.0, 2.0, size=(1, M))
    return X, Y, w


def network(case: str, seed: int = 3) -> cr.Network:
    layers, hidden, output, _, _, l2, dropout, _, _ = CASES[case]
    return cr.Network(layers, hidden, output, seed=seed, dtype="float64", l2=l2, dropout=dropout)


def initial_theta(case: str) -> np.ndarray:
    return network(case).theta.copy()


def train(case: str, comm=None, seed: int = 3) -> tuple[np.ndarray, list[float]]:
    """Train ``case`` on all ``M`` examples (``comm=None``) or on this rank's shard."""
    layers, hidden, output, (optimizer, lr), batch, l2, dropout, weighted, layout = CASES[case]
    X, Y, w = data(output, layers[-1])
    net = network(case, seed)
    rows = np.arange(M)
    strategy = None
    if comm is not None:
        rank, size = comm.Get_rank(), comm.Get_size()
        rows = np.asarray(shard_rows(M, rank, size) if layout == "blocks" else range(rank, M, size))
        strategy = DataParallel(comm, None if layout == "blocks" else rows)
    trainer = cr.Trainer(
        net, get_optimizer(optimizer, learning_rate=lr), batch_size=batch, strategy=strategy
    )
    history = trainer.fit(
        X[:, rows], Y[:, rows], EPOCHS, sample_weight=w[:, rows] if weighted else None
    )
    return net.theta.copy(), history.cost


if __name__ == "__main__":
    from mpi4py import MPI

    cases, out = sys.argv[1], Path(sys.argv[2])
    if cases == "mismatched-seeds":
        train("sgd", MPI.COMM_WORLD, seed=MPI.COMM_WORLD.Get_rank())
    for case in cases.split(","):  # one launch trains several cases, one after another
        theta, cost = train(case, MPI.COMM_WORLD)
        rank = MPI.COMM_WORLD.Get_rank()
        np.savez(out / f"{case}-rank{rank}.npz", theta=theta, cost=np.array(cost))
