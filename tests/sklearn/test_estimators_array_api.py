"""The estimators with scikit-learn's ``array_api_dispatch``: scikit-learn's own array API
checks pass, and a fit on torch tensors is the NumPy fit, computed in torch.

scikit-learn needs ``SCIPY_ARRAY_API=1`` before SciPy is first imported, so each test runs
in a fresh interpreter.
"""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("array_api_compat")
pytest.importorskip("array_api_strict")
pytest.importorskip("torch")

CONFIGS = {
    "adam": "{}",
    "sgd, early stopping": "{'solver': 'sgd', 'early_stopping': True}",
    "lbfgs": "{'solver': 'lbfgs'}",
}


def run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_scikit_learns_array_api_checks_pass(config):
    done = run(
        f"""
        import warnings
        from sklearn.utils import estimator_checks as checks
        from chainrule import MLPClassifier, MLPRegressor

        warnings.simplefilter("ignore")
        ran = 0
        for cls in (MLPClassifier, MLPRegressor):
            estimator = cls(max_iter=30, random_state=0, **{CONFIGS[config]})
            for check in checks._yield_array_api_checks(estimator):
                for values in (False, True):
                    keywords = dict(getattr(check, "keywords", {{}}))
                    if "check_values" in check.func.__code__.co_varnames:
                        keywords["check_values"] = values
                    elif values:
                        continue
                    try:
                        check.func(cls.__name__, estimator, *check.args, **keywords)
                    except Exception as error:
                        if type(error).__name__ == "SkipTest":
                            continue
                        print("FAILED", cls.__name__, check.func.__name__, keywords, error)
                        raise SystemExit(1)
                    ran += 1
        print("ran", ran)
        """
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert int(done.stdout.split()[-1]) >= 12  # numpy, strict on two devices, torch: each way


def test_a_fit_on_torch_tensors_is_the_numpy_fit_in_torch():
    done = run(
        """
        import numpy as np, sklearn, torch
        from sklearn.datasets import load_iris
        from chainrule import MLPClassifier

        X, y = load_iris(return_X_y=True)
        X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
        settings = dict(hidden_layer_sizes=(8,), max_iter=40, random_state=0, solver="sgd")
        on_numpy = MLPClassifier(**settings).fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            on_torch = MLPClassifier(**settings).fit(torch.asarray(X), torch.asarray(y))
            predicted = on_torch.predict(torch.asarray(X))
            probabilities = on_torch.predict_proba(torch.asarray(X))
        assert all(isinstance(c, torch.Tensor) for c in on_torch.coefs_)
        assert isinstance(predicted, torch.Tensor) and isinstance(probabilities, torch.Tensor)
        for ours, theirs in zip(on_torch.coefs_, on_numpy.coefs_):
            np.testing.assert_allclose(ours.numpy(), theirs, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(predicted.numpy(), on_numpy.predict(X))
        assert on_torch.loss_curve_ == __import__("pytest").approx(on_numpy.loss_curve_, rel=1e-5)
        print("same")
        """
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "same"
