"""Real data, fast and lean: CSV parsing against numpy.loadtxt, and the memory of training.

Makes a 30000 x 785 integer table (784 pixel-like features in 0..255 and a label in 0..9) as
a CSV (about 84 MB) and as an NPZ whose X is int32 (the "array": 30000 x 784 x 4 bytes,
about 90 MiB), then measures, each in a fresh process with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset:

* parsing: ``numpy.loadtxt`` on the CSV against chainrule's CSV reader (float32, as
  ``chainrule train`` reads it), seconds and peak memory;
* training: ``chainrule train`` for one epoch (784-64-10, batch 128, plain SGD) on the NPZ,
  on the CSV, and on iris as the baseline of a small run: peak resident memory and seconds.

It prints the figures and the targets' ratios:

    python benchmarks/data_pipeline.py            # --rows N for a smaller table, --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FORCED_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
PARSE = {
    "numpy.loadtxt": "import numpy as np; np.loadtxt({path!r}, delimiter=',', skiprows=1)",
    "chainrule": (
        "import numpy as np; from chainrule.io.readers import read_csv; "
        "read_csv({path!r}, dtype=np.float32)"
    ),
}


def make_table(folder: Path, rows: int) -> tuple[Path, Path, float]:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(rows, 784), dtype=np.int32)
    y = rng.integers(0, 10, size=rows)
    csv, npz = folder / "table.csv", folder / "table.npz"
    header = ",".join([f"p{i}" for i in range(784)] + ["label"])
    np.savetxt(csv, np.column_stack([X, y]), fmt="%d", delimiter=",", header=header, comments="")
    np.savez(npz, X=X, y=y)
    return csv, npz, X.nbytes / 2**20


def measure(command: list[str]) -> dict:
    """Run ``command`` in a fresh process; its seconds and peak resident memory."""
    env = {k: v for k, v in os.environ.items() if k not in FORCED_BLAS}
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    err = process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err}")
    return {"seconds": seconds, "peak_rss_mib": usage.ru_maxrss / 1024}


def train(data: str) -> list[str]:
    return [
        sys.executable, "-m", "chainrule", "train", "--data", data, "--hidden", "64",
        "--epochs", "1", "--batch-size", "128", "--optimizer", "sgd", "--lr", "0.05", "--json",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--make", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        print(make_table(Path(args.make), args.rows)[2])
        return
    with tempfile.TemporaryDirectory() as folder:
        # made in a process of its own: a child's peak memory counts from its parent's size
        # at the fork, so this process stays small
        made = subprocess.run(
            [sys.executable, __file__, "--make", folder, "--rows", str(args.rows)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        array_mib = float(made.stdout)
        csv, npz = Path(folder) / "table.csv", Path(folder) / "table.npz"
        parse = {
            name: measure([sys.executable, "-c", code.format(path=str(csv))])
            for name, code in PARSE.items()
        }
        runs = {
            "small run (iris)": measure(train("iris")),
            "NPZ": measure(train(str(npz))),
            "CSV": measure(train(str(csv))),
        }
    base = runs["small run (iris)"]["peak_rss_mib"]
    result = {
        "rows": args.rows,
        "array_mib": array_mib,
        "parse": parse,
        "train": runs,
        "parse_vs_loadtxt": parse["chainrule"]["seconds"] / parse["numpy.loadtxt"]["seconds"],
        "csv_run_over_npz_run_mib": runs["CSV"]["peak_rss_mib"] - runs["NPZ"]["peak_rss_mib"],
        "npz_run_over_small_run_in_arrays": (runs["NPZ"]["peak_rss_mib"] - base) / array_mib,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"table: {args.rows} x 785 integers; the array (X as int32) is {array_mib:.0f} MiB")
    for name, row in parse.items():
        print(f"parse  {name:<16} {row['seconds']:7.2f} s   peak {row['peak_rss_mib']:6.0f} MiB")
    for name, row in runs.items():
        print(f"train  {name:<16} {row['seconds']:7.2f} s   peak {row['peak_rss_mib']:6.0f} MiB")
    print(
        f"parsing: {result['parse_vs_loadtxt']:.2f}x numpy.loadtxt (target <= 1.5x); "
        f"CSV run - NPZ run: {result['csv_run_over_npz_run_mib']:.0f} MiB (target <= one "
        f"array, {array_mib:.0f} MiB); NPZ run - small run: "
        f"{result['npz_run_over_small_run_in_arrays']:.2f} arrays (target <= 3)"
    )


if __name__ == "__main__":
    main()
