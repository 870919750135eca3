"""ONNX export: a chainrule network as an ONNX graph that runs where Python does not.

The graph takes one float32 input ``X`` of shape ``(batch, n[0])`` (samples as rows, as
deployed code holds data; the batch size is dynamic) and computes forward propagation with
one ``Gemm`` per layer, which keeps ``W[l]`` in its ``(n[l], n[l-1])`` layout (``transB=1``):
``Z = X W[l]ᵀ + b[l]ᵀ``, the rows' form of eq. F1, then the layer's activation (F2, F3).
A :class:`Head` says what the graph returns: ``A[L]`` itself, class probabilities and
labels, or regression values; optional input scaling (a model's standardisation) and
output de-scaling make it take raw features and return raw values.

Opset :data:`OPSET` (default domain). The feature names and the chainrule version are in
the model's metadata. Parameters are exported as float32; a float64 network is cast, and
:func:`export` warns that it was. Needs the ``onnx`` package (``pip install
'chainrule[onnx]'``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np

from chainrule.core.network import Network
from chainrule.errors import ChainruleError, ConfigurationError, ModelFileError
from chainrule.extras import install_command
from chainrule.io.atomic import atomic_write
from chainrule.version import __version__

OPSET = 17
ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyRelu"}


@dataclass
class Head:
    """What the exported graph returns, and how it treats its input.

    ``kind``: ``"network"`` (output ``A_L``, ``A[L]`` as rows), ``"classifier"`` (outputs
    ``label`` and ``probabilities``, one column per class, two for a single sigmoid unit;
    several sigmoid units are multi-label: ``label`` is then the 0/1 indicator matrix) or
    ``"regressor"`` (output ``values``, one column per output). ``classes`` are the labels
    of a classifier; ``input_mean``/``input_scale`` standardise the raw features first;
    ``output_mean``/``output_scale`` map a regressor's values back.
    """

    kind: str = "network"
    classes: Sequence[Any] | None = None
    feature_names: Sequence[str] | None = None
    input_mean: np.ndarray | None = None
    input_scale: np.ndarray | None = None
    output_mean: float | np.ndarray | None = None
    output_scale: float | np.ndarray | None = None


def onnx_model(net: Network, head: Head | None = None) -> Any:
    """The ``onnx.ModelProto`` of ``net`` with ``head``; checked with ``full_check=True``."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ConfigurationError(
            f"ONNX export needs the onnx package: {install_command('onnx')}"
        ) from None
    head = head or Head()
    if head.kind not in ("network", "classifier", "regressor"):
        raise ConfigurationError(f"unknown ONNX head {head.kind!r}")
    nodes: list[Any] = []
    initializers: list[Any] = []

    def constant(name: str, value: Any) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    n, L = net.layer_sizes, net.L
    current = "X"
    if head.input_mean is not None:
        nodes.append(
            helper.make_node(
                "Sub", [current, constant("input_mean", head.input_mean)], ["X_centred"]
            )
        )
        nodes.append(
            helper.make_node(
                "Div", ["X_centred", constant("input_scale", head.input_scale)], ["X_scaled"]
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
    if head.kind == "network":
        nodes.append(helper.make_node("Identity", [current], ["A_L"]))
        outputs.append(helper.make_tensor_value_info("A_L", TensorProto.FLOAT, ["batch", n[L]]))
    elif head.kind == "regressor":
        values = current
        if head.output_scale is not None:
            nodes.append(
                helper.make_node(
                    "Mul", [values, constant("output_scale", head.output_scale)], ["values_scaled"]
                )
            )
            nodes.append(
                helper.make_node(
                    "Add", ["values_scaled", constant("output_mean", head.output_mean)], ["values"]
                )
            )
        else:
            nodes.append(helper.make_node("Identity", [values], ["values"]))
        outputs.append(helper.make_tensor_value_info("values", TensorProto.FLOAT, ["batch", n[L]]))
    else:
        outputs += _classifier_head(
            helper, numpy_helper, TensorProto, nodes, initializers, net, head, current
        )

    graph = helper.make_graph(
        nodes,
        "chainrule",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", n[0]])],
        outputs,
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="chainrule",
        producer_version=__version__,
        doc_string=f"chainrule network {'-'.join(map(str, n))} ({head.kind})",
    )
    model.ir_version = 8  # readable by every onnxruntime that knows opset 17
    metadata = {
        "chainrule_version": __version__,
        "layer_sizes": json.dumps(list(n)),
        "feature_names": json.dumps(
            list(head.feature_names) if head.feature_names is not None else None
        ),
        "dtype": "float32" + (" (cast from float64)" if net.dtype == np.float64 else ""),
    }
    if head.classes is not None:
        metadata["classes"] = json.dumps([_plain(c) for c in head.classes])
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


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


def _classifier_head(helper, numpy_helper, TensorProto, nodes, initializers, net, head, A) -> list:
    classes = list(head.classes)
    units = net.layer_sizes[-1]
    outputs = []
    if net.output.name == "sigmoid" and units == 1:
        initializers.append(numpy_helper.from_array(np.ones((1, 1), np.float32), "one"))
        nodes.append(helper.make_node("Sub", ["one", A], ["p_negative"]))
        nodes.append(helper.make_node("Concat", ["p_negative", A], ["probabilities"], axis=1))
    else:
        nodes.append(helper.make_node("Identity", [A], ["probabilities"]))
    k = 2 if units == 1 else units
    outputs.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", k]))
    if net.output.name == "sigmoid" and units > 1:  # multi-label: an indicator per label
        initializers.append(numpy_helper.from_array(np.full((1,), 0.5, np.float32), "half"))
        nodes.append(
            helper.make_node("GreaterOrEqual", ["probabilities", "half"], ["at_least_half"])
        )
        nodes.append(helper.make_node("Cast", ["at_least_half"], ["label"], to=TensorProto.INT64))
        outputs.append(helper.make_tensor_value_info("label", TensorProto.INT64, ["batch", units]))
        return outputs
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
    return outputs


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def export(net: Network, path: str | PathLike[str], head: Head | None = None) -> dict[str, Any]:
    """Write ``net`` (with ``head``) to the ONNX file ``path``, atomically.

    Returns a summary: inputs, outputs, opset, and whether float64 parameters were cast.
    """
    if net.dtype == np.float64:
        warnings.warn(
            "chainrule: the network is float64; its ONNX graph computes in float32 (parameters "
            "cast), as deployed runtimes expect",
            UserWarning,
            stacklevel=3,
        )
    model = onnx_model(net, head)
    try:
        atomic_write(path, lambda handle: handle.write(model.SerializeToString()), ModelFileError)
    except ChainruleError:
        raise
    return {
        "onnx": str(path),
        "opset": OPSET,
        "inputs": {i.name: _shape(i) for i in model.graph.input},
        "outputs": {o.name: _shape(o) for o in model.graph.output},
        "cast_from_float64": bool(net.dtype == np.float64),
    }


def _shape(value_info: Any) -> list[Any]:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]
