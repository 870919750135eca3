"""Data-parallel training on MPI: N ranks give the parameters of one process.

The MPI tests start real ``mpiexec`` processes on this machine; they are skipped, with the
reason, when mpi4py and an MPI launcher are not installed (``pip install '.[mpi]'``). The
sharding helpers and the sharded readers are tested without MPI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigurationError, DataError
from chainrule.extras import install_command
from chainrule.io.readers import read_table
from chainrule.parallel.mpi import launched_size, shard_rows, world

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import distributed_worker  # noqa: E402

from conftest import interrupt_once_saved  # noqa: E402

MPIEXEC = shutil.which(
    "mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
)
needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIEXEC is None,
    reason="mpi4py and an MPI launcher are not installed: pip install '.[mpi]'",
)
# One BLAS thread per rank, as in any MPI job on a shared machine.
MPI_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def mpiexec(ranks: int, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MPIEXEC, "-n", str(ranks), *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=MPI_ENV,
    )


# ---------------------------------------------------------------------- without MPI


@pytest.mark.parametrize("m", [0, 1, 7, 101, 1000])
@pytest.mark.parametrize("size", [1, 2, 3, 8])
def test_shard_rows_partitions_the_rows_in_order(m, size):
    shards = [shard_rows(m, rank, size) for rank in range(size)]
    assert [i for shard in shards for i in shard] == list(range(m))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_a_process_not_started_by_mpiexec_needs_no_mpi(monkeypatch):
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert launched_size() == 1 and world() is None
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert launched_size() == 4


def test_mpiexec_without_mpi4py_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now fails
    with pytest.raises(ConfigurationError, match=re.escape(install_command("mpi"))):
        world()


@pytest.fixture
def table_files(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(23, 4)), rng.integers(0, 3, 23)
    csv_path = tmp_path / "data.csv"
    lines = ["a,b,c,d,label"] + [
        ",".join([*map(str, row), str(t)]) for row, t in zip(X, y, strict=True)
    ]
    lines.insert(5, "")  # a blank line does not count as a row
    csv_path.write_text("\n".join(lines) + "\n")
    npz_path = tmp_path / "data.npz"
    np.savez(npz_path, X=X, y=y)
    fortran_path = tmp_path / "fortran.npz"
    np.savez(fortran_path, X=np.asfortranarray(X), y=y)
    compressed_path = tmp_path / "compressed.npz"
    np.savez_compressed(compressed_path, X=X.astype(np.float32), y=y)
    return X, y, [csv_path, npz_path, fortran_path, compressed_path]


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_sharded_reads_give_the_rows_of_a_whole_read(table_files, size):
    X, y, paths = table_files
    for path in paths:
        whole = read_table(path)
        parts = [
            read_table(path, select=lambda m, r=r: shard_rows(m, r, size)) for r in range(size)
        ]
        assert all(part.total == 23 for part in parts)
        assert [part.rows for part in parts] == [shard_rows(23, r, size) for r in range(size)]
        np.testing.assert_array_equal(np.vstack([part.X for part in parts]), whole.X)
        np.testing.assert_array_equal(np.concatenate([part.y for part in parts]), whole.y)
        np.testing.assert_allclose(whole.X, X, rtol=1e-6)


def test_a_sharded_csv_error_names_the_line_in_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i},0\n" for i in range(9)) + "1,x,1\n")
    with pytest.raises(DataError, match=r"column 'b', line 11: 'x' is not a number"):
        read_table(path, select=lambda m: shard_rows(m, 1, 2))
    read_table(path, select=lambda m: shard_rows(m, 0, 2))  # rank 0's rows are fine


def test_a_sharded_npz_names_the_row_in_the_file(tmp_path):
    X = np.zeros((10, 2))
    X[8, 1] = np.nan
    np.savez(tmp_path / "nan.npz", X=X, y=np.zeros(10))
    with pytest.raises(DataError, match="row 8, column 1"):
        read_table(tmp_path / "nan.npz", select=lambda m: shard_rows(m, 1, 2))


def test_a_rank_holding_no_column_of_a_batch_adds_nothing_to_its_gradient():
    net = cr.Network([3, 4, 2], "tanh", "softmax", seed=0, dtype="float64")
    cache = net.forward_pass(np.ones((3, 0)))
    dZ = net.output.dZ(cache.A[2], np.zeros((2, 0)), out=cache.dA[2], divisor=8)
    grads = net.backward_pass(cache, dZ, np.full_like(net.theta, np.nan))
    assert np.array_equal(grads, np.zeros_like(grads))


# ---------------------------------------------------------------------- with MPI


@pytest.fixture(scope="module")
def trained_on_ranks(tmp_path_factory):
    """Every case trained on 2 and on 3 ranks: one launch per rank count (a launch costs more
    than training a case)."""
    folders = {}
    for ranks in (2, 3):
        folder = tmp_path_factory.mktemp(f"ranks{ranks}")
        cases = ",".join(sorted(distributed_worker.CASES))
        done = mpiexec(
            ranks, sys.executable, str(HERE / "distributed_worker.py"), cases, str(folder)
        )
        assert done.returncode == 0, done.stderr
        folders[ranks] = folder
    return folders


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
@pytest.mark.parametrize("case", sorted(distributed_worker.CASES))
def test_ranks_train_the_parameters_of_one_process(case, ranks, trained_on_ranks):
    """2 and 3 ranks, float64: the parameters of one process within 1e-10, on every rank."""
    theta, cost = distributed_worker.train(case)
    folder = trained_on_ranks[ranks]
    results = [np.load(folder / f"{case}-rank{r}.npz") for r in range(ranks)]
    for result in results:
        assert np.abs(result["theta"] - theta).max() < 1e-10
        np.testing.assert_allclose(result["cost"], cost, rtol=1e-10)
    for result in results[1:]:  # the ranks apply the same update to the same numbers
        np.testing.assert_array_equal(result["theta"], results[0]["theta"])
    assert not np.allclose(theta, distributed_worker.initial_theta(case))  # it did train


@needs_mpi
def test_ranks_with_different_seeds_refuse_to_start(tmp_path):
    done = mpiexec(
        2, sys.executable, str(HERE / "distributed_worker.py"), "mismatched-seeds", str(tmp_path)
    )
    assert done.returncode != 0
    assert "different parameters or shuffling seeds" in done.stderr


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "chainrule", *args]


@needs_mpi
def test_mpiexec_chainrule_train_matches_one_process(tmp_path):
    """Sharded CSV reading, the split, standardisation, early stopping and the report."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    path = tmp_path / "wine.csv"
    rows = [
        ",".join([*map(str, x), f"class{t}"]) for x, t in zip(wine.data, wine.target, strict=True)
    ]
    path.write_text(",".join([f"f{i}" for i in range(13)] + ["kind"]) + "\n" + "\n".join(rows))
    options = [
        "train",
        "--data",
        str(path),
        "--hidden",
        "8",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--batch-size",
        "16",
        "--epochs",
        "60",
        "--dtype",
        "float64",
        "--dropout",
        "0.1",
        "--alpha",
        "0.01",
        "--early-stopping",
        "--json",
    ]
    one = subprocess.run(
        cli(*options, "--save", str(tmp_path / "one.npz")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one.returncode == 0, one.stderr
    three = mpiexec(3, *cli(*options, "--save", str(tmp_path / "three.npz")))
    assert three.returncode == 0, three.stderr
    assert len(three.stdout.strip().splitlines()) == 1  # rank 0 alone reports
    expected, got = json.loads(one.stdout), json.loads(three.stdout)
    for key in ("epochs", "stop_reason", "train_examples", "test_examples"):
        assert got[key] == expected[key], key
    for key in ("train", "test"):
        assert got[key]["accuracy"] == pytest.approx(expected[key]["accuracy"], rel=1e-12)
    assert got["final_cost"] == pytest.approx(expected["final_cost"], rel=1e-10)
    theta_one = cr.load(tmp_path / "one.npz").net.theta
    theta_three = cr.load(tmp_path / "three.npz").net.theta
    assert np.abs(theta_three - theta_one).max() < 1e-10


@needs_mpi
def test_a_bad_row_on_one_rank_ends_every_rank_with_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)) + "1,x,1\n")
    done = mpiexec(2, *cli("train", "--data", str(path), "--epochs", "2"), timeout=60)
    assert done.returncode == 2
    assert "rank 1: " in done.stderr and "column 'b', line 32: 'x' is not a number" in done.stderr
    assert "Traceback" not in done.stderr


