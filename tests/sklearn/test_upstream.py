"""scikit-learn's own MLP tests, run on chainrule's estimators.

The installed scikit-learn ships ``sklearn/neural_network/tests/test_mlp.py``; this copies it
with its one import line changed to ``from chainrule import MLPClassifier, MLPRegressor`` and
runs it with pytest in a subprocess (with scikit-learn's conftest, for its
``global_random_seed`` fixture). Every test must pass except those in :data:`PRIVATE`, which
read or set scikit-learn's private attributes; the user guide (``docs/guide/sklearn.md``) lists
each with the public behaviour it checks, and that behaviour is tested through chainrule's API in
``test_estimators.py``.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sklearn = pytest.importorskip("sklearn")

UPSTREAM = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SWAPPED = "from chainrule import MLPClassifier, MLPRegressor"
SRC = Path(__file__).resolve().parents[2] / "src"

# test name -> the private attribute it reads or sets
PRIVATE = {
    "test_fit": "_coef_grads, _no_improvement_count, _coef_velocity (set before partial_fit)",
    "test_gradient": "_loss_grad_lbfgs",
    "test_learning_rate_warmstart": "_optimizer.learning_rate",
    "test_adaptive_learning_rate": "_optimizer.learning_rate",
    "test_n_iter_no_change": "_no_improvement_count",
    "test_n_iter_no_change_inf": "_no_improvement_count",
}


def run_upstream(tmp_path: Path) -> subprocess.CompletedProcess:
    source = UPSTREAM.read_text(encoding="utf-8")
    assert source.count(IMPORT) == 1, "scikit-learn's test file no longer has the import line"
    test_file = tmp_path / "test_mlp_on_chainrule.py"
    test_file.write_text(source.replace(IMPORT, SWAPPED), encoding="utf-8")
    deselect = [arg for name in PRIVATE for arg in ("--deselect", f"{test_file.name}::{name}")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "sklearn.conftest", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-W", "ignore", test_file.name, *deselect],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_private_tests_exist_upstream():
    source = UPSTREAM.read_text(encoding="utf-8")
    for name in PRIVATE:
        assert f"def {name}(" in source


def test_scikit_learn_s_mlp_tests_pass_on_chainrule(tmp_path):
    result = run_upstream(tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
