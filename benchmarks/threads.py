"""Elementwise work on 1 and on several threads: where chainrule's thread pool pays off.

Times, for float32 arrays of 0.25 to 16 MB, the relu backward step ``dZ = dA * (Z > 0)``
(eq. B4) and an Adam update, on one thread and split into row blocks on ``--threads``
threads with :func:`chainrule.core.threads.in_row_blocks` (the threshold lowered so that
every size is split), best of ``--repeat``. Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
unset, as a user's NumPy runs:

    python benchmarks/threads.py --threads 2      # --json for one JSON object
"""

from __future__ import annotations

import argparse
import json
import os
import time
from functools import partial

import numpy as np

from chainrule.core import threads
from chainrule.core.activations import ReLU
from chainrule.core.network import times_derivative
from chainrule.train.optimizers import Adam


def best(function, repeat: int) -> float:
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=min(os.cpu_count() or 1, 8))
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    backward = partial(times_derivative, ReLU())
    rows = []
    for megabytes in (0.25, 1, 4, 16):
        n = int(megabytes * 2**20 / 4 / 1024)
        dA, Z = rng.random((n, 1024), dtype=np.float32), rng.standard_normal((n, 1024), np.float32)
        A, G = np.maximum(Z, 0), np.empty_like(Z)
        theta, g = rng.random(n * 1024, dtype=np.float32), rng.random(n * 1024, dtype=np.float32)
        adam = Adam(1e-3)
        row = {"megabytes": megabytes}
        for count in (1, args.threads):
            threads.configure(threads=count, min_elements=1)
            relu = best(partial(threads.in_row_blocks, backward, dA, Z, A, G), args.repeat)
            update = best(partial(adam.step, theta, g), args.repeat)
            row[f"relu_backward_{count}"], row[f"adam_{count}"] = relu, update
        rows.append(row)
    if args.json:
        print(json.dumps({"threads": args.threads, "cpus": os.cpu_count(), "rows": rows}))
        return
    k = args.threads
    print(f"{os.cpu_count()} CPUs; 1 thread against {k}; microseconds, best of {args.repeat}")
    print(f"{'size':>8} {'relu bwd 1':>11} {f'relu bwd {k}':>11} {'speed-up':>8} "
          f"{'adam 1':>9} {f'adam {k}':>9} {'speed-up':>8}")  # fmt: skip
    for row in rows:
        r1, rk, a1, ak = (row["relu_backward_1"], row[f"relu_backward_{k}"], row["adam_1"],
                          row[f"adam_{k}"])  # fmt: skip
        print(f"{row['megabytes']:>6} MB {r1 * 1e6:>11.0f} {rk * 1e6:>11.0f} {r1 / rk:>7.2f}x "
              f"{a1 * 1e6:>9.0f} {ak * 1e6:>9.0f} {a1 / ak:>7.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
