"""Property-based tests (hypothesis) and bounded fuzzing of the file readers."""

import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import chainrule as cr
from chainrule.errors import ChainruleError
from chainrule.io.readers import read_csv

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OUTPUTS = ["sigmoid", "softmax", "identity"]
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def networks(draw, dtype=None):
    depth = draw(st.integers(1, 4))
    output = draw(st.sampled_from(OUTPUTS))
    sizes = [draw(st.integers(1, 6)) for _ in range(depth)]
    sizes.append(draw(st.integers(2 if output == "softmax" else 1, 4)))
    return cr.Network(
        sizes,
        draw(st.sampled_from(HIDDEN)),
        output,
        seed=draw(st.integers(0, 2**16)),
        dtype=dtype or draw(st.sampled_from(["float32", "float64"])),
    )


def targets_for(net, m, seed):
    rng = np.random.default_rng(seed)
    n_out = net.layer_sizes[-1]
    if net.output.name == "sigmoid":
        return (rng.random((n_out, m)) > 0.5).astype(float)
    if net.output.name == "softmax":
        return np.eye(n_out)[rng.integers(0, n_out, m)].T
    return rng.normal(size=(n_out, m))


@FAST
@given(net=networks(dtype="float64"), m=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_gradient_check_holds_for_any_architecture(net, m, seed):
    rng = np.random.default_rng(seed)
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.5, size=net.b[l].shape)
    X = rng.normal(size=(net.layer_sizes[0], m))
    cache = net.forward_pass(X)
    if net.L > 1 and net.hidden_activation in ("relu", "leaky_relu"):
        assume(min(np.abs(cache.Z[l]).min() for l in range(1, net.L)) > 1e-3)  # off the kinks
    errors = cr.gradcheck(net, X, targets_for(net, m, seed))
    assert max(errors.values()) < 1e-6, errors


@FAST
@given(net=networks(), data=st.data())
def test_forward_is_finite_on_finite_input(net, data):
    m = data.draw(st.integers(1, 8))
    X = data.draw(
        arrays(np.float64, (net.layer_sizes[0], m), elements=st.floats(-1e6, 1e6, allow_nan=False))
    )
    A = net.forward(X)
    assert A.shape == (net.layer_sizes[-1], m)
    assert np.isfinite(A).all()
    if net.output.name != "identity":
        assert (A >= 0).all() and (A <= 1).all()


@FAST
@given(
    output=st.sampled_from(["sigmoid", "softmax"]),
    logits=arrays(np.float64, (2, 5), elements=st.floats(-1e300, 1e300, allow_nan=False)),
    labels=arrays(np.int64, (5,), elements=st.integers(0, 1)),
)
def test_cost_is_finite_even_at_probabilities_0_and_1(output, logits, labels):
    from chainrule.core.outputs import get_output

    Y = np.eye(2)[labels].T
    with np.errstate(over="ignore"):
        cost = get_output(output).cost(logits, Y)
    assert np.isfinite(cost) and cost >= 0


@FAST
@given(net=networks(), m=st.integers(1, 12), batch=st.integers(1, 12), seed=st.integers(0, 99))
def test_training_never_mutates_the_callers_data(net, m, batch, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(net.layer_sizes[0], m)).astype(net.dtype)  # no conversion copy
    Y = targets_for(net, m, seed).astype(net.dtype)
    X_before, Y_before = X.copy(), Y.copy()
    cr.fit(net, X, Y, epochs=2, batch_size=batch, learning_rate=0.01)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


# ---------------------------------------------------------------------- fuzzing

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.text(alphabet=st.sampled_from(list('0123456789,.-+eE\n "\tabcnaif\r')), max_size=300),
    )
)
def test_csv_reader_raises_nothing_but_chainrule_errors(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    try:
        table = read_csv(path)
    except ChainruleError:
        return
    assert np.isfinite(table.X).all() and len(table.X) == len(table.y)


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.npz"
    cr.save(cr.Network([4, 3, 2], "tanh", "softmax", seed=0), path)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_model_reader_raises_nothing_but_chainrule_errors(tmp_path_factory, model_bytes, data):
    kind = data.draw(st.sampled_from(["flip", "truncate", "splice", "random"]))
    raw = bytearray(model_bytes)
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "splice":
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    else:
        raw = bytearray(data.draw(st.binary(max_size=600)))
    path = tmp_path_factory.mktemp("fuzz") / "model.npz"
    path.write_bytes(bytes(raw))
    try:
        net = cr.load(path)
    except ChainruleError:
        return
    assert np.isfinite(net.theta).all()


@FUZZ
@given(
    header=st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(10**12), 10**12)
        | st.floats()
        | st.text(max_size=8),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    ),
    keep_network=st.booleans(),
)
def test_hostile_headers_raise_nothing_but_chainrule_errors(tmp_path_factory, header, keep_network):
    if keep_network and isinstance(header, dict):
        header = {"format": "chainrule", "version": 1, "network": header, "arrays": header}
    path = tmp_path_factory.mktemp("hdr") / "model.npz"
    encoded = json.dumps(header, allow_nan=True).encode()
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("header.npy", "w") as member:
            np.lib.format.write_array(member, np.frombuffer(encoded, dtype=np.uint8))
        with archive.open("theta.npy", "w") as member:
            np.lib.format.write_array(member, np.zeros(19, np.float32))
    try:
        cr.load(path)
    except ChainruleError:
        pass
