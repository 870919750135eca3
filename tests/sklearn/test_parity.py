"""A drop-in for scikit-learn's MLP: the same model from the same seed, the same trajectory
from the same start, the same conventions, and what scikit-learn users ask for
(class_weight, a validation loss curve)."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import (  # noqa: E402
    load_digits,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkRegressor  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

from chainrule import MLPClassifier, MLPRegressor, Network  # noqa: E402
from chainrule.sklearn.same_seed import initialize_like_scikit_learn  # noqa: E402

ITERATIONS = 20


def from_the_same_start(theirs, ours, X, y):
    """One iteration each, then scikit-learn's coefficients copied into ours; then both
    continue for ITERATIONS more (a warm start: same coefficients, fresh optimisers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in (theirs, ours):
            model.set_params(max_iter=1, warm_start=True).fit(X, y)
        for i, (W, b) in enumerate(zip(theirs.coefs_, theirs.intercepts_, strict=True)):
            ours.coefs_[i][...] = W
            ours.intercepts_[i][...] = b
        for model in (theirs, ours):
            model.set_params(max_iter=ITERATIONS).fit(X, y)


def settings(solver, batch_size):
    return dict(
        hidden_layer_sizes=(7, 5), activation="tanh", solver=solver, batch_size=batch_size,
        learning_rate_init=0.05 if solver == "sgd" else 0.01, alpha=1e-3, shuffle=False,
        tol=0.0, n_iter_no_change=1000, random_state=0, momentum=0.9,
    )  # fmt: skip


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [100, 32], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("classes", [2, 3])
def test_the_classifier_follows_scikit_learn_s_trajectory(solver, batch_size, classes):
    X, y = make_classification(
        n_samples=100, n_features=6, n_informative=4, n_classes=classes, random_state=1
    )
    theirs = SkClassifier(**settings(solver, batch_size))
    ours = MLPClassifier(**settings(solver, batch_size))
    from_the_same_start(theirs, ours, X, y)
    assert ours.n_iter_ == theirs.n_iter_ == ITERATIONS and ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-6)
    for mine, reference in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_the_multi_output_regressor_follows_it_and_reports_its_loss_scale(solver):
    X, Y = make_regression(n_samples=80, n_features=5, n_targets=3, noise=1.0, random_state=0)
    Y = Y / Y.std()
    theirs = SkRegressor(**settings(solver, 16))
    ours = MLPRegressor(**settings(solver, 16))
    from_the_same_start(theirs, ours, X, Y)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-6)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-8)


def test_balanced_class_weight_is_the_equivalent_sample_weight():
    X, y = make_classification(n_samples=120, n_features=5, weights=[0.8], random_state=3)
    options = dict(hidden_layer_sizes=(6,), max_iter=15, random_state=0, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        balanced = MLPClassifier(class_weight="balanced", **options).fit(X, y)
        weighted = MLPClassifier(**options).fit(
            X, y, sample_weight=compute_sample_weight("balanced", y)
        )
        unweighted = MLPClassifier(**options).fit(X, y)
        both = MLPClassifier(class_weight={0: 1.0, 1: 3.0}, **options).fit(
            X, y, sample_weight=np.full(120, 2.0)
        )
        product = MLPClassifier(**options).fit(X, y, sample_weight=np.where(y == 1, 6.0, 2.0))
    np.testing.assert_array_equal(balanced.coefs_[0], weighted.coefs_[0])
    assert not np.allclose(balanced.coefs_[0], unweighted.coefs_[0])
    np.testing.assert_allclose(both.coefs_[0], product.coefs_[0], rtol=1e-12)
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    partial = MLPClassifier((4,), class_weight={0: 1.0, 1: 2.0}, random_state=0)
    partial.partial_fit(X, y, classes=[0, 1])  # a dict works incrementally


def test_the_validation_loss_curve_and_weighted_validation_scores():
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    w = np.where(np.arange(200) % 3 == 0, 3.0, 1.0)
    clf = MLPClassifier((8,), early_stopping=True, max_iter=30, random_state=0, n_iter_no_change=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=w)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == clf.n_iter_ == 30
    assert clf.best_validation_score_ == max(clf.validation_scores_) and clf.best_loss_ is None
    # the best epoch's numbers, recomputed on the held-out rows with their weights: the rows
    # scikit-learn holds out, drawn after the initial coefficients from the same stream
    stream = np.random.RandomState(0)
    initialize_like_scikit_learn(Network([5, 8, 1]), "relu", stream)
    _, val = train_test_split(
        np.arange(200), random_state=stream, test_size=0.1, stratify=y.reshape(-1, 1) == 1
    )
    best = int(np.argmax(clf.validation_scores_))
    weighted = clf.score(X[val], y[val], sample_weight=w[val])
    assert clf.best_validation_score_ == pytest.approx(weighted, rel=1e-12)
    assert weighted != pytest.approx(clf.score(X[val], y[val]))  # the weights matter here
    loss = clf.net_.cost(X[val].T, y[val].reshape(1, -1), sample_weight=w[val])
    assert clf.validation_loss_curve_[best] == pytest.approx(loss, rel=1e-9)
    plain = MLPClassifier((8,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.fit(X, y)
    assert plain.best_validation_score_ is None and plain.validation_loss_curve_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])


def targets(kind):
    """Data for each target type: binary, multi-class, multi-label, real, counts."""
    if kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=90, n_features=6, n_classes=3, random_state=2
        )
    elif kind == "poisson":
        X, _ = make_regression(n_samples=90, n_features=6, random_state=2)
        X = X / X.std()
        y = np.random.default_rng(2).poisson(np.exp(0.3 * X[:, 0] + 0.5)).astype(float)
    elif kind == "squared_error":
        X, y = make_regression(n_samples=90, n_features=6, noise=1.0, random_state=2)
        y = y / y.std()
    else:
        X, y = make_classification(
            n_samples=90, n_features=6, n_informative=4, n_classes=int(kind), random_state=2
        )
    return X, y


