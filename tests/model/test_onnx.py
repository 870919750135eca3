"""ONNX export: onnxruntime computes what chainrule computes, for every kind of network."""

import json
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.model.onnx import OPSET, onnx_model

onnx = pytest.importorskip("onnx", reason="ONNX export needs onnx: pip install '.[onnx]'")
ort = pytest.importorskip("onnxruntime", reason="the tests run exports in onnxruntime")

RTOL, ATOL = 1e-5, 1e-6


def run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X.astype(np.float32)}), strict=True))


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity", "exp"])
def test_a_network_of_every_activation_and_output(hidden, output, tmp_path, rng):
    net = cr.Network([5, 7, 6, 3], hidden, output, seed=0, leaky_slope=0.2)
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(size=net.b[l].shape)
    X = rng.normal(size=(11, 5)).astype(np.float32)
    summary = cr.export_onnx(net, tmp_path / "net.onnx")
    assert summary["inputs"] == {"X": ["batch", 5]} and summary["opset"] == OPSET
    got = run(tmp_path / "net.onnx", X)["A_L"]
    np.testing.assert_allclose(got, net.forward(X.T).T, rtol=RTOL, atol=ATOL)
    onnx.checker.check_model(onnx.load(tmp_path / "net.onnx"), full_check=True)


def test_per_layer_activations_any_depth_and_any_batch(tmp_path, rng):
    net = cr.Network(
        [4, 6, 5, 5, 4, 2], ["tanh", "relu", "leaky_relu", "sigmoid"], "softmax", seed=1
    )
    cr.export_onnx(net, tmp_path / "deep.onnx")
    for batch in (1, 3, 64):
        X = rng.normal(size=(batch, 4)).astype(np.float32)
        np.testing.assert_allclose(
            run(tmp_path / "deep.onnx", X)["A_L"], net.forward(X.T).T, rtol=RTOL, atol=ATOL
        )


@pytest.fixture(scope="module")
def data():
    sklearn = pytest.importorskip("sklearn.datasets")
    X, y = sklearn.make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X.astype(np.float32), y


@pytest.mark.parametrize("labels", ["binary", "multiclass", "strings", "multilabel"])
def test_classifiers_give_predict_proba_and_predict(labels, data, tmp_path):
    X, y = data
    if labels == "binary":
        y = (y == 0).astype(int)
    elif labels == "strings":
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    elif labels == "multilabel":
        y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = cr.MLPClassifier((8, 5), max_iter=30, random_state=0).fit(X, y)
    cr.export_onnx(clf, tmp_path / "clf.onnx")
    got = run(tmp_path / "clf.onnx", X)
    np.testing.assert_allclose(got["probabilities"], clf.predict_proba(X), rtol=RTOL, atol=ATOL)
    expected = clf.predict(X)
    assert got["label"].shape == expected.shape
    assert [str(v) for v in got["label"].ravel()] == [str(v) for v in expected.ravel()]
    if labels == "binary":
        assert got["probabilities"].shape == (120, 2)


def test_a_multi_output_regressor_and_the_metadata(tmp_path, rng):
    pd = pytest.importorskip("pandas")
    X = rng.normal(size=(60, 4))
    Y = np.column_stack([X @ [1.0, 2.0, 0.0, -1.0], X[:, 0] * X[:, 1]])
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = cr.MLPRegressor((9,), max_iter=40, random_state=0).fit(frame, Y)
    with pytest.warns(UserWarning, match="float64; its ONNX graph computes in float32"):
        summary = cr.export_onnx(reg, tmp_path / "reg.onnx")
    assert summary["cast_from_float64"] and summary["outputs"] == {"values": ["batch", 2]}
    got = run(tmp_path / "reg.onnx", X)["values"]
    np.testing.assert_allclose(got, reg.predict(frame), rtol=1e-4, atol=1e-5)  # cast to float32
    props = {p.key: p.value for p in onnx.load(tmp_path / "reg.onnx").metadata_props}
    assert json.loads(props["feature_names"]) == ["a", "b", "c", "d"]
    assert props["chainrule_version"] == cr.__version__


def test_the_gemm_keeps_w_in_its_layout():
    net = cr.Network([3, 4, 2], seed=0)
    model = onnx_model(cr.Model(net))
    W1 = next(t for t in model.graph.initializer if t.name == "W1")
    assert list(W1.dims) == [4, 3]  # (n[1], n[0]), with transB=1 in the Gemm
    gemm = next(node for node in model.graph.node if node.op_type == "Gemm")
    assert any(a.name == "transB" and a.i == 1 for a in gemm.attribute)


def test_a_command_line_model_exports_with_its_standardisation_and_classes(tmp_path):
    pytest.importorskip("typer")
    from typer.testing import CliRunner

    from chainrule.cli.app import app
    from chainrule.io.datasets import load_data

    model = tmp_path / "wine.npz"
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["train", "--data", "wine", "--epochs", "50", "--save", str(model)]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app, ["export", "--model", str(model), "-o", str(tmp_path / "wine.onnx"), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    rows = load_data("wine")
    got = run(tmp_path / "wine.onnx", rows.X)
    loaded = cr.load(model)
    labels, probabilities = loaded.predict(rows.X), loaded.predict_proba(rows.X)
    np.testing.assert_allclose(got["probabilities"], probabilities, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(got["label"], labels)


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_an_unfitted_estimator_is_scikit_learn_s_not_fitted_error(name, tmp_path):
    exceptions = pytest.importorskip("sklearn.exceptions")
    with pytest.raises(exceptions.NotFittedError):
        cr.export_onnx(getattr(cr, name)(), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
