"""A hyper-parameter search for chainrule's MLPClassifier, fanned out over a Dask cluster.

chainrule's estimators follow scikit-learn's contract, so ``GridSearchCV`` clones and fits
them anywhere: joblib's Dask backend sends each (candidate, fold) fit to a Dask worker.

    pip install '.[dask]'
    python examples/dask_grid_search.py                      # a LocalCluster of 2 workers
    python examples/dask_grid_search.py --scheduler tcp://scheduler:8786   # a real cluster

On a real cluster, start ``dask scheduler`` on one machine and ``dask worker
tcp://scheduler:8786`` on each of the others (each with chainrule installed, the same
version), or use dask-jobqueue / dask-kubernetes to start them; only ``--scheduler`` changes
here. Prints the best parameters, their cross-validated accuracy and the test accuracy
(``--json``: one JSON object).
"""

from __future__ import annotations

import argparse
import json
import time

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from chainrule import MLPClassifier

GRID = {
    "mlpclassifier__hidden_layer_sizes": [(32,), (64,)],
    "mlpclassifier__alpha": [1e-4, 1e-2],
    "mlpclassifier__learning_rate_init": [1e-3, 1e-2],
}


def digits_split() -> tuple:
    """scikit-learn's digits, 75/25 train/test (X_train, X_test, y_train, y_test)."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def grid_search(max_iter: int, folds: int = 3, n_jobs: int = -1) -> GridSearchCV:
    """Standardise, then chainrule's MLPClassifier; every combination of :data:`GRID`."""
    pipeline = make_pipeline(
        StandardScaler(), MLPClassifier(max_iter=max_iter, early_stopping=True, random_state=0)
    )
    return GridSearchCV(pipeline, GRID, cv=folds, n_jobs=n_jobs)


def search(client: Client, max_iter: int, folds: int = 3) -> dict:
    """Run the grid search with every fit on the cluster behind ``client``."""
    X_train, X_test, y_train, y_test = digits_split()
    searcher = grid_search(max_iter, folds)
    start = time.perf_counter()
    with joblib.parallel_backend("dask"):  # the fits go to the client's workers
        searcher.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    best = {
        key.removeprefix("mlpclassifier__"): value for key, value in searcher.best_params_.items()
    }
    return {
        "workers": len(client.scheduler_info()["workers"]),
        "candidates": len(searcher.cv_results_["params"]),
        "fits": len(searcher.cv_results_["params"]) * folds,
        "best_params": best,
        "cv_accuracy": float(searcher.best_score_),
        "test_accuracy": float(searcher.score(X_test, y_test)),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    with client:
        result = search(client, args.max_iter)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['fits']} fits of {result['candidates']} candidates on "
        f"{result['workers']} Dask workers in {result['seconds']:.1f} s"
    )
    print(f"best: {result['best_params']}")
    print(
        f"cross-validated accuracy {result['cv_accuracy']:.4f}, "
        f"test accuracy {result['test_accuracy']:.4f}"
    )


if __name__ == "__main__":
    main()
