"""The model users predict with: a network, its input standardisation and its target codec.

A :class:`Model` takes samples as rows, like every Python ML library, and hands the core the
transposed view: ``predict(X_rows)`` standardises the rows (if the model was trained on
standardised features), runs forward propagation on ``X = X_rows.T`` ``(n[0], m)``, and
decodes ``A[L]`` into labels, probabilities or values with its codec
(:mod:`chainrule.model.targets`). ``chainrule train --save`` writes one, the estimators hold
one, and ``chainrule predict``, ``evaluate``, ``plot`` and ``export`` use nothing else.

Its model-file kind is ``"model"``: the network's file (:mod:`chainrule.io.modelfile`) with
the codec, the feature names and a free-form ``provenance`` (what the model was trained on)
in ``metadata["model"]``, and the standardisation as the arrays ``scaler.mean`` and
``scaler.scale``. Files written by ``chainrule train`` before format version 2 (a network
with ``metadata["cli"]``) load as models too.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np

from chainrule.core.arrays import describe, host, is_foreign_array
from chainrule.core.network import Network
from chainrule.core.validation import check_instance
from chainrule.errors import DataError, ModelFileError, listed, plural
from chainrule.io.modelfile import (
    FileExtras,
    network_from_file,
    read_model_file,
    register_kind,
    save_network,
)
from chainrule.io.schema import JSON, ListOf, Range, Record, register_section
from chainrule.model.standardizer import Standardizer
from chainrule.model.targets import (
    Classes,
    Outputs,
    TargetCodec,
    Values,
    codec_from_json,
)

KIND = "model"
LABEL = (str, int, float, bool)
NAMES = (None, ListOf(str))
#: The header's ``metadata.model`` (the current format) and ``metadata.cli`` (version 1).
MODEL_SECTION = Record(
    fields={"targets": Record(fields={"type": ("outputs", "classes", "values")}, extra=JSON)},
    optional={"feature_names": NAMES, "provenance": (None, Record(extra=JSON))},
)
FIRST_FORMAT_SECTION = Record(
    optional={
        "classes": ListOf(LABEL, min_length=1),
        "y_mean": float,
        "y_scale": Range(float, 0, open_low=True),
        "features": ListOf(str),
        "named_features": bool,
        "data": str,
        "target": (None, str),
        "settings": Record(extra=JSON),
    },
    extra=JSON,
)
TARGETS = {
    "outputs": Record(fields={"type": "outputs"}),
    "classes": Record(
        fields={"type": "classes", "classes": ListOf(LABEL, min_length=1)},
        optional={"multilabel": bool, "softmax": (None, bool)},
    ),
    "values": Record(
        fields={"type": "values", "mean": ListOf(float, 1), "scale": ListOf(float, 1)},
        optional={"ndim": (1, 2)},
    ),
}


class Model:
    """A trained network with what it takes to use it on raw rows.

    Parameters
    ----------
    net:
        The :class:`~chainrule.core.Network`.
    targets:
        What it predicts (:mod:`chainrule.model.targets`); default :class:`Outputs`, the
        network's own predictions.
    scaler:
        The input standardisation applied before forward propagation, or ``None``.
    feature_names:
        The names of the ``n[0]`` input columns in order, when the training data had real
        names (a CSV header): data with names is then matched column by column by name.
        ``None`` matches by position.
    provenance:
        JSON-ready facts about how the model was made (the command line keeps its run
        settings here); stored and given back, never interpreted.
    """

    def __init__(
        self,
        net: Network,
        targets: TargetCodec | None = None,
        scaler: Standardizer | None = None,
        feature_names: Sequence[str] | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        self.net = check_instance("net", net, Network, "a chainrule Network")
        self.targets = targets or Outputs()
        n_in, n_out = net.layer_sizes[0], net.layer_sizes[-1]
        wanted = self.targets.n_outputs(net.output.name)
        if wanted is not None and wanted != n_out:
            raise DataError(
                f"the targets need {plural(wanted, 'output unit')}; the network has {n_out}"
            )
        if scaler is not None and np.shape(scaler.mean) != (n_in,):
            raise DataError(
                f"the standardisation is for {plural(np.size(scaler.mean), 'feature')}, not {n_in}"
            )
        self.scaler = scaler
        self.feature_names = None if feature_names is None else [str(n) for n in feature_names]
        if self.feature_names is not None and len(self.feature_names) != n_in:
            raise DataError(
                f"{plural(len(self.feature_names), 'feature name')} for {plural(n_in, 'feature')}"
            )
        self.provenance = dict(provenance or {})

    @property
    def kind(self) -> str:
        """``"classifier"``, ``"regressor"`` or ``"network"`` (a bare network)."""
        return self.targets.kind

    @property
    def is_regression(self) -> bool:
        return isinstance(self.targets, Values)

    @property
    def classes(self) -> np.ndarray | None:
        """The class labels in the order of the probabilities' columns; None for regression."""
        return self.targets.classes if isinstance(self.targets, Classes) else None

    # ------------------------------------------------------------------ the input

    def aligned(
        self, X_rows: np.ndarray, names: Sequence[str] | None = None, source: str = "the data"
    ) -> np.ndarray:
        """``X_rows`` with its columns in the order the model was trained on.

        When both the model and the data name their columns (``names``), columns are matched
        by name: reordered columns are put back in order, and a missing or unknown name is a
        :class:`DataError` naming it. Otherwise the columns are taken by position, so their
        count must agree.
        """
        X_rows = X_rows if is_foreign_array(X_rows) else np.asarray(X_rows)
        if X_rows.ndim != 2:
            raise DataError(
                f"{source}: expected rows of features (2-D), got shape {tuple(X_rows.shape)}"
            )
        expected = self.feature_names
        if expected is not None and names is not None:
            names = [str(n) for n in names]
            missing = [n for n in expected if n not in names]
            unknown = [n for n in names if n not in expected]
            if missing or unknown:
                problems = []
                if missing:
                    problems.append(f"missing columns {listed(missing, quote=True)}")
                if unknown:
                    problems.append(f"unknown columns {listed(unknown, quote=True)}")
                raise DataError(
                    f"{source}: {' and '.join(problems)}; the model was trained on the "
                    f"{plural(len(expected), 'column')} {listed(expected, quote=True)}"
                )
            order = [names.index(n) for n in expected]
            return X_rows if order == list(range(len(order))) else X_rows[:, order]
        n_features = self.net.layer_sizes[0]
        if X_rows.shape[1] != n_features:
            raise DataError(
                f"the model expects {plural(n_features, 'feature')} but {source} has "
                f"{X_rows.shape[1]}"
            )
        return X_rows

    def standardised(self, X_rows: np.ndarray) -> np.ndarray:
        """The rows as the network sees them: standardised (a copy) if the model was trained
        on standardised features, else as given."""
        if self.scaler is None:
            return X_rows
        if is_foreign_array(X_rows):
            raise DataError(
                "this model standardises its features on the host: give it NumPy rows "
                f"(the rows are {describe(X_rows)})"
            )
        return self.scaler.transform(X_rows)

    # ------------------------------------------------------------------ predicting

    def outputs(self, X_rows: np.ndarray, standardised: bool = False) -> np.ndarray:
        """``A[L]`` as rows ``(m, n[L])`` for raw feature rows ``(m, n[0])``, by forward
        propagation on ``X = X_rows.T`` (``standardised``: the rows are already transformed)."""
        X_rows = self.aligned(X_rows)
        if not standardised:
            X_rows = self.standardised(X_rows)
        return self.net.forward(X_rows.T).T

    def predict(self, X_rows: np.ndarray, standardised: bool = False) -> np.ndarray:
        """Labels ``(m,)`` (an indicator matrix for multi-label targets), or values ``(m,)``
        (``(m, n)`` for several outputs)."""
        return self.targets.decode(host(self.outputs(X_rows, standardised)), self.net.output.name)

    def predict_proba(self, X_rows: np.ndarray, standardised: bool = False) -> np.ndarray:
        """Class probabilities ``(m, k)``, one column per class in the order of
        :attr:`classes`. A regression model has none (:class:`DataError`)."""
        A_rows = host(self.outputs(X_rows, standardised))
        return self.targets.probabilities(A_rows, self.net.output.name)

    def predict_both(
        self, X_rows: np.ndarray, standardised: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(predictions, probabilities or None)`` from one forward pass."""
        A_rows = host(self.outputs(X_rows, standardised))
        output = self.net.output.name
        probabilities = None if self.is_regression else self.targets.probabilities(A_rows, output)
        return self.targets.decode(A_rows, output), probabilities

    def score(self, X_rows: np.ndarray, y: Any) -> float:
        """Accuracy of :meth:`predict` for a classifier (a multi-label sample counts as right
        when every label is), ``R^2`` for a regressor."""
        predicted = self.predict(X_rows)
        y = np.asarray(y)
        if self.is_regression:
            y = y.astype(np.float64).reshape(predicted.shape)
            residual = ((y - predicted) ** 2).sum(axis=0)
            total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
            return float(np.mean(1 - residual / np.where(total == 0, 1.0, total)))
        right = predicted == y.reshape(predicted.shape)
        return float(right.reshape(len(y), -1).all(axis=1).mean())

    def encode(self, y: Any, dtype: Any = None) -> np.ndarray:
        """Targets ``y`` as the network's ``Y`` ``(n[L], m)``, in its dtype by default."""
        return self.targets.encode(y, dtype or self.net.dtype)

    # ------------------------------------------------------------------ files

    def file_extras(self) -> FileExtras:
        """What a model file holds beside the network: the ``"model"`` kind, the codec, the
        feature names and the provenance, and the standardisation's arrays."""
        arrays = {}
        if self.scaler is not None:
            arrays = {"scaler.mean": self.scaler.mean, "scaler.scale": self.scaler.scale}
        description = {
            "targets": self.targets.to_json(),
            "feature_names": self.feature_names,
            "provenance": self.provenance,
        }
        return FileExtras(KIND, {"model": description}, arrays)

    def save(self, path: str | PathLike[str]) -> None:
        """Write the model to one model file, atomically."""
        extras = self.file_extras()
        save_network(
            self.net, path, kind=extras.kind, metadata=extras.metadata, arrays=extras.arrays
        )

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Model:
        """The model in ``path``; a file holding a bare network gives a model of it."""
        header, arrays = read_model_file(path)
        return cls.from_file(path, header, arrays)

    @classmethod
    def from_file(
        cls,
        path: str | PathLike[str],
        header: dict[str, Any],
        arrays: dict[str, np.ndarray],
        net: Network | None = None,
    ) -> Model:
        """The model of a model file already read (``net``: its network, if already built)."""
        net = net or network_from_file(path, header, arrays)
        metadata = header.get("metadata") or {}
        scaler = None
        if "scaler.mean" in arrays and "scaler.scale" in arrays:
            scaler = Standardizer(arrays["scaler.mean"], arrays["scaler.scale"])
        description = metadata.get("model")
        try:
            if isinstance(description, dict):
                return cls(
                    net,
                    codec_from_json(description.get("targets"), path),
                    scaler,
                    description.get("feature_names"),
                    description.get("provenance"),
                )
            if isinstance(metadata.get("cli"), dict):
                return cls._from_first_format(net, scaler, metadata["cli"], path)
        except DataError as exc:
            raise ModelFileError(f"{path}: {exc}") from None
        return cls(net)

    @classmethod
    def _from_first_format(
        cls, net: Network, scaler: Standardizer | None, cli: dict[str, Any], path: Any
    ) -> Model:
        """A file of format version 1 from ``chainrule train``: its ``metadata["cli"]`` held
        the classes (or the target's mean and scale), the feature names and the run."""
        if "classes" in cli:
            softmax = net.output.name == "softmax"
            targets: TargetCodec = Classes(list(cli["classes"]), softmax=softmax)
        elif "y_mean" in cli and "y_scale" in cli:
            targets = Values(cli["y_mean"], cli["y_scale"])
        else:
            raise ModelFileError(f"{path}: the model's targets are not described")
        names = cli.get("features") if cli.get("named_features") else None
        run = {key: cli[key] for key in ("data", "target", "settings") if key in cli}
        return cls(net, targets, scaler, names, {"cli": run})

    def __repr__(self) -> str:
        return f"Model({self.net!r}, {self.kind}, standardised={self.scaler is not None})"


register_kind(KIND, Model.from_file)
register_section(("metadata", "model"), MODEL_SECTION)
register_section(("metadata", "cli"), FIRST_FORMAT_SECTION)
for _type, _spec in TARGETS.items():
    register_section(
        ("metadata", "model", "targets"),
        _spec,
        lambda header, kind=_type: header["metadata"]["model"]["targets"]["type"] == kind,
    )
