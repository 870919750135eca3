"""The scikit-learn estimators: the estimator checks, the ecosystem, accuracy, attributes, files."""

import pickle
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, make_classification, make_multilabel_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule import MLPClassifier, MLPRegressor  # noqa: E402
from chainrule.errors import ConfigurationError, ModelFileError  # noqa: E402


@pytest.mark.parametrize("input_dtype", [np.float32, np.float64, np.int64])
def test_the_network_computes_in_the_input_s_float_dtype_unless_told(input_dtype):
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    X = (X * 10).astype(input_dtype)
    follows = MLPClassifier((4,), max_iter=2).fit(X, y)
    assert follows.net_.dtype == (np.float32 if input_dtype == np.float32 else np.float64)
    assert follows.predict_proba(X).dtype == follows.net_.dtype
    told = MLPClassifier((4,), max_iter=2, dtype="float32").fit(X, y)
    assert told.net_.dtype == np.float32


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def test_digits_accuracy_at_least_scikit_learns(digits):
    X_train, X_test, y_train, y_test = digits
    ours, theirs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(4):
            settings = dict(
                hidden_layer_sizes=(64,), max_iter=200, n_iter_no_change=200, random_state=seed
            )
            ours.append(MLPClassifier(**settings).fit(X_train, y_train).score(X_test, y_test))
            theirs.append(
                SklearnMLPClassifier(**settings).fit(X_train, y_train).score(X_test, y_test)
            )
    assert np.mean(ours) >= np.mean(theirs), (ours, theirs)


def test_binary_uses_the_seeds_sigmoid_output():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    labels = np.array(["benign", "malignant"])[y]
    clf = MLPClassifier((8,), max_iter=300, random_state=0).fit(X, labels)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert set(clf.predict(X)) <= {"benign", "malignant"}
    assert clf.score(X, labels) > 0.85  # scikit-learn's model from this seed: 0.883


def test_multiclass_uses_softmax_and_multilabel_per_output_sigmoid():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    clf = MLPClassifier((10,), max_iter=300, random_state=0).fit(X, y)
    assert clf.out_activation_ == "softmax" and clf.predict_proba(X).shape == (150, 3)
    X, Y = make_multilabel_classification(n_samples=100, n_classes=4, random_state=0)
    multi = MLPClassifier((10,), max_iter=300, random_state=0).fit(X, Y)
    assert multi.out_activation_ == "logistic" and multi.n_outputs_ == 4
    assert multi.predict(X).shape == (100, 4)
    assert set(np.unique(multi.predict(X))) <= {0, 1}


def test_coefs_and_intercepts_are_views_in_sklearn_shapes():
    X, y = make_classification(n_samples=50, n_features=5, random_state=0)
    clf = MLPClassifier((7, 3), max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(5, 7), (7, 3), (3, 1)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (3,), (1,)]
    assert np.shares_memory(clf.coefs_[0], clf.net_.theta)
    assert np.shares_memory(clf.intercepts_[1], clf.net_.theta)
    clf.coefs_[0][0, 0] = 42.0
    assert clf.net_.W[1][0, 0] == 42.0


