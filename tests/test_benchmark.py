"""The benchmark script keeps working: a tiny run of every workload, timings not asserted."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "compare.py"


def tiny_report(script: Path) -> dict:
    """Run a benchmark script in its tiny mode and return its JSON report."""
    result = subprocess.run(
        [sys.executable, str(script), "--tiny", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout)


def test_tiny_benchmark_reports_every_workload_and_system():
    pytest.importorskip("sklearn")
    report = tiny_report(SCRIPT)
    assert report["matmul_peak_gflops"] > 0
    assert set(report["workloads"]) == {"seed", "mnist", "wide"}
    for entry in report["workloads"].values():
        rows = entry["systems"]
        base = rows["chainrule"]["seconds"]
        for name, row in rows.items():
            if "skipped" in row:
                assert name in ("pytorch", "scikit-learn")
                continue
            assert row["seconds"] > 0 and row["peak_rss_mib"] > 0
            assert row["gflops"] == pytest.approx(entry["flops"] / row["seconds"] / 1e9)
            assert row["time_vs_chainrule"] == pytest.approx(row["seconds"] / base)


def test_tiny_lbfgs_comparison_reports_both_systems_on_both_workloads():
    pytest.importorskip("sklearn")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--lbfgs", "--tiny", "--repeat", "1", "--json"],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert set(report["workloads"]) == {"digits", "seed"} and report["max_iter"] == 5
    for entry in report["workloads"].values():
        ours, theirs = entry["systems"]["chainrule"], entry["systems"]["scikit-learn"]
        assert ours["iterations"] == theirs["iterations"] == 5  # the same start, 5 steps
        assert entry["speedup_total"] == pytest.approx(theirs["seconds"] / ours["seconds"])
        assert entry["loss_relative_difference"] < 1e-6


def test_flop_count_is_the_least_gemm_work():
    sys.path.insert(0, str(SCRIPT.parent))
    from compare import WORKLOADS

    seed = WORKLOADS["seed"]
    # layer 1: forward + dW = 4 w; layer 2: forward + dW + dA[1] = 6 w
    per_example = 4 * 30 * 16 + 6 * 16 * 1
    assert seed.flops() == per_example * 569 * 2000


def test_tiny_mpi_scaling_benchmark_reports_both_rank_counts():
    pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install '.[mpi]'")
    report = tiny_report(SCRIPT.parent / "mpi_scaling.py")
    assert [run["ranks"] for run in report["runs"]] == [1, 2]
    for run in report["runs"]:
        assert run["seconds"] > 0 and run["allreduce_seconds"] > 0
        assert run["efficiency"] == pytest.approx(
            report["runs"][0]["seconds"] / (run["ranks"] * run["seconds"])
        )
    assert [row["machines"] for row in report["estimates"]] == [8, 64]
    assert all(0 < row["weak_efficiency"] <= 1 for row in report["estimates"])
