"""The benchmark script keeps working: a tiny run of every workload, timings not asserted;
the peers train the same network as the minimal NumPy loop."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "compare.py"


PEERS = ("torch-eager", "torch-compile", "jax-jit", "jax-scan")


def tiny_report(script: Path, *options: str) -> dict:
    """Run a benchmark script in its tiny mode and return its JSON report."""
    result = subprocess.run(
        [sys.executable, str(script), "--tiny", "--repeat", "1", "--json", *options],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout)


def compare_module():
    sys.path.insert(0, str(SCRIPT.parent))
    import compare

    return compare


def test_tiny_benchmark_reports_every_workload_and_system(capsys):
    pytest.importorskip("sklearn")
    report = tiny_report(SCRIPT)
    assert report["matmul_peak_gflops"] > 0
    assert set(report["workloads"]) == {"seed", "mnist", "wide"}
    for entry in report["workloads"].values():
        rows = entry["systems"]
        base = rows["chainrule"]["seconds"]
        for name, row in rows.items():
            if "skipped" in row:
                assert name in PEERS and row["skipped"].startswith("left out of --tiny")
                continue
            assert row["seconds"] > 0 and row["peak_rss_mib"] > 0
            assert row["gflops"] == pytest.approx(entry["flops"] / row["seconds"] / 1e9)
            assert row["time_vs_chainrule"] == pytest.approx(row["seconds"] / base)
            assert row["parameters"] == entry["parameters"]  # every system trains one network
        # the estimator is configured as scikit-learn's: same start, batches, steps, result
        ours, theirs = rows["chainrule-estimator"], rows["scikit-learn"]
        assert ours["cost"] == pytest.approx(theirs["cost"], rel=1e-4)
        loop_check = next(
            check
            for check in entry["targets"]
            if check["system"] == "chainrule-estimator" and check["against"] == "numpy-loop"
        )
        assert loop_check["ratio"] == pytest.approx(ours["seconds"] / rows["numpy-loop"]["seconds"])
    compare_module().print_table(report)
    printed = capsys.readouterr().out
    ratio = report["workloads"]["mnist"]["systems"]["chainrule-estimator"]["time_vs_chainrule"]
    assert re.search(rf"mnist +chainrule-estimator +[\d.]+ .* {ratio:.2f} ", printed)
    assert re.search(r"mnist +chainrule-estimator +vs numpy-loop +[\d.]+x +(pass|short)", printed)
    peak_line = r"wide +chainrule-estimator +[\d.]+% of peak \(goal 85%\) +(pass|short)"
    assert re.search(peak_line, printed)


def check_peer_trains_the_loops_network(system: str, report: dict) -> None:
    """The peer trained the loop's network from the loop's start on the loop's batches: the
    same parameter count, the same initial cost, and (float32 rounding apart) the same final
    cost, below the initial one."""
    for entry in report["workloads"].values():
        loop, peer = entry["systems"]["numpy-loop"], entry["systems"][system]
        assert peer["parameters"] == loop["parameters"] == entry["parameters"]
        assert peer["cost_initial"] == loop["cost_initial"]
        assert peer["cost"] < peer["cost_initial"]
        assert peer["cost"] == pytest.approx(loop["cost"], rel=1e-4)
        assert peer["seconds"] > 0 and peer["time_vs_chainrule"] > 0


def test_torch_eager_trains_the_same_network_on_the_same_batches():
    pytest.importorskip("torch", reason="torch is not installed: pip install torch==2.13.0")
    systems = "chainrule,numpy-loop,torch-eager"
    report = tiny_report(SCRIPT, "--systems", systems, "--workloads", "seed,mnist")
    check_peer_trains_the_loops_network("torch-eager", report)
    assert report["workloads"]["mnist"]["systems"]["torch-eager"]["compile_seconds"] is None


def test_jax_peers_train_the_same_network_on_the_same_batches():
    pytest.importorskip("jax", reason="jax is not installed: pip install 'jax>=0.4'")
    systems = "chainrule,numpy-loop,jax-jit,jax-scan"
    report = tiny_report(SCRIPT, "--systems", systems, "--workloads", "seed,mnist")
    for system in ("jax-jit", "jax-scan"):
        check_peer_trains_the_loops_network(system, report)
        for entry in report["workloads"].values():
            assert entry["systems"][system]["compile_seconds"] > 0  # reported apart


def test_targets_compare_our_time_with_each_peer():
    compare = compare_module()
    rows = {
        "chainrule": {"seconds": 1.0, "fraction_of_peak": 0.5},
        "chainrule-estimator": {"seconds": 2.0},
        "numpy-loop": {"seconds": 1.0},
        "torch-eager": {"seconds": 1.0},
        "jax-jit": {"skipped": "jax is not installed"},
        "jax-scan": {"seconds": 0.8},
    }
    checks = {(c["system"], c["against"]): c for c in compare.targets(rows)}
    assert checks["chainrule", "numpy-loop"]["met"]  # no slower: a tie passes
    assert not checks["chainrule", "torch-eager"]["met"]  # ahead: a tie is short
    assert checks["chainrule-estimator", "numpy-loop"]["ratio"] == 2.0
    assert checks["chainrule", "jax-jit"]["skipped"] == "jax-jit not measured"
    seed = {c["system"]: c for c in compare.stretch("seed", rows)}
    assert seed["chainrule"]["value"] == pytest.approx(1.25) and seed["chainrule"]["met"]
    assert not seed["chainrule-estimator"]["met"]  # 2.5x the scan's time
    wide = {c["system"]: c for c in compare.stretch("wide", rows)}
    assert wide["chainrule"]["value"] == 0.5 and not wide["chainrule"]["met"]
    assert wide["chainrule-estimator"]["skipped"] == "chainrule-estimator not measured"


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
    seed = compare_module().WORKLOADS["seed"]
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
