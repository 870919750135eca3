"""Data-parallel scaling on MPI: the ``mnist`` workload on 1 and 2 ranks, and an estimate.

    pip install '.[mpi]'
    python benchmarks/mpi_scaling.py [--ranks 1,2] [--repeat 3] [--tiny] [--json]

Starts ``mpiexec -n N`` for each N with one BLAS thread per rank, trains the ``mnist``
workload of ``compare.py`` (784-256-128-10, 60000 examples, global batch 128, one epoch,
plain SGD, float32) with each rank holding 1/N of the rows, and reports the best time of
``--repeat``, the speed-up and the scaling efficiency ``T1 / (N * TN)``. Each run also times
the step's one ``Allreduce`` of the flat gradient buffer on its own.

Then it estimates N = 8 and 64 machines on a 10 Gbit/s network from the measured per-step
compute and a ring Allreduce: ``2 (N-1)/N * S / bandwidth + 2 (N-1) * latency`` for a buffer
of S bytes (latency 30 us per message), both for the same global batch (strong scaling) and
for batch 128 per machine (weak scaling).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from compare import WORKLOADS, make_data  # noqa: E402

NETWORK_BYTES_PER_S = 10e9 / 8  # 10 Gbit/s
LATENCY_S = 30e-6


def worker(tiny: bool, repeat: int) -> dict:
    """One rank of an ``mpiexec`` run: train on this rank's rows, time it, time Allreduce."""
    from mpi4py import MPI

    import chainrule as cr
    from chainrule.parallel import DataParallel, shard_rows

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    workload = WORKLOADS["mnist"].tiny() if tiny else WORKLOADS["mnist"]
    X, y = make_data(workload)  # the same rows on every rank; each keeps its shard
    rows = shard_rows(len(X), rank, size)
    X_local = X[rows.start : rows.stop]
    Y_local = np.eye(workload.layers[-1], dtype=np.float32)[y[rows.start : rows.stop]].T
    del X
    times = []
    for _ in range(repeat):
        net = cr.Network(workload.layers, "relu", "softmax", seed=0)
        trainer = cr.Trainer(
            net,
            cr.GradientDescent(workload.learning_rate),
            batch_size=workload.batch_size,
            strategy=DataParallel(comm),
        )
        comm.Barrier()
        start = time.perf_counter()
        trainer.fit(X_local.T, Y_local, workload.epochs)
        comm.Barrier()
        times.append(time.perf_counter() - start)
    buffer = np.ones(net.n_params + 1, dtype=np.float32)
    calls = 200
    comm.Barrier()
    start = time.perf_counter()
    for _ in range(calls):
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
    allreduce = (time.perf_counter() - start) / calls
    steps = -(-workload.examples // workload.batch_size) * workload.epochs
    return {
        "ranks": size,
        "seconds": min(times),
        "times": times,
        "steps": steps,
        "allreduce_seconds": allreduce,
        "buffer_bytes": buffer.nbytes,
    }


def estimate(one_rank: dict, machines: int) -> dict:
    """Strong and weak scaling on ``machines`` over 10 Gbit/s, from the measured step."""
    compute = one_rank["seconds"] / one_rank["steps"]  # one machine, batch 128, per step
    size = one_rank["buffer_bytes"]
    ring = 2 * (machines - 1) / machines * size / NETWORK_BYTES_PER_S
    allreduce = ring + 2 * (machines - 1) * LATENCY_S
    strong = compute / machines + allreduce  # the same global batch split N ways
    weak = compute + allreduce  # batch 128 on every machine: N times the work per step
    return {
        "machines": machines,
        "allreduce_ms": allreduce * 1e3,
        "strong_step_ms": strong * 1e3,
        "strong_efficiency": compute / (machines * strong),
        "weak_step_ms": weak * 1e3,
        "weak_efficiency": compute / weak,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="a few steps")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = worker(args.tiny, args.repeat)
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_rank() == 0:
            print(json.dumps(result))
        return

    bin_dir = Path(sys.executable).parent
    mpiexec = shutil.which("mpiexec", path=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    if mpiexec is None:
        sys.exit("mpiexec not found: pip install '.[mpi]'")
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    runs = []
    for n in (int(part) for part in args.ranks.split(",")):
        command = [
            mpiexec,
            "-n",
            str(n),
            sys.executable,
            __file__,
            "--worker",
            "--repeat",
            str(args.repeat),
        ] + (["--tiny"] if args.tiny else [])
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        runs.append(json.loads(done.stdout))
    base = runs[0]
    for run in runs:
        run["speedup"] = base["seconds"] * base["ranks"] / run["seconds"]
        run["efficiency"] = run["speedup"] / run["ranks"]
    one = next((run for run in runs if run["ranks"] == 1), base)
    report = {
        "workload": WORKLOADS["mnist"].description + (" (tiny)" if args.tiny else ""),
        "runs": runs,
        "estimates": [estimate(one, n) for n in (8, 64)],
    }
    if args.json:
        print(json.dumps(report))
        return
    print(report["workload"] + "; one BLAS thread per rank")
    print(f"{'ranks':>5} {'seconds':>8} {'speed-up':>8} {'efficiency':>10} {'Allreduce':>11}")
    for run in runs:
        print(
            f"{run['ranks']:>5} {run['seconds']:>8.3f} {run['speedup']:>8.2f} "
            f"{run['efficiency']:>10.0%} {run['allreduce_seconds'] * 1e6:>8.0f} us"
        )
    print(
        f"per step on 1 rank: {one['seconds'] / one['steps'] * 1e3:.3f} ms, "
        f"gradient buffer {one['buffer_bytes'] / 1e6:.2f} MB"
    )
    print("estimate on a 10 Gbit/s network (ring Allreduce, 30 us latency per message):")
    for row in report["estimates"]:
        print(
            f"  {row['machines']:>2} machines: Allreduce {row['allreduce_ms']:.2f} ms; "
            f"global batch 128: {row['strong_step_ms']:.2f} ms/step, efficiency "
            f"{row['strong_efficiency']:.0%}; batch 128 per machine: "
            f"{row['weak_step_ms']:.2f} ms/step, efficiency {row['weak_efficiency']:.0%}"
        )


if __name__ == "__main__":
    main()
