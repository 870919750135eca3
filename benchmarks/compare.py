"""Train the same network on the same data with chainrule, PyTorch (CPU) and scikit-learn.

Plain SGD, float32, ReLU hidden layers. For each workload and system it prints the best time
of N runs, the achieved GFLOP/s, the fraction of this machine's float32 matmul peak (measured
in the same run with a large NumPy matmul), the time relative to chainrule, and the peak
resident memory of the training process. Each system trains in a fresh subprocess so its
memory is its own.

FLOPs count the least GEMM work of a training pass: per layer, forward ``2 w``, ``dW`` ``2 w``
and, except for the first layer, ``dA[l-1]`` ``2 w``, with ``w = n[l] n[l-1]``, times the
examples processed.

    python benchmarks/compare.py                   # all workloads, best of 3
    python benchmarks/compare.py --tiny            # a few steps each: keeps the script working
    python benchmarks/compare.py --workloads seed --json
    python benchmarks/compare.py --lbfgs           # solver="lbfgs": chainrule vs scikit-learn

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
from dataclasses import asdict, dataclass

import numpy as np

SYSTEMS = (
    "chainrule",
    "chainrule-1-thread",
    "chainrule-float64",
    "numpy-loop",
    "pytorch",
    "scikit-learn",
)
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

    def tiny(self) -> Workload:
        examples = min(self.examples, 2 * self.batch_size, 512)  # random data, even for seed
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


# ---------------------------------------------------------------------- the systems


def run_chainrule(
    workload: Workload, X: np.ndarray, y: np.ndarray, dtype: str, threads: int | None = None
) -> float:
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
    return time.perf_counter() - start


def run_numpy_loop(workload: Workload, X: np.ndarray, y: np.ndarray, dtype: str) -> float:
    """What NumPy itself can do: the same training written as a minimal loop (forward, the
    fused output gradient, backward, plain SGD update), with nothing around it."""
    rng = np.random.default_rng(0)
    n, L = workload.layers, len(workload.layers) - 1
    W = [None] + [
        (rng.standard_normal((n[l], n[l - 1])) * np.sqrt(2 / n[l - 1])).astype(dtype)
        for l in range(1, L + 1)
    ]
    b = [None] + [np.zeros((n[l], 1), dtype) for l in range(1, L + 1)]
    sigmoid = n[L] == 1
    Y = y.reshape(1, -1).astype(dtype) if sigmoid else np.eye(n[L], dtype=dtype)[y].T
    X_cols, m, batch, lr = X.T, workload.examples, workload.batch_size, workload.learning_rate
    start = time.perf_counter()
    for _ in range(workload.epochs):
        order = rng.permutation(m) if batch < m else None
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
    return time.perf_counter() - start


def run_pytorch(workload: Workload, X: np.ndarray, y: np.ndarray, dtype: str) -> float:
    import torch

    torch.manual_seed(0)
    layers: list = []
    for l in range(1, len(workload.layers)):
        layers.append(torch.nn.Linear(workload.layers[l - 1], workload.layers[l]))
        if l < len(workload.layers) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=workload.learning_rate)
    X_t = torch.from_numpy(X)
    if workload.layers[-1] == 1:
        loss_fn = torch.nn.BCEWithLogitsLoss()
        y_t = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
        y_t = torch.from_numpy(y.astype(np.int64))
    m, batch = workload.examples, workload.batch_size
    start = time.perf_counter()
    for _ in range(workload.epochs):
        order = torch.randperm(m) if batch < m else None
        for s in range(0, m, batch):
            if order is None:
                X_b, y_b = X_t, y_t
            else:
                index = order[s : s + batch]
                X_b, y_b = X_t[index], y_t[index]
            optimizer.zero_grad()
            loss_fn(model(X_b), y_b).backward()
            optimizer.step()
    return time.perf_counter() - start


def run_sklearn(workload: Workload, X: np.ndarray, y: np.ndarray, dtype: str) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=workload.layers[1:-1],
        activation="relu",
        solver="sgd",
        learning_rate_init=workload.learning_rate,
        momentum=0.0,
        alpha=0.0,
        batch_size=min(workload.batch_size, workload.examples),
        max_iter=workload.epochs,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=workload.epochs + 1,
        random_state=0,
    )
    labels = y if workload.layers[-1] > 1 else y  # 10 classes -> softmax, 2 -> logistic
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, labels)
    return time.perf_counter() - start


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
    "chainrule-1-thread": lambda w, X, y: run_chainrule(w, X, y, "float32", threads=1),
    "chainrule-float64": lambda w, X, y: run_chainrule(w, X, y, "float64"),
    "numpy-loop": lambda w, X, y: run_numpy_loop(w, X, y, "float32"),
    "pytorch": lambda w, X, y: run_pytorch(w, X, y, "float32"),
    "scikit-learn": lambda w, X, y: run_sklearn(w, X, y, "float32"),
}


def worker(system: str, workload: Workload, repeat: int) -> dict:
    """Time one system on one workload in this process; report best time and peak memory."""
    X, y = make_data(workload, "float64" if system == "chainrule-float64" else "float32")
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = [RUNNERS[system](workload, X, y) for _ in range(repeat)]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "blas": blas_info(),
        "seconds": min(times),
        "times": times,
        "peak_rss_mib": peak_kib / 1024,
        "rss_before_training_mib": baseline_kib / 1024,
    }


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


def available(system: str) -> bool:
    """Whether the package a system needs is installed (found, not imported: slow)."""
    module = {"pytorch": "torch", "scikit-learn": "sklearn"}.get(system, "numpy")
    return importlib.util.find_spec(module) is not None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
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
    names = args.workloads.split(",")
    measured: dict[str, dict] = {name: {} for name in names}
    # A fresh process per system and workload, one at a time, so each time and peak memory
    # is its own. A tiny run only keeps the script working: it runs the NumPy-only systems
    # in one process and the others each in one, all at once.
    systems = []
    for system in args.systems.split(","):
        if available(system):
            systems.append(system)
        else:
            for name in names:
                measured[name][system] = {"skipped": "not installed"}
    if args.tiny:
        numpy_only = [s for s in systems if s.startswith("chainrule") or s == "numpy-loop"]
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
        rows = measured[name]
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
            "systems": rows,
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
    """A worker's rows by system and workload, once it has finished."""
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"benchmark worker {process.args[3:5]} failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def print_table(results: dict) -> None:
    blas = results["blas"]
    print(
        f"float32 matmul peak (NumPy, 4096^3): {results['matmul_peak_gflops']:.1f} GFLOP/s "
        f"on {results['cpus']} CPUs; BLAS {blas.get('library')}, kernel {blas.get('kernel')}, "
        f"{blas.get('threads')} threads; every process ran with "
        f"{' and '.join(results['unset'])} unset"
    )
    header = (
        f"{'workload':<8} {'system':<18} {'seconds':>9} {'GFLOP/s':>8} {'of peak':>8} "
        f"{'x chainrule':>11} {'peak RSS MiB':>13}  kernel/threads"
    )
    print(header)
    print("-" * len(header))
    for name, entry in results["workloads"].items():
        for system, row in entry["systems"].items():
            if "skipped" in row:
                print(f"{name:<8} {system:<18} {'skipped: ' + row['skipped']:>40}")
                continue
            ratio = row.get("time_vs_chainrule", float("nan"))
            print(
                f"{name:<8} {system:<18} {row['seconds']:>9.3f} {row['gflops']:>8.1f} "
                f"{row['fraction_of_peak']:>8.1%} {ratio:>11.2f} {row['peak_rss_mib']:>13.0f}"
                f"  {row['blas'].get('kernel')}/{row['blas'].get('threads')}"
            )


if __name__ == "__main__":
    main()
