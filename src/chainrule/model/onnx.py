"""ONNX export: a chainrule model as an ONNX graph that runs where Python does not.

The graph takes one float32 input ``X`` of shape ``(batch, n[0])`` (samples as rows, as
deployed code holds data; the batch size is dynamic) and computes forward propagation with
one ``Gemm`` per layer, which keeps ``W[l]`` in its ``(n[l], n[l-1])`` layout (``transB=1``):
``Z = X W[l]ᵀ + b[l]ᵀ``, the rows' form of eq. F1, then the layer's activation (F2, F3).
The :class:`~chainrule.model.Model` says the rest, the one head of every export: its
standardisation becomes the graph's first step (raw features in), and its codec what the
graph returns: ``A_L`` for a bare network, ``label`` and ``probabilities`` for a classifier
(the order of scikit-learn models converted by skl2onnx), ``values`` for a regressor,
mapped back to the target's scale.

Opset :data:`OPSET` (default domain). The feature names and the chainrule version are in
the model's metadata. Parameters are exported as float32; a float64 network is cast, and
:func:`export` warns that it was. Needs the ``onnx`` package (``pip install
'chainrule[onnx]'``).
"""

from __future__ import annotations

import json
import warnings
from os import PathLike
from typing import Any

import numpy as np

from chainrule.core.arrays import host
from chainrule.errors import ChainruleError, ConfigurationError, ModelFileError
from chainrule.extras import needs
from chainrule.io.atomic import atomic_write
from chainrule.model.model import Model
from chainrule.model.targets import Classes, Values
from chainrule.version import __version__

#: The ONNX opset the exported graphs use.
OPSET = 17
ACTIVATIONS = {
    "relu": "Relu",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyRelu",
    "exp": "Exp",
}


