"""scipy.sparse input: the same model as from the dense array, without densifying X."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
sp = pytest.importorskip("scipy.sparse")

from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from chainrule import MLPClassifier, MLPRegressor  # noqa: E402
from chainrule.core.network import Cache, Network  # noqa: E402
from chainrule.sklearn.sparse import sparse_product  # noqa: E402


@pytest.fixture
def undensifiable(monkeypatch):
    """While a test runs, densifying a scipy.sparse matrix with the features of X (or some of
    its rows) fails; other sparse matrices (scikit-learn's label encoding) densify as usual."""
    for cls in (sp._compressed._cs_matrix, sp._base._spbase):
        for name in ("toarray", "todense"):
            if name in cls.__dict__:
                monkeypatch.setattr(cls, name, refusing(getattr(cls, name)))


def refusing(densify):
    def guarded(matrix, *args, **kwargs):
        if N_FEATURES in matrix.shape:
            raise AssertionError(f"a sparse X {matrix.shape} was densified")
        return densify(matrix, *args, **kwargs)

    return guarded


N_FEATURES = 12


def sparse_data(seed=0):
    X, y = make_classification(n_samples=80, n_features=N_FEATURES, random_state=seed)
    X[np.abs(X) < 1.0] = 0.0  # about two thirds zeros
    return X, y


def test_the_input_products_are_the_dense_ones():
    rng = np.random.default_rng(0)
    W, dZ = rng.normal(size=(4, 6)), rng.normal(size=(4, 5))
    X = sp.random(6, 5, density=0.4, random_state=1, format="csc")
    out = np.empty((4, 5))
    np.testing.assert_allclose(sparse_product(W, X, out), W @ X.toarray(), rtol=1e-12)
    out = np.empty((4, 6))
    np.testing.assert_allclose(sparse_product(dZ, X.T, out), dZ @ X.toarray().T, rtol=1e-12)
    net = Network([6, 3, 1], dtype="float64", seed=0)
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    dense = net.forward_pass(X.toarray())
    sparse = net.forward_pass(X, Cache(net.layer_sizes, 5, net.dtype, sparse_product))
    np.testing.assert_allclose(sparse.A[2], dense.A[2], rtol=1e-12)
    g_dense = net.batch_gradient(dense, Y, np.empty_like(net.theta))
    g_sparse = net.batch_gradient(sparse, Y, np.empty_like(net.theta))
    np.testing.assert_allclose(g_sparse, g_dense, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_sparse_fit_gives_the_dense_fit_s_model(solver, early_stopping, undensifiable):
    X, y = sparse_data()
    options = dict(
        hidden_layer_sizes=(6,), solver=solver, max_iter=15, batch_size=16, random_state=0,
        early_stopping=early_stopping, n_iter_no_change=50,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = MLPClassifier(**options).fit(X, y)
        sparse = MLPClassifier(**options).fit(sp.csr_matrix(X), y)
    for mine, reference in zip(sparse.coefs_, dense.coefs_, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-9
    )


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_partial_fit_and_predict_take_sparse_rows(container, undensifiable):
    X, y = sparse_data(1)
    dense = MLPRegressor((5,), random_state=0, dtype="float64")
    sparse = MLPRegressor((5,), random_state=0, dtype="float64")
    for _ in range(3):
        dense.partial_fit(X, y.astype(float))
        sparse.partial_fit(container(X), y.astype(float))
    np.testing.assert_allclose(sparse.predict(container(X)), dense.predict(X), rtol=1e-9)
    assert sparse.predict(X[:3]).shape == (3,)  # and dense rows after a sparse fit
