"""scikit-learn's estimator checks over the configurations users run: every check passes
except those scikit-learn's own MLP fails in the same configuration (each confirmed below on
scikit-learn's MLP), and none fails because of chainrule's extras."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sklearn.utils.estimator_checks as checks  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkRegressor  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

from chainrule import MLPClassifier, MLPRegressor  # noqa: E402

CONFIGS = {
    "default": {},
    "tanh": {"activation": "tanh"},
    "sgd": {"solver": "sgd"},
    "lbfgs": {"solver": "lbfgs"},
    "early_stopping": {"early_stopping": True},
}
PARTIAL_FIT = "partial_fit does not support early_stopping=True (scikit-learn's MLP too)"
TINY_SPLIT = "a validation split of a tiny data set is too small (scikit-learn's MLP too)"
# (estimator, configuration) -> the checks scikit-learn's own MLP fails there as well
SHARED_FAILURES = {
    ("MLPClassifier", "lbfgs"): {
        "check_classifiers_multilabel_output_format_predict_proba": "probabilities of 0 and 1 "
        "after lbfgs drives the fit to saturation (scikit-learn's MLP too)",
    },
    ("MLPClassifier", "early_stopping"): {
        "check_fit_score_takes_y": PARTIAL_FIT,
        "check_n_features_in_after_fitting": PARTIAL_FIT,
        "check_estimators_partial_fit_n_features": PARTIAL_FIT,
        "check_estimators_nan_inf": TINY_SPLIT,
        "check_fit2d_1feature": TINY_SPLIT,
        "check_classifiers_one_label": "one class cannot be split stratified (scikit-learn's too)",
        "check_sample_weight_equivalence_on_dense_data": "the validation split holds out rows, "
        "not weight (scikit-learn's MLP too)",
        "check_sample_weight_equivalence_on_sparse_data": "the validation split holds out rows, "
        "not weight (scikit-learn's MLP too)",
    },
    ("MLPRegressor", "early_stopping"): {
        "check_fit_score_takes_y": PARTIAL_FIT,
        "check_n_features_in_after_fitting": PARTIAL_FIT,
        "check_estimators_partial_fit_n_features": PARTIAL_FIT,
        "check_estimators_nan_inf": TINY_SPLIT,
        "check_fit2d_1feature": TINY_SPLIT,
        "check_regressors_no_decision_function": TINY_SPLIT,
        "check_sample_weight_equivalence_on_dense_data": "the validation split holds out rows, "
        "not weight (scikit-learn's MLP too)",
        "check_sample_weight_equivalence_on_sparse_data": "the validation split holds out rows, "
        "not weight (scikit-learn's MLP too)",
    },
}
# checks that run only because of chainrule's class_weight and fail for the model itself:
# scikit-learn's MLP given the same weights as sample_weight fits the same model (below)
CLASS_WEIGHT = {
    ("MLPClassifier", "tanh"): {
        "check_class_weight_classifiers": "the tanh MLP on these noisy blobs predicts class 0 "
        "for 86% (0.87 asked), as scikit-learn's MLP does with the same weights",
    },
    ("MLPClassifier", "early_stopping"): {
        "check_class_weight_classifiers": "the MLP with early stopping predicts class 0 for "
        "under 87%, as scikit-learn's MLP does with the same weights",
    },
}


ESTIMATORS = {
    (cls.__name__, config): cls(**params)
    for config, params in CONFIGS.items()
    for cls in (MLPClassifier, MLPRegressor)
}
CONFIG_OF = {id(estimator): key for key, estimator in ESTIMATORS.items()}


def expected(estimator):
    """The checks expected to fail for one of ESTIMATORS, with the reason."""
    key = CONFIG_OF[id(estimator)]
    return {**SHARED_FAILURES.get(key, {}), **CLASS_WEIGHT.get(key, {})}


@checks.parametrize_with_checks(list(ESTIMATORS.values()), expected_failed_checks=expected)
def test_scikit_learn_s_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


SHARED = [(est, cfg, name) for (est, cfg), failing in SHARED_FAILURES.items() for name in failing]


@pytest.mark.parametrize("estimator,config,name", SHARED)
def test_scikit_learn_s_own_mlp_fails_the_same_checks(estimator, config, name):
    """The oracle for SHARED_FAILURES: scikit-learn's MLP, configured alike, fails each."""
    reference = {"MLPClassifier": SkClassifier, "MLPRegressor": SkRegressor}[estimator]
    check = getattr(checks, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((AssertionError, ValueError)):
            check(estimator, reference(**CONFIGS[config]))


@pytest.mark.parametrize("config", ["tanh", "early_stopping"])
def test_class_weight_gives_scikit_learn_s_model_with_the_same_sample_weight(config):
    """The oracle for CLASS_WEIGHT: check_class_weight_classifiers' fit, and scikit-learn's
    MLP given the class weights as sample_weight, predict alike."""
    for centers, class_weight in ((2, {0: 1000, 1: 0.0001}), (3, {0: 1000, 1: 0.0001, 2: 0.0001})):
        X, y = make_blobs(centers=centers, random_state=0, cluster_std=20)
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.5, random_state=0)
        options = dict(max_iter=1000, n_iter_no_change=20, random_state=0, **CONFIGS[config])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = MLPClassifier(class_weight=class_weight, **options).fit(X_train, y_train)
            weights = compute_sample_weight(class_weight, y_train)
            theirs = SkClassifier(**options).fit(X_train, y_train, sample_weight=weights)
        np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
