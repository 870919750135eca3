"""Train the same network on the same data with chainrule and its peers, and report the targets.

Plain SGD (no momentum), float32, ReLU hidden layers, the same batches in the same order. The
systems (``--systems``; those whose package is missing are skipped with the reason):

- ``chainrule``: ``cr.fit`` of a ``cr.Network`` (examples as columns, ``X.T``).
- ``chainrule-estimator``: ``chainrule.sklearn.MLPClassifier`` configured as the
  ``scikit-learn`` row (``solver="sgd"``, ``momentum=0``, ``alpha=0``, the same batch size,
  rate and epochs, ``tol=0`` and ``n_iter_no_change`` past the last epoch so it never stops
  early, no early stopping, float32 input, ``shuffle`` only when an epoch has several batches,
  ``nesterovs_momentum`` at scikit-learn's default).
- ``chainrule-1-thread``, ``chainrule-float64``: ``cr.fit`` on one elementwise thread; in float64.
- ``numpy-loop``: what NumPy itself can do, a minimal loop (forward, the fused output
  gradient, backward, the update) with nothing around it.
- ``scikit-learn``: its ``MLPClassifier``, configured as above.
- ``torch-eager``, ``torch-compile``, ``jax-jit``, ``jax-scan``: the optional peers of
  ``peers.py`` (its docstring says how each is written). They start from the loop's initial
  parameters and train on the loop's batches; ``--tiny`` leaves them out unless ``--systems``
  names them.

The workloads (``--workloads``): ``seed``, the seed's 30-16-1 network on breast cancer (569 x
30, standardised), 2000 full-batch steps; ``mnist``, 784-256-128-10 on 60000 random examples,
batch 128, one epoch; ``wide``, 784-1024-1024-10 on 32768 random examples, batch 1024, one
epoch. Each system and workload trains in a fresh process, one at a time, with
``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` unset (this machine sets them; they force an
older, slower kernel than a user's NumPy runs), and reports the BLAS it ran (threadpoolctl).

The columns of the table, one row per workload and system:

- ``seconds``: the best of ``--repeat`` training runs (the fit alone: no data making, no
  import, no compilation).
- ``compile s``: the compiled peers' compilation, timed apart (``torch.compile`` cold, with an
  empty Inductor cache; JAX's first call per batch shape, or its ahead-of-time compile).
- ``GFLOP/s``: the least GEMM work of a training pass over the time. Per layer, forward
  ``2 w``, ``dW`` ``2 w`` and, except for the first layer, ``dA[l-1]`` ``2 w``, with
  ``w = n[l] n[l-1]``, times the examples processed.
- ``of peak``: that over this machine's float32 matmul peak (a large NumPy matmul, measured in
  its own process in the same run).
- ``x chainrule``: the time over ``chainrule``'s (``cr.fit``) on the same workload.
- ``peak RSS MiB``: the training process's peak resident memory (its imports included).
- ``cost``: the mean cross-entropy on all the training data after training, with the final
  parameters (the parameter count is in ``--json``; every system has the same network).
- ``kernel/threads``: the BLAS kernel and its threads (a peer's: its own library's).

Then the targets of issue 26, each a pass or short line: ``chainrule`` and
``chainrule-estimator`` no slower than ``numpy-loop`` and ahead of ``torch-eager``,
``torch-compile`` and ``jax-jit`` (the ratio is our time over theirs); and the stretch
figures: ``seed`` within 1.3x of ``jax-scan``'s time, ``wide`` at 85% of the matmul peak,
``mnist`` at 40%. ``--json`` prints one object with every figure (rows, targets, stretch).

    python benchmarks/compare.py                   # all workloads, best of 3
    python benchmarks/compare.py --tiny            # a few steps each: keeps the script working
    python benchmarks/compare.py --workloads seed --json
    python benchmarks/compare.py --systems chainrule,numpy-loop,jax-scan --repeat 5
    python benchmarks/compare.py --lbfgs           # solver="lbfgs": chainrule vs scikit-learn

The peers need ``pip install '.[bench]'`` (JAX, threadpoolctl, scikit-learn) and PyTorch's CPU
wheel, ``pip install torch==2.13.0``.

``--lbfgs`` times ``MLPClassifier(solver="lbfgs")`` of chainrule and of scikit-learn, float64,
``tol=0``, at most 200 iterations, the same ``random_state`` (so the same initial weights), on
digits (64-64-10) and on the seed network (30-16-1, breast cancer): total and per-iteration
time, and the final losses.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from peers import PEERS, Batches

SYSTEMS = (
    "chainrule",
    "chainrule-estimator",
    "chainrule-1-thread",
    "chainrule-float64",
    "numpy-loop",
    "scikit-learn",
    "torch-eager",
    "torch-compile",
    "jax-jit",
    "jax-scan",
)
# The package each system needs beyond NumPy, and how to install it.
PACKAGES = {
    "chainrule-estimator": ("sklearn", "pip install scikit-learn"),
    "scikit-learn": ("sklearn", "pip install scikit-learn"),
    "torch-eager": ("torch", "pip install torch==2.13.0 (the CPU wheel)"),
    "torch-compile": ("torch", "pip install torch==2.13.0 (the CPU wheel)"),
    "jax-jit": ("jax", "pip install 'jax>=0.4'"),
    "jax-scan": ("jax", "pip install 'jax>=0.4'"),
}
# Our two entry points, and what the targets ask of them against each peer.
OURS = ("chainrule", "chainrule-estimator")
TARGETS = {
    "numpy-loop": "no slower",
    "torch-eager": "ahead",
    "torch-compile": "ahead",
    "jax-jit": "ahead",
}
# The stretch figures: the seed within 1.3x of JAX's one-call scan; a fraction of the peak.
STRETCH_SCAN = {"seed": 1.3}
STRETCH_PEAK = {"wide": 0.85, "mnist": 0.4}
# This machine sets these for older OpenBLAS builds; they force an older, slower kernel than a
# user's NumPy runs. Every timed process runs with both unset (and prints its kernel).
FORCED_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass(frozen=True)
class Workload:
    name: str
    layers: tuple[int, ...]
    examples: int
    batch_size: int
    epochs: int
    learning_rate: float
    description: str

    def flops(self) -> float:
        per_example = 0
        for l in range(1, len(self.layers)):
            w = self.layers[l] * self.layers[l - 1]
            per_example += 4 * w + (2 * w if l > 1 else 0)
        return float(per_example) * self.examples * self.epochs

    def parameters(self) -> int:
        """The network's parameter count: ``n[l] n[l-1] + n[l]`` per layer."""
        n = self.layers
        return sum(n[l] * n[l - 1] + n[l] for l in range(1, len(n)))

    def tiny(self) -> Workload:
        # random data, even for seed; two batches and a remainder where the batch is small
        examples = min(self.examples, 2 * self.batch_size + self.batch_size // 4, 512)
        return Workload(
            self.name,
            self.layers,
            examples,
            self.batch_size,
            min(self.epochs, 2),
            self.learning_rate,
            self.description + " (tiny)",
        )


WORKLOADS = {
    "seed": Workload(
        "seed",
        (30, 16, 1),
        569,
        569,
        2000,
        0.1,
        "the seed's network on breast-cancer-sized data, full batch, 2000 iterations",
    ),
    "mnist": Workload(
        "mnist",
        (784, 256, 128, 10),
        60000,
        128,
        1,
        0.05,
        "784-256-128-10, 60000 examples, batch 128, one epoch, softmax + CE",
    ),
    "wide": Workload(
        "wide",
        (784, 1024, 1024, 10),
        32768,
        1024,
        1,
        0.05,
        "784-1024-1024-10, 32768 examples, batch 1024, one epoch",
    ),
}


def make_data(workload: Workload, dtype: str = "float32") -> tuple[np.ndarray, np.ndarray]:
    """Rows ``X`` ``(m, n[0])`` and integer labels; the seed workload uses the real data."""
    rng = np.random.default_rng(0)
    if workload.name == "seed" and workload.examples == 569:
        from sklearn.datasets import load_breast_cancer

        X, y = load_breast_cancer(return_X_y=True)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        return X.astype(dtype), y
    # drawn straight in the target dtype, so making the data does not set the memory peak
    X = rng.standard_normal((workload.examples, workload.layers[0]), dtype=np.dtype(dtype).type)
    classes = max(workload.layers[-1], 2)
    return X, rng.integers(0, classes, workload.examples)


def initial_parameters(workload: Workload, dtype: str, rng: np.random.Generator) -> tuple:
    """The loop's (and the peers') start: ``W[l]`` ``(n[l], n[l-1])`` He-normal,
    ``N(0, 2 / n[l-1])``, and ``b[l] = 0`` ``(n[l], 1)``; index 0 is ``None``."""
    n, L = workload.layers, len(workload.layers) - 1
    W = [None] + [
        (rng.standard_normal((n[l], n[l - 1])) * np.sqrt(2 / n[l - 1])).astype(dtype)
        for l in range(1, L + 1)
    ]
    b = [None] + [np.zeros((n[l], 1), dtype) for l in range(1, L + 1)]
    return W, b


def batch_order(workload: Workload, rng: np.random.Generator) -> np.ndarray | None:
    """One epoch's order of the examples: a permutation, or ``None`` (in order) when one batch
    holds them all."""
    return rng.permutation(workload.examples) if workload.batch_size < workload.examples else None


def cost(workload: Workload, W: list, b: list, X: np.ndarray, y: np.ndarray) -> float:
    """The mean cross-entropy of the parameters ``W[l]`` ``(n[l], n[l-1])``, ``b[l]`` on all
    the rows ``X`` with labels ``y``: binary with one output unit, categorical with more."""
    A = X.T
    L = len(workload.layers) - 1
    for l in range(1, L + 1):
        Z = W[l] @ A + np.reshape(b[l], (-1, 1))
        A = np.maximum(Z, 0)
    Z = Z.astype(np.float64)
    if workload.layers[-1] == 1:
        return float(np.mean(np.logaddexp(0, Z[0]) - y * Z[0]))
    top = Z.max(axis=0)
    log_sum = top + np.log(np.exp(Z - top).sum(axis=0))
    return float(np.mean(log_sum - Z[y, np.arange(Z.shape[1])]))


# ---------------------------------------------------------------------- the systems


@dataclass
class Trained:
    """One timed training run and the parameters it ended with (``W[l]``, ``b[l]`` as in
    :func:`initial_parameters`)."""

    seconds: float
    W: list
    b: list


def run_chainrule(
    workload: Workload, X: np.ndarray, y: np.ndarray, dtype: str, threads: int | None = None
) -> Trained:
    import chainrule as cr
    from chainrule.core.threads import configure, settings

    configure(threads=threads or settings.threads)  # elementwise threads (matmuls: the BLAS's)
    output = "sigmoid" if workload.layers[-1] == 1 else "softmax"
    Y = y.reshape(1, -1) if output == "sigmoid" else np.eye(workload.layers[-1], dtype=dtype)[y].T
    Y = Y.astype(dtype)
    net = cr.Network(workload.layers, "relu", output, seed=0, dtype=dtype)
    full = workload.batch_size >= workload.examples
    start = time.perf_counter()
    cr.fit(
        net,
        X.T,
        Y,
        epochs=workload.epochs,
        learning_rate=workload.learning_rate,
        batch_size=None if full else workload.batch_size,
    )
    return Trained(time.perf_counter() - start, net.W, net.b)


def sgd_settings(workload: Workload) -> dict:
    """scikit-learn's ``MLPClassifier`` settings for the workload's plain SGD run, shared by
    scikit-learn and chainrule's estimator: no momentum, no L2, no early stop."""
    return dict(
        hidden_layer_sizes=workload.layers[1:-1],
        activation="relu",
        solver="sgd",
        learning_rate_init=workload.learning_rate,
        momentum=0.0,
        alpha=0.0,
        batch_size=min(workload.batch_size, workload.examples),
        max_iter=workload.epochs,
        shuffle=workload.batch_size < workload.examples,  # as the loop: full batch in order
        tol=0.0,
        n_iter_no_change=workload.epochs + 1,
        early_stopping=False,
        random_state=0,
    )


def run_estimator(estimator: type, workload: Workload, X: np.ndarray, y: np.ndarray) -> Trained:
    """``estimator(**sgd_settings(workload)).fit(X, y)``: scikit-learn's or chainrule's."""
    model = estimator(**sgd_settings(workload))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the convergence warning of a fixed number of epochs
        model.fit(X, y)
    seconds = time.perf_counter() - start
    W = [None] + [coef.T for coef in model.coefs_]
    return Trained(seconds, W, [None, *model.intercepts_])


def run_sklearn(workload: Workload, X: np.ndarray, y: np.ndarray) -> Trained:
    from sklearn.neural_network import MLPClassifier

    return run_estimator(MLPClassifier, workload, X, y)


def run_chainrule_estimator(workload: Workload, X: np.ndarray, y: np.ndarray) -> Trained:
    from chainrule.sklearn import MLPClassifier

    return run_estimator(MLPClassifier, workload, X, y)


def run_numpy_loop(workload: Workload, X: np.ndarray, y: np.ndarray, dtype: str) -> Trained:
    """What NumPy itself can do: the same training written as a minimal loop (forward, the
    fused output gradient, backward, plain SGD update), with nothing around it."""
    rng = np.random.default_rng(0)
    n, L = workload.layers, len(workload.layers) - 1
    W, b = initial_parameters(workload, dtype, rng)
    sigmoid = n[L] == 1
    Y = y.reshape(1, -1).astype(dtype) if sigmoid else np.eye(n[L], dtype=dtype)[y].T
    X_cols, m, batch, lr = X.T, workload.examples, workload.batch_size, workload.learning_rate
    start = time.perf_counter()
    for _ in range(workload.epochs):
        order = batch_order(workload, rng)
        for s in range(0, m, batch):
            index = slice(s, s + batch) if order is None else order[s : s + batch]
            A = [X_cols[:, index]]
            for l in range(1, L + 1):
                Z = W[l] @ A[-1] + b[l]
                if l < L:
                    A.append(np.maximum(Z, 0, out=Z))
                elif sigmoid:
                    A.append(1 / (1 + np.exp(-Z)))
                else:
                    E = np.exp(Z - Z.max(axis=0))
                    A.append(E / E.sum(axis=0))
            dZ = (A[L] - Y[:, index]) / A[0].shape[1]
            for l in range(L, 0, -1):
                dW, db = dZ @ A[l - 1].T, dZ.sum(axis=1, keepdims=True)
                if l > 1:
                    dZ = (W[l].T @ dZ) * (A[l - 1] > 0)
                W[l] -= lr * dW
                b[l] -= lr * db
    return Trained(time.perf_counter() - start, W, b)


def start_peer(system: str, workload: Workload, X: np.ndarray, y: np.ndarray):
    """A peer of ``peers.py`` built (and compiled) for the workload: the loop's initial
    parameters and, drawn after them from the same generator, the loop's batch orders."""
    rng = np.random.default_rng(0)
    W, b = initial_parameters(workload, "float32", rng)
    orders = [batch_order(workload, rng) for _ in range(workload.epochs)]
    data = Batches(workload.layers, X, y, W, b, orders, workload.batch_size, workload.learning_rate)
    return PEERS[system](data)


LBFGS_WORKLOADS = {
    "digits": ("load_digits", (64,), "64-64-10 on digits (1797 samples), float64, tol=0"),
    "seed": ("load_breast_cancer", (16,), "30-16-1 on breast cancer (569 samples), float64"),
}
LBFGS_SYSTEMS = ("chainrule", "scikit-learn")
LBFGS_ITERATIONS = 200


def run_lbfgs(system: str, name: str, iterations: int, repeat: int) -> dict:
    """Best-of-``repeat`` time of one lbfgs fit, with its iterations and final loss."""
    import warnings

    import sklearn.datasets
    from sklearn.exceptions import ConvergenceWarning

    if system == "chainrule":
        from chainrule import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    loader, hidden, _ = LBFGS_WORKLOADS[name]
    X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    X = ((X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)).astype(np.float64)
    times = []
    for _ in range(repeat):
        model = MLPClassifier(hidden, solver="lbfgs", tol=0.0, max_iter=iterations, random_state=0)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    return {
        "seconds": seconds,
        "times": times,
        "iterations": int(model.n_iter_),
        "seconds_per_iteration": seconds / model.n_iter_,
        "loss": float(model.loss_),
        "blas": blas_info(),
    }


def compare_lbfgs(repeat: int, tiny: bool) -> dict:
    """Each system and workload in a fresh process, one at a time, BLAS variables unset."""
    iterations = 5 if tiny else LBFGS_ITERATIONS
    report: dict = {"unset": list(FORCED_BLAS), "max_iter": iterations, "workloads": {}}
    for name, (_, _, description) in LBFGS_WORKLOADS.items():
        rows = {}
        for system in LBFGS_SYSTEMS:
            command = [sys.executable, __file__, "--lbfgs-worker", system, name]
            command += ["--repeat", str(repeat)] + (["--tiny"] if tiny else [])
            done = subprocess.run(
                command, capture_output=True, text=True, check=True, env=user_environment()
            )
            rows[system] = json.loads(done.stdout.strip().splitlines()[-1])
        ours, theirs = rows["chainrule"], rows["scikit-learn"]
        report["workloads"][name] = {
            "description": description,
            "systems": rows,
            "speedup_total": theirs["seconds"] / ours["seconds"],
            "speedup_per_iteration": theirs["seconds_per_iteration"]
            / ours["seconds_per_iteration"],
            "loss_relative_difference": abs(ours["loss"] - theirs["loss"]) / abs(theirs["loss"]),
        }
    return report


def print_lbfgs(report: dict) -> None:
    print(
        f"solver='lbfgs', float64, tol=0, max_iter={report['max_iter']}; every process ran "
        f"with {' and '.join(report['unset'])} unset"
    )
    header = (
        f"{'workload':<8} {'system':<13} {'seconds':>8} {'iterations':>10} {'ms/iter':>8} "
        f"{'final loss':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, entry in report["workloads"].items():
        for system, row in entry["systems"].items():
            print(
                f"{name:<8} {system:<13} {row['seconds']:>8.3f} {row['iterations']:>10} "
                f"{1000 * row['seconds_per_iteration']:>8.2f} {row['loss']:>12.6g}"
            )
        print(
            f"{name:<8} chainrule is {entry['speedup_total']:.2f}x as fast in total, "
            f"{entry['speedup_per_iteration']:.2f}x per iteration; final losses differ by "
            f"{entry['loss_relative_difference']:.1e} (relative)"
        )


RUNNERS = {
    "chainrule": lambda w, X, y: run_chainrule(w, X, y, "float32"),
    "chainrule-estimator": run_chainrule_estimator,
    "chainrule-1-thread": lambda w, X, y: run_chainrule(w, X, y, "float32", threads=1),
    "chainrule-float64": lambda w, X, y: run_chainrule(w, X, y, "float64"),
    "numpy-loop": lambda w, X, y: run_numpy_loop(w, X, y, "float32"),
    "scikit-learn": run_sklearn,
}


def worker(system: str, workload: Workload, repeat: int) -> dict:
    """Time one system on one workload in this process: its best time, its peak memory, and
    the network it trained (parameter count, final cost; a peer's compile time and backend)."""
    X, y = make_data(workload, "float64" if system == "chainrule-float64" else "float32")
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    row: dict = {}
    if system in PEERS:
        peer = start_peer(system, workload, X, y)
        times = [peer.train() for _ in range(repeat)]
        W, b = peer.parameters()
        row.update(compile_seconds=peer.compile_seconds, backend=peer.backend)
    else:
        runs = [RUNNERS[system](workload, X, y) for _ in range(repeat)]
        times, W, b = [run.seconds for run in runs], runs[-1].W, runs[-1].b
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if system in PEERS or system == "numpy-loop":  # the start they share
        start = initial_parameters(workload, "float32", np.random.default_rng(0))
        row["cost_initial"] = cost(workload, *start, X, y)
    row.update(
        blas=blas_info(),
        seconds=min(times),
        times=times,
        peak_rss_mib=peak_kib / 1024,
        rss_before_training_mib=baseline_kib / 1024,
        parameters=sum(W[l].size + np.size(b[l]) for l in range(1, len(W))),
        cost=cost(workload, W, b, X, y),
    )
    return row


def blas_info() -> dict:
    """The BLAS this process runs: library, kernel (architecture) and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"library": "unknown (threadpoolctl is not installed)"}
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {
                "library": f"{pool.get('internal_api')} {pool.get('version')}",
                "kernel": pool.get("architecture"),
                "threads": pool.get("num_threads"),
            }
    return {"library": "none found"}


def user_environment() -> dict:
    """This process's environment without the variables that force an old BLAS kernel."""
    return {k: v for k, v in os.environ.items() if k not in FORCED_BLAS}


def matmul_peak(size: int = 4096, repeat: int = 5) -> float:
    """float32 GFLOP/s of a large NumPy matmul, best of ``repeat``."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(size, size)).astype(np.float32)
    B = rng.normal(size=(size, size)).astype(np.float32)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)
    best = min(_timed(lambda: np.matmul(A, B, out=C)) for _ in range(repeat))
    return 2 * size**3 / best / 1e9


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def missing(system: str) -> str | None:
    """Why a system cannot run here (its package is not installed), or None. The package is
    found, not imported: importing is slow."""
    if system not in PACKAGES:
        return None
    module, install = PACKAGES[system]
    if importlib.util.find_spec(module) is None:
        return f"{module} is not installed: {install}"
    return None


def targets(rows: dict) -> list[dict]:
    """Each of our entry points against each peer of :data:`TARGETS`: our time over theirs,
    and whether it meets the target (no slower: at most 1; ahead: below 1)."""
    checks = []
    for ours in OURS:
        for peer, kind in TARGETS.items():
            check = {"system": ours, "against": peer, "target": kind}
            if "seconds" in rows.get(ours, {}) and "seconds" in rows.get(peer, {}):
                ratio = rows[ours]["seconds"] / rows[peer]["seconds"]
                check.update(ratio=ratio, met=ratio <= 1 if kind == "no slower" else ratio < 1)
            else:
                absent = [s for s in (ours, peer) if "seconds" not in rows.get(s, {})]
                check["skipped"] = f"{' and '.join(absent)} not measured"
            checks.append(check)
    return checks


def stretch(name: str, rows: dict) -> list[dict]:
    """The stretch figures of one workload for each of our entry points: the time over
    ``jax-scan``'s (seed), or the fraction of the matmul peak (wide, mnist)."""
    checks = []
    for ours in OURS:
        if name in STRETCH_SCAN:
            check = {"system": ours, "figure": "time vs jax-scan", "goal": STRETCH_SCAN[name]}
            if "seconds" in rows.get(ours, {}) and "seconds" in rows.get("jax-scan", {}):
                value = rows[ours]["seconds"] / rows["jax-scan"]["seconds"]
                check.update(value=value, met=value <= check["goal"])
            else:
                absent = [s for s in (ours, "jax-scan") if "seconds" not in rows.get(s, {})]
                check["skipped"] = f"{' and '.join(absent)} not measured"
            checks.append(check)
        if name in STRETCH_PEAK:
            check = {"system": ours, "figure": "fraction of peak", "goal": STRETCH_PEAK[name]}
            if "fraction_of_peak" in rows.get(ours, {}):
                value = rows[ours]["fraction_of_peak"]
                check.update(value=value, met=value >= check["goal"])
            else:
                check["skipped"] = f"{ours} not measured"
            checks.append(check)
    return checks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument(
        "--systems", help="comma-separated (default: all; --tiny leaves out torch and JAX)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--tiny", action="store_true", help="a few steps per workload")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--worker", nargs=2, metavar=("SYSTEM", "WORKLOAD"), help=argparse.SUPPRESS)
    parser.add_argument("--peak", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--lbfgs", action="store_true", help="compare solver='lbfgs' instead")
    parser.add_argument(
        "--lbfgs-worker", nargs=2, metavar=("SYSTEM", "WORKLOAD"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.lbfgs_worker:
        iterations = 5 if args.tiny else LBFGS_ITERATIONS
        print(json.dumps(run_lbfgs(*args.lbfgs_worker, iterations, args.repeat)))
        return
    if args.lbfgs:
        report = compare_lbfgs(args.repeat, args.tiny)
        if args.json:
            print(json.dumps(report))
        else:
            print_lbfgs(report)
        return

    if args.peak:
        print(json.dumps({"gflops": matmul_peak(args.peak), "blas": blas_info()}))
        return

    if args.worker:
        systems, names = args.worker
        rows: dict[str, dict] = {}
        for system in systems.split(","):
            for name in names.split(","):
                workload = WORKLOADS[name].tiny() if args.tiny else WORKLOADS[name]
                rows.setdefault(system, {})[name] = worker(system, workload, args.repeat)
        print(json.dumps(rows))
        return

    names = args.workloads.split(",")
    for name in names:
        if name not in WORKLOADS:
            parser.error(f"unknown workload {name!r}; choose from: {', '.join(WORKLOADS)}")
    chosen = SYSTEMS if args.systems is None else tuple(args.systems.split(","))
    for system in chosen:
        if system not in SYSTEMS:
            parser.error(f"unknown system {system!r}; choose from: {', '.join(SYSTEMS)}")
    measured_peak = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--peak", "1024" if args.tiny else "4096"],
            capture_output=True, text=True, check=True, env=user_environment(),
        ).stdout
    )  # fmt: skip
    peak = measured_peak["gflops"]
    results = {
        "matmul_peak_gflops": peak,
        "blas": measured_peak["blas"],
        "cpus": os.cpu_count(),
        "unset": list(FORCED_BLAS),
        "workloads": {},
    }
    measured: dict[str, dict] = {name: {} for name in names}
    systems = []
    for system in chosen:
        reason = missing(system)
        if args.tiny and args.systems is None and system in PEERS:
            reason = "left out of --tiny (name it in --systems to run it)"
        if reason:
            for name in names:
                measured[name][system] = {"skipped": reason}
        else:
            systems.append(system)
    # A fresh process per system and workload, one at a time, so each time and peak memory
    # is its own. A tiny run only keeps the script working: it runs the NumPy-only systems
    # in one process and the others each in one, all at once.
    if args.tiny:
        numpy_only = [s for s in systems if s not in PACKAGES]
        groups = [(numpy_only, names)] + [([s], names) for s in systems if s not in numpy_only]
    else:
        groups = [([system], [name]) for system in systems for name in names]
    jobs = []
    for group in groups:
        if group[0]:
            jobs.append(start_worker(*group, args.repeat, args.tiny))
            if not args.tiny:
                jobs[-1].wait()
    for process in jobs:
        for system, rows in finish_worker(process).items():
            for name, row in rows.items():
                measured[name][system] = row
    for name in names:
        workload = WORKLOADS[name].tiny() if args.tiny else WORKLOADS[name]
        rows = {system: measured[name][system] for system in chosen}
        for row in rows.values():
            if "seconds" in row:
                row["gflops"] = workload.flops() / row["seconds"] / 1e9
                row["fraction_of_peak"] = row["gflops"] / peak
        base = rows["chainrule"]["seconds"] if "seconds" in rows.get("chainrule", {}) else None
        for row in rows.values():
            if base is not None and "seconds" in row:
                row["time_vs_chainrule"] = row["seconds"] / base
        results["workloads"][name] = {
            "workload": asdict(workload),
            "flops": workload.flops(),
            "parameters": workload.parameters(),
            "systems": rows,
            "targets": targets(rows),
            "stretch": stretch(name, rows),
        }
    if args.json:
        print(json.dumps(results))
    else:
        print_table(results)


def start_worker(systems: list[str], names: list[str], repeat: int, tiny: bool) -> subprocess.Popen:
    """Start timing ``systems`` on the workloads ``names`` in a fresh process."""
    command = [sys.executable, __file__, "--worker", ",".join(systems), ",".join(names)]
    command += ["--repeat", str(repeat)] + (["--tiny"] if tiny else [])
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user_environment()
    )


def finish_worker(process: subprocess.Popen) -> dict:
    """A worker's rows by system and workload, once it has finished. A peer that fails (a
    compiler missing, say) is skipped with the last line of its error; any other fails."""
    out, err = process.communicate()
    systems, names = process.args[3].split(","), process.args[4].split(",")
    if process.returncode != 0:
        if all(system in PEERS for system in systems):
            last = (err.strip().splitlines() or ["no output"])[-1]
            reason = f"failed: {last[:200]}"
            return {system: {name: {"skipped": reason} for name in names} for system in systems}
        raise RuntimeError(f"benchmark worker {process.args[3:5]} failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def print_table(results: dict) -> None:
    blas = results["blas"]
    print(
        f"float32 matmul peak (NumPy): {results['matmul_peak_gflops']:.1f} GFLOP/s "
        f"on {results['cpus']} CPUs; BLAS {blas.get('library')}, kernel {blas.get('kernel')}, "
        f"{blas.get('threads')} threads; every process ran with "
        f"{' and '.join(results['unset'])} unset"
    )
    header = (
        f"{'workload':<8} {'system':<19} {'seconds':>8} {'compile s':>9} {'GFLOP/s':>8} "
        f"{'of peak':>8} {'x chainrule':>11} {'peak RSS MiB':>12} {'cost':>8}  kernel/threads"
    )
    print(header)
    print("-" * len(header))
    for name, entry in results["workloads"].items():
        for system, row in entry["systems"].items():
            if "skipped" in row:
                print(f"{name:<8} {system:<19} skipped: {row['skipped']}")
                continue
            ratio = row.get("time_vs_chainrule", float("nan"))
            compiled = row.get("compile_seconds")
            compiled = "" if compiled is None else f"{compiled:.2f}"
            kernel = row.get("backend", row["blas"])
            print(
                f"{name:<8} {system:<19} {row['seconds']:>8.3f} {compiled:>9} "
                f"{row['gflops']:>8.1f} {row['fraction_of_peak']:>8.1%} {ratio:>11.2f} "
                f"{row['peak_rss_mib']:>12.0f} {row['cost']:>8.4f}  "
                f"{kernel.get('kernel')}/{kernel.get('threads')}"
            )
    print("\ntargets (our time over theirs): no slower than numpy-loop, ahead of the others")
    for name, entry in results["workloads"].items():
        skipped = []
        for check in entry["targets"]:
            if "skipped" in check:
                skipped.append(check["skipped"])
                continue
            verdict = "pass" if check["met"] else "short"
            print(
                f"{name:<8} {check['system']:<19} vs {check['against']:<14} "
                f"{check['ratio']:>6.2f}x  {verdict} ({check['target']})"
            )
        if skipped:
            print(f"{name:<8} {'; '.join(dict.fromkeys(skipped))}")
    print("\nstretch: seed within 1.3x of jax-scan, wide at 85% of peak, mnist at 40%")
    for name, entry in results["workloads"].items():
        for check in entry["stretch"]:
            line = f"{name:<8} {check['system']:<19}"
            if "skipped" in check:
                print(f"{line} {check['figure']}: skipped: {check['skipped']}")
            elif check["figure"] == "fraction of peak":
                verdict = "pass" if check["met"] else "short"
                print(f"{line} {check['value']:.1%} of peak (goal {check['goal']:.0%})  {verdict}")
            else:
                verdict = "pass" if check["met"] else "short"
                print(
                    f"{line} {check['value']:.2f}x jax-scan's time (goal {check['goal']}x)  "
                    f"{verdict}"
                )


if __name__ == "__main__":
    main()
