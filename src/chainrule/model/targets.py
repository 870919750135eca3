"""Target codecs: between a user's targets (labels, values) and the network's ``Y`` and ``A[L]``.

A codec says what a model predicts. It encodes targets ``y`` (one per sample, or one row per
sample for several outputs) as the ``Y`` ``(n[L], m)`` the cost compares with ``A[L]``, and
decodes the network's outputs, as rows ``(m, n[L])``, back into predictions:

* :class:`Outputs`: a bare network; ``Y`` is given as the network takes it, and predictions
  follow the output's own rule (0/1, class index, or the value);
* :class:`Classes`: class labels: one sigmoid unit for two classes (``P(class 1)``), a softmax
  over ``k`` classes, or one sigmoid unit per label for multi-label indicator targets;
* :class:`Values`: real values, standardised for training (``(y - mean) / scale``) and
  mapped back for prediction.

Each codec has a file form (:meth:`TargetCodec.to_json`, :func:`codec_from_json`): plain JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.errors import DataError, ModelFileError, listed, shown

THRESHOLD = 0.5  # a sigmoid unit says "class 1" (or "label on") above this probability


class TargetCodec:
    """What every codec offers; ``kind`` is ``"network"``, ``"classifier"`` or
    ``"regressor"`` (the ONNX head of the model follows it)."""

    kind = "network"

    def n_outputs(self, output: str) -> int | None:
        """The number of output units this codec needs (``None``: whatever the network has)."""
        return None

    def encode(self, y: Any, dtype: Any = np.float64) -> np.ndarray:
        """Targets ``y`` as ``Y`` ``(n[L], m)`` in ``dtype``."""
        raise NotImplementedError

    def decode(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        """Predictions from the network's outputs ``A[L]`` as rows ``(m, n[L])``."""
        raise NotImplementedError

    def probabilities(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        """Class probabilities ``(m, k)`` from ``A[L]`` as rows."""
        raise DataError("a regression model predicts values; it has no class probabilities")

    def to_json(self) -> dict[str, Any]:
        """The codec as the ``targets`` section of a model file (see :func:`codec_from_json`)."""
        raise NotImplementedError


class Outputs(TargetCodec):
    """A bare network: targets are ``Y`` as the network takes them, predictions its own."""

    def encode(self, y: Any, dtype: Any = np.float64) -> np.ndarray:
        return np.asarray(y, dtype=dtype)

    def decode(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        if output == "softmax":
            return A_rows.argmax(axis=1)
        if output == "sigmoid":
            decided = (A_rows > THRESHOLD).astype(np.int64)
            return decided[:, 0] if decided.shape[1] == 1 else decided
        return A_rows[:, 0] if A_rows.shape[1] == 1 else A_rows

    def probabilities(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        if output == "softmax":
            return A_rows
        if output == "sigmoid":
            return np.hstack([1 - A_rows, A_rows]) if A_rows.shape[1] == 1 else A_rows
        return super().probabilities(A_rows, output)

    def to_json(self) -> dict[str, Any]:
        return {"type": "outputs"}


class Classes(TargetCodec):
    """Class labels ``classes`` (sorted, as ``numpy.unique`` gives them).

    Two classes: one sigmoid unit, ``Y = [y == classes[1]]`` ``(1, m)``. More (or two with
    ``softmax=True``): a softmax over one unit per class, ``Y`` one-hot ``(k, m)``.
    ``multilabel``: ``y`` is a 0/1 indicator matrix ``(m, k)``, one sigmoid unit per label,
    ``Y = y.T``.
    """

    kind = "classifier"

    def __init__(
        self, classes: Sequence[Any], multilabel: bool = False, softmax: bool | None = None
    ) -> None:
        self.classes = np.asarray(classes)
        self.multilabel = bool(multilabel)
        if self.classes.ndim != 1 or len(self.classes) < 1:
            raise DataError(f"classes must be a list of labels, got {shown(classes)}")
        if softmax is None:
            softmax = not self.multilabel and len(self.classes) > 2
        self.softmax = bool(softmax)
        if self.multilabel and self.softmax:
            raise DataError("multi-label targets take one sigmoid unit per label, not a softmax")
        if self.binary and len(self.classes) > 2:
            raise DataError(f"one sigmoid unit cannot tell {len(self.classes)} classes apart")

    @property
    def binary(self) -> bool:
        """One sigmoid unit for two classes."""
        return not self.multilabel and not self.softmax

    def n_outputs(self, output: str) -> int:
        return 1 if self.binary else len(self.classes)

    def output(self) -> str:
        """The output activation these classes take: ``sigmoid`` or ``softmax``."""
        return "softmax" if self.softmax else "sigmoid"

    def unknown(self, y: np.ndarray) -> list[Any]:
        """The labels of ``y`` that are not among the classes."""
        if self.multilabel:
            return []
        return sorted(set(np.unique(y).tolist()) - set(self.classes.tolist()))

    def encode(self, y: Any, dtype: Any = np.float64) -> np.ndarray:
        y = np.asarray(y)
        if self.multilabel:
            return y.T.astype(dtype)
        unknown = self.unknown(y)
        if unknown:
            raise DataError(
                f"labels {listed(unknown, quote=True)} are not among the model's classes "
                f"{listed(self.classes, quote=True)}"
            )
        if self.binary:
            return (y == self.classes[1]).astype(dtype).reshape(1, -1)
        return (y[None, :] == self.classes[:, None]).astype(dtype)

    def decode(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        if self.multilabel:
            return (A_rows > THRESHOLD).astype(np.int64)
        if self.binary:
            return self.classes[(A_rows[:, 0] > THRESHOLD).astype(np.intp)]
        return self.classes[A_rows.argmax(axis=1)]

    def probabilities(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        """``(m, k)``, one column per class in the order of ``classes`` (two for a binary
        model: ``1 - A``, ``A``); for multi-label targets, each label's probability."""
        return np.hstack([1 - A_rows, A_rows]) if self.binary else A_rows

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "classes",
            "classes": [c.item() if isinstance(c, np.generic) else c for c in self.classes],
            "multilabel": self.multilabel,
            "softmax": self.softmax,
        }


class Values(TargetCodec):
    """Real-valued targets, ``n`` of them per sample: ``Y = ((y - mean) / scale).T``, and
    predictions ``A[L] * scale + mean``. ``ndim`` is 1 when each sample has one value given
    as ``y`` ``(m,)``, 2 for ``y`` ``(m, n)``; predictions come back the same way."""

    kind = "regressor"

    def __init__(self, mean: Any = 0.0, scale: Any = 1.0, ndim: int = 1) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.scale = np.atleast_1d(np.asarray(scale, dtype=np.float64))
        self.ndim = int(ndim)
        if self.ndim not in (1, 2) or self.mean.shape != self.scale.shape or self.mean.ndim != 1:
            raise DataError("a value codec needs one mean and one scale per output, ndim 1 or 2")
        if (
            not (np.isfinite(self.mean).all() and np.isfinite(self.scale).all())
            or (self.scale <= 0).any()
        ):
            raise DataError("a value codec needs finite means and positive scales")

    @classmethod
    def fit(cls, y: np.ndarray, standardize: bool = True) -> Values:
        """The mean and standard deviation of ``y`` per output (or 0 and 1)."""
        y = np.asarray(y, dtype=np.float64)
        rows = y.reshape(len(y), -1)
        if not standardize:
            return cls(np.zeros(rows.shape[1]), np.ones(rows.shape[1]), y.ndim)
        scale = rows.std(axis=0)
        scale[scale == 0] = 1.0
        return cls(rows.mean(axis=0), scale, y.ndim)

    def n_outputs(self, output: str) -> int:
        return len(self.mean)

    def encode(self, y: Any, dtype: Any = np.float64) -> np.ndarray:
        rows = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((rows - self.mean) / self.scale).T.astype(dtype)

    def decode(self, A_rows: np.ndarray, output: str) -> np.ndarray:
        values = A_rows.astype(np.float64) * self.scale + self.mean
        return values[:, 0] if self.ndim == 1 else values

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "values",
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "ndim": self.ndim,
        }


def codec_from_json(spec: Any, source: Any = "the model file") -> TargetCodec:
    """The codec a file form describes, or a :class:`~chainrule.ModelFileError` naming
    ``source``."""
    try:
        kind = spec["type"]
        if kind == "outputs":
            return Outputs()
        if kind == "classes":
            return Classes(
                list(spec["classes"]), bool(spec.get("multilabel", False)), spec.get("softmax")
            )
        if kind == "values":
            return Values(spec["mean"], spec["scale"], spec.get("ndim", 1))
    except (KeyError, TypeError, ValueError, DataError) as exc:
        raise ModelFileError(f"{source}: invalid target description {spec!r} ({exc})") from None
    raise ModelFileError(f"{source}: unknown kind of targets {kind!r}")