SAME_SEED_CASES = [
    (solver, kind)
    for solver in ("sgd", "adam", "lbfgs")
    for kind in ("2", "3", "multilabel", "squared_error", "poisson")
]


@pytest.mark.parametrize("solver,kind", SAME_SEED_CASES)
def test_the_same_seed_gives_scikit_learn_s_model(solver, kind):
    """Nothing copied across: the same random_state draws the same initial coefficients and
    shuffles, and the optimisers step alike (20 epochs of mini-batches; 10 L-BFGS steps)."""
    X, y = targets(kind)
    regression = kind in ("squared_error", "poisson")
    options = dict(
        hidden_layer_sizes=(7, 5), activation="tanh", solver=solver, batch_size=16, alpha=1e-3,
        max_iter=10 if solver == "lbfgs" else ITERATIONS, tol=0.0, random_state=4,
        learning_rate_init=0.01, learning_rate="invscaling" if solver == "sgd" else "constant",
        power_t=0.25,
    )  # fmt: skip
    if regression:
        theirs, ours = SkRegressor(loss=kind, **options), MLPRegressor(loss=kind, **options)
    else:
        theirs, ours = SkClassifier(**options), MLPClassifier(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ and ours.out_activation_ == theirs.out_activation_
    pairs = zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True)
    for mine, reference in pairs:
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-9)
    if solver == "lbfgs":
        np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-6)
    else:
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
        assert ours.t_ == theirs.t_ and ours.best_loss_ == pytest.approx(theirs.best_loss_)
    if regression:
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-9)
    else:
        np.testing.assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9
        )


@pytest.mark.parametrize("Estimator", ["classifier", "regressor"])
def test_the_same_seed_with_early_stopping_holds_out_and_stops_alike(Estimator):
    X, y = targets("3" if Estimator == "classifier" else "squared_error")
    options = dict(
        hidden_layer_sizes=(8,), solver="sgd", early_stopping=True, max_iter=60,
        learning_rate_init=0.05, n_iter_no_change=3, random_state=np.random.RandomState(7),
    )  # fmt: skip
    pair = (
        (SkClassifier, MLPClassifier) if Estimator == "classifier" else (SkRegressor, MLPRegressor)
    )
    theirs, ours = (cls(**options) for cls in pair)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.set_params(random_state=np.random.RandomState(7)).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 60
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-6)
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-6, atol=1e-9)


def test_lbfgs_on_the_same_seed_ends_at_scikit_learn_s_loss():
    """Past a few steps L-BFGS amplifies rounding differences: compare the final loss after a
    fixed number of iterations (tol=0)."""
    X, y = load_digits(return_X_y=True)
    X = X[:500] / 16
    options = dict(hidden_layer_sizes=(32,), solver="lbfgs", tol=0.0, max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkClassifier(**options).fit(X, y[:500])
        ours = MLPClassifier(**options).fit(X, y[:500])
    assert ours.n_iter_ == theirs.n_iter_ == 100
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-3)
