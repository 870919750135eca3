"""The benchmark script keeps working: a tiny run of every workload, timings not asserted."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "compare.py"


def test_tiny_benchmark_reports_every_workload_and_system():
    pytest.importorskip("sklearn")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["matmul_peak_gflops"] > 0
    assert set(report["workloads"]) == {"seed", "mnist", "wide"}
    for entry in report["workloads"].values():
        rows = entry["systems"]
        assert rows["chainrule"]["time_vs_chainrule"] == 1.0
        for name, row in rows.items():
            if "skipped" in row:
                assert name in ("pytorch", "scikit-learn")
                continue
            assert row["seconds"] > 0 and row["peak_rss_mib"] > 0
            assert row["gflops"] == pytest.approx(entry["flops"] / row["seconds"] / 1e9)


def test_flop_count_is_the_least_gemm_work():
    sys.path.insert(0, str(SCRIPT.parent))
    from compare import WORKLOADS

    seed = WORKLOADS["seed"]
    # layer 1: forward + dW = 4 w; layer 2: forward + dW + dA[1] = 6 w
    per_example = 4 * 30 * 16 + 6 * 16 * 1
    assert seed.flops() == per_example * 569 * 2000
