"""What the command line does, without the terminal: train, evaluate, predict, model files.

:mod:`chainrule.cli` parses options and displays; this module turns data and settings into a
trained :class:`~chainrule.network.Network` with its preprocessing, and back into numbers.
A CLI model file is an ordinary chainrule model file whose metadata (``"cli"``) records the
data, the classes or the target scaling, the split and the history, and whose arrays hold
the feature standardisation, so ``predict`` applies the training transform.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from os import PathLike
from typing import Any

import numpy as np

from chainrule.cli.preprocessing import Standardizer
from chainrule.cli.settings import TrainSettings, contradictions
from chainrule.core.network import Network
from chainrule.core.validation import lookup
from chainrule.errors import ConfigurationError, DataError, ModelFileError
from chainrule.io.atomic import atomic_write_text
from chainrule.io.datasets import CATALOGUE, Dataset, load_data, load_data_rows
from chainrule.io.modelfile import build, network_from_file, read_model_file
from chainrule.learn.dynamics import Dynamics
from chainrule.parallel.mpi import DataParallel, hold_out_shard, shard_rows
from chainrule.train.history import History
from chainrule.train.optimizers import get_optimizer
from chainrule.train.split import hold_out, hold_out_indices
from chainrule.train.trainer import Trainer

OUTPUTS = {name: name for name in ("auto", "sigmoid", "softmax", "identity")}
VALIDATION_FRACTION = 0.1  # of the training rows, held out by --early-stopping


@dataclass
class Model:
    """A network with everything needed to use it on raw data."""

    net: Network
    meta: dict[str, Any]
    scaler: Standardizer | None
    history: dict[str, list[float]] = field(default_factory=dict)

    @property
    def is_regression(self) -> bool:
        return self.net.output.name == "identity"

    @property
    def classes(self) -> np.ndarray:
        return np.asarray(self.meta["classes"])

    def aligned(self, data: Dataset) -> Dataset:
        """``data`` with its feature columns in the order the model was trained on.

        When both the training data and ``data`` name their columns (a CSV header, a bundled
        data set's own names), columns are matched by name: reordered columns are put back
        in order, and a missing or unknown name is a :class:`DataError` naming it. Data
        without names (NPZ, IDX, generated sets) is matched by position, so its count must
        agree.
        """
        expected = self.meta.get("features", [])
        if data.named and self.meta.get("named_features"):
            missing = [name for name in expected if name not in data.feature_names]
            unknown = [name for name in data.feature_names if name not in expected]
            if missing or unknown:
                problems = []
                if missing:
                    problems.append(f"missing columns {', '.join(map(repr, missing))}")
                if unknown:
                    problems.append(f"unknown columns {', '.join(map(repr, unknown))}")
                raise DataError(
                    f"{data.name}: {' and '.join(problems)}; the model was trained on the "
                    f"columns {', '.join(map(repr, expected))}"
                )
            order = [data.feature_names.index(name) for name in expected]
            if order != list(range(len(order))):
                data = replace(data, X=data.X[:, order], feature_names=list(expected))
            return data
        n_features = self.net.layer_sizes[0]
        if data.X.shape[1] != n_features:
            raise DataError(
                f"the model expects {n_features} features but {data.name} has {data.X.shape[1]}"
            )
        return data

    def transform(self, X_rows: np.ndarray) -> np.ndarray:
        return X_rows if self.scaler is None else self.scaler.transform(X_rows)

    def outputs(self, X_rows: np.ndarray, standardised: bool = False) -> np.ndarray:
        """``A[L]`` as rows ``(m, n[L])`` for raw feature rows (or already standardised ones)."""
        return self.net.forward((X_rows if standardised else self.transform(X_rows)).T).T

    def predict(
        self, X_rows: np.ndarray, standardised: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Predicted labels or values ``(m,)``, and class probabilities ``(m, k)`` if any."""
        A = self.outputs(X_rows, standardised).astype(np.float64)
        if self.is_regression:
            return A[:, 0] * self.meta["y_scale"] + self.meta["y_mean"], None
        probabilities = self.net.output.probabilities(A.T).T
        return self.classes[probabilities.argmax(axis=1)], probabilities


def choose_output(requested: str, data: Dataset) -> tuple[str, np.ndarray | None]:
    """The output activation for the data, and the sorted classes (``None`` for regression)."""
    lookup("output", requested, OUTPUTS)
    if requested == "identity" or (requested == "auto" and data.is_regression):
        if data.y.dtype.kind not in "biuf":
            raise DataError(f"{data.name}: an identity (regression) output needs numeric targets")
        return "identity", None
    classes = np.unique(data.y)
    if len(classes) < 2:
        raise DataError(
            f"{data.name}: the target has a single class ({classes[0]!r}); a "
            "classifier needs at least 2"
        )
    if data.is_regression:
        raise DataError(
            f"{data.name}: the target holds real values, not class labels; use "
            "--output identity for regression"
        )
    if requested == "sigmoid" and len(classes) != 2:
        raise DataError(
            f"{data.name}: a sigmoid output needs exactly 2 classes, the target has "
            f"{len(classes)}; use --output softmax"
        )
    if requested == "auto":
        requested = "sigmoid" if len(classes) == 2 else "softmax"
    return requested, classes


def encode(
    y: np.ndarray, output: str, classes: np.ndarray | None, dtype: Any = np.float64
) -> np.ndarray:
    """Targets as ``Y`` ``(n[L], m)`` in ``dtype``: 0/1, one-hot columns, or the value."""
    if classes is None:
        return y.astype(dtype).reshape(1, -1)
    if output == "sigmoid":
        return (y == classes[1]).astype(dtype).reshape(1, -1)
    return (y[None, :] == classes[:, None]).astype(dtype)


def split(data: Dataset, test_size: float, seed: int, stratify: bool) -> tuple[np.ndarray, ...]:
    """Seeded train/test split of the rows (stratified for classification)."""
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ConfigurationError(f"--test-size must be between 0 and 1, got {test_size}")
    try:
        return tuple(
            train_test_split(
                data.X,
                data.y,
                test_size=test_size,
                random_state=seed,
                stratify=data.y if stratify else None,
            )
        )
    except ValueError:
        if stratify:
            raise DataError(
                f"{data.name}: cannot hold out {test_size:g} of the rows with every class on "
                "both sides (some classes are too rare); if the target is a quantity, use "
                "--output identity"
            ) from None
        raise DataError(
            f"{data.name}: too few rows to hold out {test_size:g} for testing"
        ) from None


class Interrupted(Exception):
    """Ctrl-C during training; the state after the last completed epoch was saved if asked."""

    def __init__(self, epochs_done: int, saved: str | None) -> None:
        super().__init__(f"interrupted after {epochs_done} epochs")
        self.epochs_done = epochs_done
        self.saved = saved


@dataclass
class Split:
    """The data of a run, split into training and test rows.

    Run by ``mpiexec`` (``comm`` set), each rank holds only its shard of the rows:
    ``train_rows`` are the positions of its training rows among all the training rows, and
    ``y_train_all`` (one label per row, cheap to share) is every training label.
    """

    data: Dataset
    output: str
    classes: np.ndarray | None
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    y_train_all: np.ndarray
    n_test: int
    train_rows: np.ndarray | None = None
    comm: Any = None


def split_data(settings: TrainSettings, comm: Any = None) -> Split:
    """Load the data (this rank's rows of it, under MPI), choose the output, split the rows."""
    if comm is None:
        data = load_data(settings.data, settings.target, settings.seed, dtype=settings.dtype)
        output, classes = choose_output(settings.output, data)
        X_train, X_test, y_train, y_test = split(
            data, settings.test_size, settings.seed, stratify=classes is not None
        )
        data = replace(data, X=data.X[:0])  # the rows live on in the split, once
        return Split(data, output, classes, X_train, y_train, X_test, y_test, y_train, len(y_test))
    rank, size = comm.Get_rank(), comm.Get_size()
    data, rows, m = load_data_rows(
        settings.data,
        settings.target,
        settings.seed,
        select=lambda m: shard_rows(m, rank, size),
        dtype=settings.dtype,
    )
    # Every rank learns every label (one number per row), so the classes and the split are
    # those one process would choose; the features stay on the rank that read them.
    labels = replace(data, X=np.arange(m).reshape(-1, 1), y=np.concatenate(comm.allgather(data.y)))
    output, classes = choose_output(settings.output, labels)
    train_index, test_index, y_train_all, _ = split(
        labels, settings.test_size, settings.seed, stratify=classes is not None
    )

    def mine(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        positions = np.flatnonzero((index >= rows.start) & (index < rows.stop))
        return positions, index[positions] - rows.start

    train_rows, local_train = mine(train_index[:, 0])
    _, local_test = mine(test_index[:, 0])
    return Split(
        replace(data, X=data.X[:0]),  # this rank's rows live on in the split, once
        output,
        classes,
        data.X[local_train],
        data.y[local_train],
        data.X[local_test],
        data.y[local_test],
        y_train_all,
        len(test_index),
        train_rows,
        comm,
    )


@dataclass
class Run:
    """A training run: the model, its trainer and the data split it trains and tests on."""

    model: Model
    trainer: Trainer
    split: Split


def prepare(
    settings: TrainSettings,
    resumed: Trainer | None = None,
    scaler: Standardizer | None = None,
    comm: Any = None,
) -> Run:
    """Load and split the data and build (or take over) the network and its trainer."""
    parts = split_data(settings, comm)
    data, output, classes = parts.data, parts.output, parts.classes
    if scaler is None and settings.standardize:
        scaler = Standardizer.fit(parts.X_train, comm)
    if scaler is not None:  # the training rows are ours: standardise them where they are
        scaler.transform_in_place(parts.X_train)
    meta: dict[str, Any] = {
        "data": settings.data,
        "target": data.target_name,
        "features": data.feature_names,
        "named_features": data.named,
        "split": {"test_size": settings.test_size, "seed": settings.seed},
        "settings": dict(vars(settings)),
    }
    if classes is None:
        y_train = parts.y_train_all.astype(np.float64)
        meta["y_mean"], meta["y_scale"] = float(y_train.mean()), float(y_train.std() or 1.0)
    else:
        meta["classes"] = classes.tolist()
    if resumed is not None:
        net, trainer = resumed.net, resumed
    else:
        n_out = 1 if output != "softmax" else len(classes)
        net = Network(
            [data.X.shape[1], *settings.hidden, n_out],
            settings.activation,
            output,
            seed=settings.seed,
            dtype=settings.dtype,
            l2=settings.alpha,
            dropout=settings.dropout,
        )
        trainer = Trainer(
            net,
            get_optimizer(settings.optimizer, learning_rate=settings.lr),
            batch_size=settings.batch_size or None,
            patience=settings.patience if settings.early_stopping else None,
        )
    if net.layer_sizes[0] != data.X.shape[1]:
        raise DataError(
            f"the checkpoint expects {net.layer_sizes[0]} features but "
            f"{data.name} has {data.X.shape[1]}"
        )
    model = Model(net, meta, scaler)
    arrays = {} if scaler is None else {"scaler.mean": scaler.mean, "scaler.scale": scaler.scale}
    trainer.checkpoint_extras = ({"cli": meta}, arrays)
    return Run(model, trainer, parts)


def targets(model: Model, y: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """``Y`` ``(n[L], m)`` for the model's output: classes encoded, or the scaled value."""
    if model.is_regression:
        return encode((y - model.meta["y_mean"]) / model.meta["y_scale"], "identity", None, dtype)
    return encode(y, model.net.output.name, model.classes, dtype)


def run_training(
    run: Run,
    epochs: int,
    callbacks: list[Callable[..., Any]] = (),
    save: str | PathLike[str] | None = None,
    checkpoint_every: int = 0,
) -> tuple[History, dict[str, Any]]:
    """Train ``epochs`` more epochs; on Ctrl-C save the last completed epoch and raise
    :class:`Interrupted`. Returns the history and the report."""
    model, trainer, settings = run.model, run.trainer, run.model.meta["settings"]
    trainer.checkpoint, trainer.checkpoint_every = save, (checkpoint_every if save else 0)
    net = model.net
    X_fit = run.split.X_train.T.astype(net.dtype, copy=False)  # standardised in prepare()
    Y_fit = targets(model, run.split.y_train, net.dtype)
    validation, rows, comm = None, run.split.train_rows, run.split.comm
    if settings["early_stopping"] and comm is None:
        X_fit, Y_fit, _, validation = hold_out(X_fit, Y_fit, None, VALIDATION_FRACTION, net.seed)
    elif settings["early_stopping"]:
        m = len(run.split.y_train_all)
        held_out, kept = hold_out_indices(m, VALIDATION_FRACTION, net.seed)
        X_fit, Y_fit, rows, validation = hold_out_shard(comm, X_fit, Y_fit, rows, held_out, kept)
    callbacks = list(callbacks)
    if settings.get("record_every"):
        callbacks.append(Dynamics(net, X_fit, Y_fit, settings["record_every"]))
    trainer.callbacks = callbacks
    start = time.perf_counter()
    try:
        with stop_on_sigint(trainer, comm, rows):
            history = trainer.fit(X_fit, Y_fit, epochs, validation=validation)
    except KeyboardInterrupt:
        if save is not None:
            trainer.save_checkpoint(save)  # rank 0 only, under MPI
        raise Interrupted(trainer.epochs_done, None if save is None else str(save)) from None
    seconds = time.perf_counter() - start
    model.history = {
        "cost": history.cost,
        "val_cost": history.val_cost,
        "val_score": history.val_score,
        "dynamics": history.dynamics,
        "stop_reason": history.stop_reason,
    }
    if save is not None:
        trainer.save_checkpoint(save)
    report = {
        "data": settings["data"],
        "layers": list(net.layer_sizes),
        "hidden_activation": settings["activation"],
        "output_activation": net.output.name,
        "optimizer": settings["optimizer"],
        "epochs": history.epochs,
        "stop_reason": history.stop_reason,
        "final_cost": history.cost[-1],
        "train": metrics(
            model, run.split.X_train, run.split.y_train, brief=True, comm=comm, standardised=True
        ),
        "test": metrics(model, run.split.X_test, run.split.y_test, brief=True, comm=comm),
        "train_examples": len(run.split.y_train_all),
        "test_examples": run.split.n_test,
        "seconds": seconds,
    }
    if history.dynamics:
        report["dynamics"] = history.dynamics
    return history, report


@contextlib.contextmanager
def stop_on_sigint(trainer: Trainer, comm: Any, rows: np.ndarray | None) -> Iterator[None]:
    """Under MPI, train with the data-parallel strategy, and turn Ctrl-C (``SIGINT``, which
    ``mpiexec`` passes to every rank) into a stop that all ranks take at the same step.
    One process keeps Python's ``KeyboardInterrupt``."""
    if comm is None:
        yield
        return
    strategy = trainer.strategy = DataParallel(comm, rows)
    previous = signal.signal(signal.SIGINT, lambda *_: strategy.request_stop())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def train(
    settings: TrainSettings,
    callbacks: list[Callable[..., Any]] = (),
    save: str | PathLike[str] | None = None,
    checkpoint_every: int = 0,
    comm: Any = None,
) -> tuple[Model, History, dict[str, Any]]:
    """Load, split, standardise, train and measure; returns the model, history and report.

    With an MPI communicator (``mpiexec -n N chainrule train``) each rank reads and trains
    on its shard of the rows, and only rank 0 writes files."""
    run = prepare(settings, comm=comm)
    history, report = run_training(run, settings.epochs, callbacks, save, checkpoint_every)
    return run.model, history, report


@dataclass
class Resumed:
    """A saved run read back, ready to continue to ``total_epochs``."""

    path: str | PathLike[str]
    trainer: Trainer
    model: Model
    settings: TrainSettings
    total_epochs: int
    comm: Any = None


def prepare_resume(path: str | PathLike[str], given: dict[str, Any], comm: Any = None) -> Resumed:
    """Read the run saved in ``path`` (once) and check the options given beside ``--resume``.

    ``given`` holds the train settings given on the command line: ``epochs`` sets the total
    to reach (default: the saved plan); any other that differs from the saved run is a
    :class:`ConfigurationError` naming each, raised before any file is touched.
    """
    header, arrays = read_model_file(path)
    trainer = Trainer.from_model_file(path, header, arrays)
    saved = model_from_file(path, header, arrays, trainer.net)
    settings = TrainSettings(**saved.meta["settings"])
    clashes = contradictions(given, settings)
    if clashes:
        raise ConfigurationError(
            f"{path}: --resume continues the saved run, but "
            + "; ".join(clashes)
            + ". Leave these options out, or start a new run without --resume"
        )
    total = given.get("epochs", settings.epochs)
    if total <= trainer.epochs_done:
        raise ConfigurationError(
            f"{path}: already trained {trainer.epochs_done} epochs; ask for more with --epochs"
        )
    settings.epochs = total
    if "record_every" in given:
        settings.record_every = given["record_every"]
    return Resumed(path, trainer, saved, settings, total, comm)


def resume(
    resumed: Resumed,
    callbacks: list[Callable[..., Any]] = (),
    save: str | PathLike[str] | None = None,
    checkpoint_every: int = 0,
) -> tuple[Model, History, dict[str, Any]]:
    """Continue a run read by :func:`prepare_resume` to its total number of epochs."""
    trainer = resumed.trainer
    resumed_from = trainer.epochs_done
    run = prepare(resumed.settings, resumed=trainer, scaler=resumed.model.scaler, comm=resumed.comm)
    history, report = run_training(
        run, resumed.total_epochs - resumed_from, callbacks, save or resumed.path, checkpoint_every
    )
    report["resumed_from_epoch"] = resumed_from
    return run.model, history, report


def metrics(
    model: Model,
    X_rows: np.ndarray,
    y: np.ndarray,
    brief: bool = False,
    comm: Any = None,
    standardised: bool = False,
) -> dict[str, Any]:
    """Accuracy (precision, recall, F1, confusion matrix) or MSE, MAE and R^2.

    ``standardised``: ``X_rows`` is already transformed (the training rows). With an MPI
    communicator, over the rows of every rank (the predictions are shared)."""
    from sklearn import metrics as skm

    predicted, _ = model.predict(X_rows, standardised)
    if comm is not None:
        shared = comm.allgather((y, predicted))
        y = np.concatenate([labels for labels, _ in shared])
        predicted = np.concatenate([values for _, values in shared])
    if model.is_regression:
        y = y.astype(np.float64)
        return {
            "mse": float(skm.mean_squared_error(y, predicted)),
            "mae": float(skm.mean_absolute_error(y, predicted)),
            "r2": float(skm.r2_score(y, predicted)),
        }
    result: dict[str, Any] = {"accuracy": float(skm.accuracy_score(y, predicted))}
    if brief:
        return result
    classes = model.classes
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y, predicted, labels=classes, zero_division=0
    )
    result["per_class"] = {
        str(c): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for c, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    }
    result["macro_f1"] = float(f1.mean())
    result["labels"] = [str(c) for c in classes]
    result["confusion_matrix"] = skm.confusion_matrix(y, predicted, labels=classes).tolist()
    return result


def load_model(path: str | PathLike[str]) -> Model:
    """The model a file from ``chainrule train --save`` holds, with its preprocessing."""
    return model_from_file(path, *read_model_file(path))


def model_from_file(
    path: str | PathLike[str],
    header: dict[str, Any],
    arrays: dict[str, np.ndarray],
    net: Network | None = None,
) -> Model:
    """:func:`load_model` from a file already read; ``net`` if it was already built from it."""
    meta = (header.get("metadata") or {}).get("cli")
    if not isinstance(meta, dict) or not isinstance(header.get("training"), dict):
        raise ModelFileError(f"{path}: a chainrule model, but not one saved by 'chainrule train'")
    history = header["training"].get("history", {})
    net = net or network_from_file(path, header, arrays)
    scaler = None
    if "scaler.mean" in arrays and "scaler.scale" in arrays:
        scaler = Standardizer(arrays["scaler.mean"], arrays["scaler.scale"])
        if scaler.mean.shape != (net.layer_sizes[0],):
            raise ModelFileError(f"{path}: the feature scaling does not match the network")
    return Model(net, meta, scaler, history)


def evaluation_data(model: Model, spec: str | None, target: str | None) -> tuple[Dataset, str]:
    """The rows to evaluate on: the held-out test split when ``spec`` is the bundled data set
    the model was trained on (or omitted), else every row of ``spec``."""
    spec = spec or model.meta["data"]
    data = load_data(spec, target or model.meta.get("target"), model.meta["split"]["seed"])
    data = model.aligned(data)
    if spec == model.meta["data"] and spec in CATALOGUE:
        _, X_test, _, y_test = split(
            data,
            model.meta["split"]["test_size"],
            model.meta["split"]["seed"],
            stratify=not model.is_regression,
        )
        held_out = replace(data, X=X_test, y=y_test)
        return held_out, "test split"
    return data, "all rows"


def evaluate(model: Model, data: Dataset) -> dict[str, Any]:
    if not model.is_regression:
        unknown = sorted(set(np.unique(data.y).tolist()) - set(model.meta["classes"]))
        if unknown:
            raise DataError(
                f"{data.name}: labels {unknown} are not among the model's classes "
                f"{model.meta['classes']}"
            )
    return metrics(model, data.X, data.y)


def predictions_csv(model: Model, X_rows: np.ndarray) -> str:
    """Predictions as CSV text: a ``prediction`` column, then ``p(class)`` per class."""
    predicted, probabilities = model.predict(X_rows)
    header = ["prediction"]
    if probabilities is not None:
        header += [f"p({c})" for c in model.meta["classes"]]
    lines = [",".join(header)]
    for i, value in enumerate(predicted):
        cells = [f"{value:.6g}" if model.is_regression else str(value)]
        if probabilities is not None:
            cells += [f"{p:.6f}" for p in probabilities[i]]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def write_text_atomically(path: str | PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` with the one atomic writer (:mod:`chainrule.io.atomic`)."""
    atomic_write_text(path, text, DataError)


def replay(model: Model, frames: int) -> tuple[Model, list[tuple[int, np.ndarray]]]:
    """Train the saved run again from its settings (seeded, so the same run) and keep the
    parameters after up to ``frames`` epochs spaced logarithmically over it:
    ``(model, [(epoch, theta)])``.
    """
    if frames < 2:
        raise ConfigurationError(f"--frames must be at least 2, got {frames}")
    settings = TrainSettings(**model.meta["settings"])
    settings.record_every = 0
    total = len(model.history.get("cost", [])) or settings.epochs
    settings.epochs = total
    # log-spaced: the boundary moves most in the first epochs
    wanted = set(np.unique(np.geomspace(1, total, frames).round().astype(int)).tolist())
    snapshots: list[tuple[int, np.ndarray]] = []

    def keep(net: Network, epoch: int, history: Any) -> None:
        if epoch in wanted:
            snapshots.append((epoch, net.theta.copy()))

    replayed, _, _ = train(settings, callbacks=[keep])
    return replayed, snapshots


def export_onnx(path: str | PathLike[str], out: str | PathLike[str]) -> dict[str, Any]:
    """Export the model file ``path`` to ONNX. A file from ``chainrule train`` exports with
    its feature standardisation and its classes (or its target scaling) inside the graph; a
    plain network or an estimator's file exports as the library's ``export_onnx`` would."""
    from chainrule.io import onnx

    header, arrays = read_model_file(path)
    kind = header.get("kind", "network")
    if kind != "network":
        import chainrule.sklearn  # noqa: F401  (registers the estimators' kinds)

        estimator = build(path, header, arrays)
        return onnx.export(estimator.net_, out, estimator.onnx_head())
    if not (header.get("metadata") or {}).get("cli"):
        return onnx.export(network_from_file(path, header, arrays), out)
    model = model_from_file(path, header, arrays)
    scaler = model.scaler
    head = onnx.Head(
        "regressor" if model.is_regression else "classifier",
        classes=None if model.is_regression else model.meta["classes"],
        feature_names=model.meta.get("features"),
        input_mean=None if scaler is None else scaler.mean,
        input_scale=None if scaler is None else scaler.scale,
        output_mean=model.meta.get("y_mean"),
        output_scale=model.meta.get("y_scale"),
    )
    return onnx.export(model.net, out, head)
