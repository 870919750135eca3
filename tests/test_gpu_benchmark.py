"""benchmarks/gpu.py keeps working: its --tiny run on torch CPU tensors trains both systems
(the GPU figures themselves need a GPU and are never part of the tests)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu.py"


def test_the_gpu_benchmark_runs_on_torch_cpu_tensors():
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    done = subprocess.run(
        [sys.executable, SCRIPT, "--device", "cpu", "--tiny", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {(r["workload"], r["system"]): r for r in report["rows"]}
    assert set(rows) == {
        (w, s) for w in ("mnist", "wide") for s in ("chainrule-torch", "torch-eager")
    }
    for row in rows.values():
        assert row["seconds"] > 0 and row["steps"] == 2
        # ten classes: a network that trained at all has a cost near log 10, and finite
        assert math.isfinite(row["cost_after"]) and 0 < row["cost_after"] < 10
    assert rows[("mnist", "torch-eager")]["vs_torch_eager"] == 1.0