def onnx_model(model: Model) -> Any:
    """The ``onnx.ModelProto`` of ``model``; checked with ``full_check=True``."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:
        raise ConfigurationError(needs("ONNX export", "onnx", exc.name)) from None
    net, targets, scaler = model.net, model.targets, model.scaler
    nodes: list[Any] = []
    initializers: list[Any] = []

    def constant(name: str, value: Any) -> str:
        # the weights of a network on another device are exported from their host copy
        host_value = np.asarray(host(value), dtype=np.float32)
        initializers.append(numpy_helper.from_array(host_value, name))
        return name

    n, L = net.layer_sizes, net.L
    current = "X"
    if scaler is not None:
        nodes.append(
            helper.make_node("Sub", [current, constant("input_mean", scaler.mean)], ["X_centred"])
        )
        nodes.append(
            helper.make_node(
                "Div", ["X_centred", constant("input_scale", scaler.scale)], ["X_scaled"]
            )
        )
        current = "X_scaled"
    for l in range(1, L + 1):
        W, b = constant(f"W{l}", net.W[l]), constant(f"b{l}", net.b[l][:, 0])
        nodes.append(
            helper.make_node("Gemm", [current, W, b], [f"Z{l}"], transB=1, name=f"F1_layer{l}")
        )
        name = net.g[l].name if l < L else net.output.name
        current = _activation(helper, nodes, name, f"Z{l}", f"A{l}", net.leaky_slope, l)

    outputs = []
    if isinstance(targets, Values):
        if np.any(targets.scale != 1) or np.any(targets.mean != 0):
            scale, mean = (
                constant("output_scale", targets.scale),
                constant("output_mean", targets.mean),
            )
            nodes.append(helper.make_node("Mul", [current, scale], ["values_scaled"]))
            nodes.append(helper.make_node("Add", ["values_scaled", mean], ["values"]))
        else:
            nodes.append(helper.make_node("Identity", [current], ["values"]))
        outputs.append(helper.make_tensor_value_info("values", TensorProto.FLOAT, ["batch", n[L]]))
    elif isinstance(targets, Classes):
        outputs += _classifier_head(
            helper, numpy_helper, TensorProto, nodes, initializers, net, targets, current
        )
    else:
        nodes.append(helper.make_node("Identity", [current], ["A_L"]))
        outputs.append(helper.make_tensor_value_info("A_L", TensorProto.FLOAT, ["batch", n[L]]))

    graph = helper.make_graph(
        nodes,
        "chainrule",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", n[0]])],
        outputs,
        initializers,
    )
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="chainrule",
        producer_version=__version__,
        doc_string=f"chainrule network {'-'.join(map(str, n))} ({model.kind})",
    )
    proto.ir_version = 8  # readable by every onnxruntime that knows opset 17
    metadata = {
        "chainrule_version": __version__,
        "layer_sizes": json.dumps(list(n)),
        "feature_names": json.dumps(model.feature_names),
        "dtype": "float32" + (" (cast from float64)" if net.dtype == np.float64 else ""),
    }
    if model.classes is not None:
        metadata["classes"] = json.dumps([_plain(c) for c in model.classes])
    helper.set_model_props(proto, metadata)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _activation(
    helper: Any, nodes: list, name: str, source: str, target: str, slope: float, l: int
) -> str:
    if name == "identity":
        return source
    if name == "softmax":
        nodes.append(helper.make_node("Softmax", [source], [target], axis=1, name=f"F3_layer{l}"))
    elif name == "leaky_relu":
        nodes.append(helper.make_node("LeakyRelu", [source], [target], alpha=float(slope)))
    else:
        nodes.append(helper.make_node(ACTIVATIONS[name], [source], [target]))
    return target


def _classifier_head(
    helper, numpy_helper, TensorProto, nodes, initializers, net, targets, A
) -> list:
    """``label`` then ``probabilities``, the outputs (in that order) of a scikit-learn
    classifier converted by skl2onnx."""
    classes = list(targets.classes)
    units = net.layer_sizes[-1]
    outputs = []
    if targets.binary:
        initializers.append(numpy_helper.from_array(np.ones((1, 1), np.float32), "one"))
        nodes.append(helper.make_node("Sub", ["one", A], ["p_negative"]))
        nodes.append(helper.make_node("Concat", ["p_negative", A], ["probabilities"], axis=1))
    else:
        nodes.append(helper.make_node("Identity", [A], ["probabilities"]))
    k = 2 if units == 1 else units
    probabilities = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", k])
    if targets.multilabel:  # an indicator per label
        initializers.append(numpy_helper.from_array(np.full((1,), 0.5, np.float32), "half"))
        nodes.append(helper.make_node("Greater", ["probabilities", "half"], ["above_half"]))
        nodes.append(helper.make_node("Cast", ["above_half"], ["label"], to=TensorProto.INT64))
        outputs.append(helper.make_tensor_value_info("label", TensorProto.INT64, ["batch", units]))
        return [*outputs, probabilities]
    nodes.append(helper.make_node("ArgMax", ["probabilities"], ["class_index"], axis=1, keepdims=0))
    values = np.asarray(classes)
    if values.dtype.kind in "iub":
        table, elem = values.astype(np.int64), TensorProto.INT64
    elif values.dtype.kind == "f":
        table, elem = values.astype(np.float32), TensorProto.FLOAT
    else:
        table, elem = values.astype(object), TensorProto.STRING
    initializers.append(numpy_helper.from_array(table, "classes"))
    nodes.append(helper.make_node("Gather", ["classes", "class_index"], ["label"], axis=0))
    outputs.append(helper.make_tensor_value_info("label", elem, ["batch"]))
    return [*outputs, probabilities]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def export(model: Model, path: str | PathLike[str]) -> dict[str, Any]:
    """Write ``model`` to the ONNX file ``path``, atomically.

    Returns a summary: inputs, outputs, opset, and whether float64 parameters were cast.
    """
    net = model.net
    if net.dtype == np.float64:
        warnings.warn(
            "chainrule: the network is float64; its ONNX graph computes in float32 (parameters "
            "cast), as deployed runtimes expect",
            UserWarning,
            stacklevel=3,
        )
    proto = onnx_model(model)
    try:
        atomic_write(path, lambda handle: handle.write(proto.SerializeToString()), ModelFileError)
    except ChainruleError:
        raise
    return {
        "onnx": str(path),
        "opset": OPSET,
        "inputs": {i.name: _shape(i) for i in proto.graph.input},
        "outputs": {o.name: _shape(o) for o in proto.graph.output},
        "cast_from_float64": bool(net.dtype == np.float64),
    }


def _shape(value_info: Any) -> list[Any]:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]