def test_fitted_attributes():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    clf = MLPClassifier(
        (6,), max_iter=30, random_state=0, early_stopping=True, n_iter_no_change=3
    ).fit(X, y)
    assert clf.n_features_in_ == 4 and list(clf.classes_) == [0, 1]
    assert len(clf.loss_curve_) == clf.n_iter_ == len(clf.validation_scores_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    reg = MLPRegressor((6,), max_iter=20, random_state=0).fit(X, y.astype(float))
    assert reg.best_loss_ == min(reg.loss_curve_) and reg.validation_scores_ is None


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "gd"])
@pytest.mark.parametrize("learning_rate", ["constant", "adaptive", "step", "exponential"])
def test_every_solver_and_schedule_learns(solver, learning_rate):
    X, y = make_classification(n_samples=120, n_features=5, random_state=1)
    rate = 0.2 if solver in ("sgd", "gd") else 0.02
    clf = MLPClassifier(
        (8,),
        solver=solver,
        learning_rate=learning_rate,
        learning_rate_init=rate,
        max_iter=100,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert clf.fit(X, y).score(X, y) > 0.8


def test_unsupported_settings_are_named():
    X, y = make_classification(
        n_samples=20, n_features=3, n_informative=2, n_redundant=0, random_state=0
    )
    with pytest.raises(ConfigurationError, match="solver 'newton' is not supported"):
        MLPClassifier(solver="newton").fit(X, y)
    with pytest.raises(ConfigurationError, match="learning_rate 'cosine' is not supported"):
        MLPClassifier(learning_rate="cosine").fit(X, y)
    with pytest.raises(ConfigurationError, match="loss 'huber' is not supported"):
        MLPRegressor(loss="huber").fit(X, y)


# What scikit-learn's own tests check through its private attributes (tests/sklearn/
# test_upstream.py deselects them), checked here through chainrule's API.


def test_one_sgd_step_from_assigned_coefficients_is_the_worked_example():
    """Upstream test_fit: sets the coefficients, takes one SGD step and compares with a
    worked example. Here coefs_/intercepts_ are assigned on a fitted estimator."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    mlp = MLPClassifier(
        hidden_layer_sizes=2, activation="logistic", solver="sgd", learning_rate_init=0.1,
        alpha=0.1, momentum=0, max_iter=1, random_state=1, dtype="float64",
    )  # fmt: skip
    mlp.partial_fit(X, y, classes=[0, 1])
    mlp.coefs_ = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]]), np.array([[0.1], [0.2]])]
    mlp.intercepts_ = [np.array([0.1, 0.1]), np.array([1.0])]
    mlp.partial_fit(X, y)
    np.testing.assert_allclose(
        mlp.coefs_[0], [[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]], atol=1e-3
    )
    np.testing.assert_allclose(mlp.coefs_[1], [[0.04706], [0.154089]], atol=1e-3)
    np.testing.assert_allclose(mlp.intercepts_[0], [0.098333, 0.09626], atol=1e-3)
    np.testing.assert_allclose(mlp.intercepts_[1], [0.9235], atol=1e-3)
    assert mlp.predict_proba(X)[0, 1] == pytest.approx(0.739, abs=1e-3)
    with pytest.raises(ConfigurationError, match="shapes"):
        mlp.coefs_ = [np.zeros((2, 3)), np.zeros((2, 1))]
    with pytest.raises(AttributeError, match="fitted estimator only"):
        MLPClassifier().coefs_ = []


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("classes", [2, 3])
def test_the_cost_and_gradient_lbfgs_minimises_match_finite_differences(activation, classes):
    """Upstream test_gradient (its _loss_grad_lbfgs): lbfgs minimises the network's own cost
    with its backpropagated gradient, which central differences confirm."""
    rng = np.random.RandomState(42)
    X = rng.rand(5, 10)
    y = 1 + np.mod(np.arange(5) + 1, classes)
    mlp = MLPClassifier(
        hidden_layer_sizes=10, activation=activation, solver="lbfgs", alpha=1e-5, max_iter=1,
        random_state=1,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    net = mlp.net_
    Y = mlp._label_binarizer.transform(y).T.astype(float)
    analytic = np.concatenate([g.ravel() for g in net.gradients(X.T, Y).values()])
    theta = net.theta.copy()
    numeric = np.array([_central(net, X.T, Y, theta, i) for i in range(net.n_params)])
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)
    assert mlp.loss_ == pytest.approx(net.cost(X.T, Y), rel=1e-12)


def _central(net, X, Y, theta, i, h=1e-5):
    up, down = theta.copy(), theta.copy()
    up[i] += h
    down[i] -= h
    net.theta[...] = up
    J_up = net.cost(X, Y)
    net.theta[...] = down
    J_down = net.cost(X, Y)
    net.theta[...] = theta
    return (J_up - J_down) / (2 * h)


@pytest.mark.parametrize("learning_rate", ["invscaling", "constant"])
def test_a_warm_start_continues_the_invscaling_schedule(learning_rate):
    """Upstream test_learning_rate_warmstart (its _optimizer.learning_rate): after two warm
    fits of one epoch on 4 samples, invscaling's rate is alpha_0 / (8 + 1)^power_t."""
    X, y = [[3, 2], [1, 6], [5, 6], [-2, -4]], [1, 1, 1, 0]
    mlp = MLPClassifier(
        hidden_layer_sizes=4, solver="sgd", learning_rate=learning_rate, max_iter=1,
        power_t=0.25, warm_start=True,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
        before = mlp.trainer_.optimizer.learning_rate
        mlp.fit(X, y)
    after = mlp.trainer_.optimizer.learning_rate
    if learning_rate == "constant":
        assert before == after == mlp.learning_rate_init
    else:
        assert after == pytest.approx(mlp.learning_rate_init / 9**0.25, rel=1e-15)


def test_the_adaptive_schedule_stops_as_scikit_learn_s():
    """Upstream test_adaptive_learning_rate (its _optimizer.learning_rate): the rate is
    divided by 5 on each stall until a stall finds it at or below 1e-6."""
    X, y = [[3, 2], [1, 6]], [1, 0]
    options = dict(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive", random_state=0)
    mlp = MLPClassifier(**options).fit(X, y)
    reference = SklearnMLPClassifier(**options).fit(X, y)
    assert mlp.max_iter > mlp.n_iter_ == reference.n_iter_
    assert mlp.trainer_.optimizer.learning_rate == pytest.approx(3.2e-7)  # 1e-3 / 5^5


def binary_digits():
    X, y = load_digits(n_class=2, return_X_y=True)
    return X[:100], y[:100]


@pytest.mark.parametrize("n_iter_no_change", [2, 5, 10, 50, 100])
def test_training_stops_after_n_iter_no_change_stalls(n_iter_no_change):
    """Upstream test_n_iter_no_change (its _no_improvement_count)."""
    mlp = MLPClassifier(tol=0.01, max_iter=3000, solver="sgd", n_iter_no_change=n_iter_no_change)
    mlp.fit(*binary_digits())
    assert mlp.max_iter > mlp.n_iter_
    assert mlp.trainer_.state.no_improvement == n_iter_no_change + 1


def test_n_iter_no_change_inf_never_stops():
    """Upstream test_n_iter_no_change_inf: with np.inf every epoch runs, and every epoch after
    the first counts as a stall at a huge tol."""
    mlp = MLPClassifier(tol=1e9, max_iter=300, solver="sgd", n_iter_no_change=np.inf)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        mlp.fit(*binary_digits())
    assert mlp.n_iter_ == mlp.max_iter
    assert mlp.trainer_.state.no_improvement == mlp.n_iter_ - 1


def test_pipeline_grid_search_and_cross_validation():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=200, random_state=0))
    grid = GridSearchCV(
        pipe,
        {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)], "mlpclassifier__alpha": [1e-4, 1e-2]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
        scores = cross_val_score(
            MLPRegressor((8,), max_iter=100, random_state=0), X, y.astype(float), cv=3
        )
    assert grid.best_score_ > 0.8 and len(grid.cv_results_["params"]) == 4
    assert scores.shape == (3,)


def test_partial_fit_and_warm_start_continue_training():
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    clf = MLPClassifier((6,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X, y, classes=[0, 1])
    first = clf.coefs_[0].copy()
    clf.partial_fit(X, y)
    assert not np.array_equal(first, clf.coefs_[0])
    reference = SklearnMLPClassifier((6,), random_state=0)
    reference.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert (
        (clf.n_iter_, clf.t_, len(clf.loss_curve_))
        == (reference.n_iter_, reference.t_, len(reference.loss_curve_))
        == (1, 200, 2)
    )  # n_iter_ is the last call's; t_ counts every sample seen
    warm = MLPClassifier((6,), max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X, y)
        net, optimizer = warm.net_, warm.trainer_.optimizer
        warm.fit(X, y)
    assert warm.net_ is net and len(warm.loss_curve_) == 10 and warm.n_iter_ == 5
    assert warm.trainer_.optimizer is not optimizer  # a fresh optimiser, as scikit-learn's
    assert warm.trainer_.optimizer.t == optimizer.t == 5  # one full batch per epoch


def test_sample_weight_zero_ignores_examples():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    w = np.ones(60)
    w[::2] = 0
    a = MLPRegressor(
        (5,), max_iter=5, shuffle=False, batch_size=60, random_state=0, dtype="float64"
    )
    b = MLPRegressor(
        (5,), max_iter=5, shuffle=False, batch_size=30, random_state=0, dtype="float64"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y.astype(float), sample_weight=w)
        b.fit(X[1::2], y[1::2].astype(float))
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-10)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_save_load_and_pickle_round_trip(Estimator, tmp_path):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    target = np.array(["a", "b"])[y] if Estimator is MLPClassifier else y.astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Estimator((5,), max_iter=10, random_state=0).fit(X, target)
    est.save(tmp_path / "est.npz")
    loaded = Estimator.load(tmp_path / "est.npz")
    for restored in (loaded, pickle.loads(pickle.dumps(est))):
        np.testing.assert_array_equal(restored.predict(X), est.predict(X))
        assert restored.get_params() == est.get_params()
        assert restored.loss_curve_ == est.loss_curve_
    import chainrule

    assert type(chainrule.load(tmp_path / "est.npz")) is Estimator
    other = MLPRegressor if Estimator is MLPClassifier else MLPClassifier
    with pytest.raises(ModelFileError, match=f"not a {other.__name__}"):
        other.load(tmp_path / "est.npz")


def test_feature_names_from_a_dataframe_are_kept_checked_and_saved(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = MLPClassifier((5,), max_iter=20, random_state=0).fit(frame, y)
    assert clf.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(
            frame[["b", "a", "c", "d"]]
        )  # reordered columns are refused, as scikit-learn does
    clf.save(tmp_path / "clf.npz")
    loaded = cr.load(tmp_path / "clf.npz")
    assert loaded.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(loaded.predict(frame), clf.predict(frame))