@needs_mpi
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_under_mpiexec_stops_every_rank_at_one_step_and_resumes_exactly(tmp_path):
    pytest.importorskip("typer")
    interrupted, straight = tmp_path / "interrupted.npz", tmp_path / "straight.npz"
    options = ["train", "--data", "digits", "--hidden", "32", "--optimizer", "adam"]
    options += ["--batch-size", "16", "--epochs", "25", "--dtype", "float64"]
    chainrule = [sys.executable, "-m", "chainrule"]
    command = [MPIEXEC, "-n", "2", *chainrule, *options]
    status, err = interrupt_once_saved(  # mpiexec passes the SIGINT to every rank
        [*command, "--save", interrupted, "--checkpoint-every", "1", "--json"],
        interrupted,
        env=MPI_ENV,
    )
    assert status == 130, err
    assert (
        err.count("interrupted (SIGINT) after epoch") == 1 and "Traceback" not in err
    )  # rank 0 only
    stopped_at = cr.Trainer.resume(interrupted).epochs_done
    assert 1 <= stopped_at < 25

    resumed = subprocess.run(
        [MPIEXEC, "-n", "2", *chainrule, "train", "--resume", str(interrupted), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=MPI_ENV,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["resumed_from_epoch"] == stopped_at
    done = subprocess.run(
        [*command, "--save", str(straight)], capture_output=True, timeout=120, env=MPI_ENV
    )
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(
        cr.load(interrupted).net.theta, cr.load(straight).net.theta, atol=1e-10
    )
