"""The Dask example: a grid search over a LocalCluster of 2 workers, end to end.

Skipped, with the reason, without the ``[dask]`` extra.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "dask_grid_search.py"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed is not installed: pip install '.[dask]'",
)


def test_grid_search_on_a_local_dask_cluster_matches_a_local_search():
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--json", "--max-iter", "30"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["workers"] == 2 and result["candidates"] == 8 and result["fits"] == 24

    # The same search in this process, one fit after another, picks the same candidate with
    # the same score: the cluster changed where the fits ran, not what they computed.
    sys.path.insert(0, str(EXAMPLE.parent))
    from dask_grid_search import digits_split, grid_search

    X_train, _, y_train, _ = digits_split()
    local = grid_search(max_iter=30, n_jobs=1).fit(X_train, y_train)
    best = {k.removeprefix("mlpclassifier__"): v for k, v in local.best_params_.items()}
    best["hidden_layer_sizes"] = list(best["hidden_layer_sizes"])  # as JSON has it
    assert result["best_params"] == best
    assert result["cv_accuracy"] == pytest.approx(local.best_score_, abs=1e-12)
    assert result["test_accuracy"] > 0.9
