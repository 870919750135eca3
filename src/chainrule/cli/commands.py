"""What the command line does, without the terminal: train, evaluate, predict, model files.

:mod:`chainrule.cli` parses options and displays; this module turns data and settings into a
trained :class:`~chainrule.model.Model` (a network, its feature standardisation and its
classes or target scaling), and a model file back into numbers. Everything a model does with
rows (aligning columns, standardising, predicting) is the model's; this module adds what only
the command line knows: the run that made the model (:class:`RunRecord`, kept in the model's
provenance), the train/test split, the progress of training and the reports.
"""

from __future__ import annotations

import contextlib
import csv
import io
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from os import PathLike
from typing import Any

import numpy as np

from chainrule.cli.settings import (
    TrainSettings,
    contradictions,
    hidden_activations,
    settings_from_file,
    settings_to_file,
)
from chainrule.core.network import Network
from chainrule.core.validation import lookup
from chainrule.errors import (
    ChainruleError,
    ConfigurationError,
    DataError,
    ModelFileError,
    listed,
    plural,
    shown,
)
from chainrule.io.atomic import atomic_write_text
from chainrule.io.datasets import CATALOGUE, Dataset, load_data, load_data_rows
from chainrule.io.modelfile import build, read_model_file
from chainrule.learn.dynamics import Dynamics
from chainrule.model import Classes, Model, Standardizer, Values
from chainrule.model import onnx as onnx_export
from chainrule.parallel.mpi import Ranks, hold_out_shard
from chainrule.train.checkpoint import read_history
from chainrule.train.history import History
from chainrule.train.optimizers import get_optimizer
from chainrule.train.split import hold_out, hold_out_indices
from chainrule.train.trainer import Trainer

OUTPUTS = {name: name for name in ("auto", "sigmoid", "softmax", "identity")}
ESTIMATOR_KINDS = ("MLPClassifier", "MLPRegressor")
VALIDATION_FRACTION = 0.1  # of the training rows, held out by --early-stopping


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
            f"{data.name}: the target has a single class ({shown(classes[0])}); a "
            "classifier needs at least 2"
        )
    if data.is_regression:
        raise DataError(
            f"{data.name}: the target holds real values, not class labels; use "
            "--output-activation identity for regression"
        )
    if requested == "sigmoid" and len(classes) != 2:
        raise DataError(
            f"{data.name}: a sigmoid output needs exactly 2 classes, the target has "
            f"{len(classes)}; use --output-activation softmax"
        )
    if requested == "auto":
        requested = "sigmoid" if len(classes) == 2 else "softmax"
    return requested, classes


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
                "--output-activation identity"
            ) from None
        raise DataError(
            f"{data.name}: too few rows to hold out {test_size:g} for testing"
        ) from None


class Interrupted(Exception):
    """Ctrl-C (``SIGINT``) or ``SIGTERM`` during training; the state after the last completed
    epoch was saved if asked. ``held`` counts the signals that came while it was being saved
    (they wait until the save is complete, so a file is never left half-written)."""

    def __init__(self, epochs_done: int, saved: str | None, signum: int, held: int) -> None:
        super().__init__(f"interrupted after {plural(epochs_done, 'epoch')}")
        self.epochs_done = epochs_done
        self.saved = saved
        self.signum = signum
        self.held = held


@dataclass
class Signals:
    """What arrived while training: the signal that stopped it, and any after it."""

    received: int | None = None
    held: int = 0


# ---------------------------------------------------------------------- the run of a model


@dataclass
class RunRecord:
    """The run of ``chainrule train`` that made a model: its settings and the target column
    it learned (the last column of a CSV when ``--target`` was not given). Kept in the
    model's provenance; :meth:`to_provenance` and :meth:`from_provenance` are its file form."""

    settings: TrainSettings
    target: str | None

    @property
    def data(self) -> str:
        return self.settings.data

    def to_provenance(self) -> dict[str, Any]:
        return {"cli": {"settings": settings_to_file(self.settings), "target": self.target}}

    @classmethod
    def from_provenance(cls, provenance: dict[str, Any], source: Any) -> RunRecord | None:
        """The record in a model's provenance, or ``None`` for a model made elsewhere."""
        saved = provenance.get("cli")
        if saved is None:
            return None
        if not isinstance(saved, dict):
            raise ModelFileError(f"{source}: the run that made the model is not described")
        try:
            settings = settings_from_file(saved.get("settings"), source)
        except (ConfigurationError, TypeError) as exc:
            raise ModelFileError(f"{source}: {exc}") from None
        return cls(settings, saved.get("target"))


@dataclass
class Trained:
    """A model file as the command line uses it: the model, the run that made it (for files
    from ``chainrule train``) and its training history (for checkpoints)."""

    path: str | PathLike[str]
    model: Model
    run: RunRecord | None
    history: History | None
    monitor: str = "score"  # what early stopping watched on the validation rows, if it did

    def require_run(self, what: str) -> RunRecord:
        if self.run is None:
            raise ModelFileError(
                f"{self.path}: {what} needs a model saved by 'chainrule train'; this file holds "
                f"a {self.model.kind} made elsewhere"
            )
        return self.run


def read_trained(path: str | PathLike[str]) -> Trained:
    """Any model file (from ``chainrule train``, an estimator's ``save``, or ``cr.save`` of a
    network) as a :class:`Trained`; the file is read once."""
    header, arrays = read_model_file(path)
    return trained_from_file(path, header, arrays)


def trained_from_file(
    path: str | PathLike[str],
    header: dict[str, Any],
    arrays: dict[str, np.ndarray],
    net: Network | None = None,
) -> Trained:
    """:func:`read_trained` of a file already read (``net``: its network, if built)."""
    if header.get("kind") in ESTIMATOR_KINDS:
        import chainrule.sklearn  # noqa: F401  (registers the estimators' kinds)

        model = build(path, header, arrays).model_
    else:
        model = Model.from_file(path, header, arrays, net)
    training = header.get("training")
    try:
        history = read_history(training, arrays) if isinstance(training, dict) else None
    except (KeyError, TypeError, ValueError, ChainruleError) as exc:
        raise ModelFileError(f"{path}: the training history is damaged ({exc})") from None
    monitor = training.get("settings", {}).get("monitor", "score") if history else "score"
    run = RunRecord.from_provenance(model.provenance, path)
    return Trained(path, model, run, history, monitor)


# ---------------------------------------------------------------------- training


@dataclass
class Split:
    """The data of a run, split into training and test rows.

    Run by ``mpiexec`` (``ranks`` set), each rank holds only its shard of the rows:
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
    ranks: Ranks | None = None


def split_data(settings: TrainSettings, ranks: Ranks | None = None) -> Split:
    """Load the data (this rank's rows of it, under MPI), choose the output, split the rows."""
    if ranks is None:
        data = load_data(settings.data, settings.target, settings.seed, dtype=settings.dtype)
        output, classes = choose_output(settings.output, data)
        X_train, X_test, y_train, y_test = split(
            data, settings.test_size, settings.seed, stratify=classes is not None
        )
        data = replace(data, X=data.X[:0])  # the rows live on in the split, once
        return Split(data, output, classes, X_train, y_train, X_test, y_test, y_train, len(y_test))
    data, rows, m = load_data_rows(
        settings.data, settings.target, settings.seed, select=ranks.rows, dtype=settings.dtype
    )
    # Every rank learns every label (one number per row), so the classes and the split are
    # those one process would choose; the features stay on the rank that read them.
    labels = replace(data, X=np.arange(m).reshape(-1, 1), y=np.concatenate(ranks.gather(data.y)))
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
        ranks,
    )


@dataclass
class Run:
    """A training run: its settings, the model it trains and the data split."""

    settings: TrainSettings
    model: Model
    split: Split
    resumed: Resumed | None = None


def prepare(
    settings: TrainSettings, ranks: Ranks | None = None, resumed: Resumed | None = None
) -> Run:
    """Load and split the data and build the model (or take over a resumed one's)."""
    parts = split_data(settings, ranks)
    data, output, classes = parts.data, parts.output, parts.classes
    if resumed is not None:
        model = resumed.trained.model
        model.provenance = RunRecord(settings, data.target_name).to_provenance()
        if model.net.layer_sizes[0] != data.X.shape[1]:
            raise DataError(
                f"the checkpoint expects {plural(model.net.layer_sizes[0], 'feature')} but "
                f"{data.name} has {data.X.shape[1]}"
            )
    else:
        scaler = None
        if settings.standardize:
            scaler = Standardizer.fit(parts.X_train, None if ranks is None else ranks.sum)
        if classes is None:
            targets: Classes | Values = Values.fit(parts.y_train_all)
        else:
            targets = Classes(classes, softmax=output == "softmax")
        net = Network(
            [data.X.shape[1], *settings.hidden, targets.n_outputs(output)],
            hidden_activations(settings.activation, settings.hidden),
            output,
            seed=settings.seed,
            dtype=settings.dtype,
            l2=settings.l2,
            dropout=settings.dropout,
        )
        record = RunRecord(settings, data.target_name)
        names = data.feature_names if data.named else None
        model = Model(net, targets, scaler, names, record.to_provenance())
    if model.scaler is not None:  # the training rows are ours: standardise them where they are
        model.scaler.transform_in_place(parts.X_train)
    return Run(settings, model, parts, resumed)


def run_training(
    run: Run,
    epochs: int,
    callbacks: list[Callable[..., Any]] = (),
    save: str | PathLike[str] | None = None,
    checkpoint_every: int = 0,
) -> tuple[History, dict[str, Any]]:
    """Train ``epochs`` more epochs; on Ctrl-C save the last completed epoch and raise
    :class:`Interrupted`. Returns the history and the report."""
    model, settings, ranks = run.model, run.settings, run.split.ranks
    net = model.net
    X_fit = run.split.X_train.T.astype(net.dtype, copy=False)  # standardised in prepare()
    Y_fit = model.encode(run.split.y_train)
    validation, rows = None, run.split.train_rows
    if settings.early_stopping and ranks is None:
        X_fit, Y_fit, _, validation = hold_out(X_fit, Y_fit, None, VALIDATION_FRACTION, net.seed)
    elif settings.early_stopping:
        m = len(run.split.y_train_all)
        held_out, kept = hold_out_indices(m, VALIDATION_FRACTION, net.seed)
        X_fit, Y_fit, rows, validation = hold_out_shard(
            ranks.comm, X_fit, Y_fit, rows, held_out, kept
        )
    callbacks = list(callbacks)
    if settings.record_every:
        callbacks.append(Dynamics(net, X_fit, Y_fit, settings.record_every))
    strategy = None if ranks is None else ranks.strategy(rows)
    trainer = build_trainer(run, callbacks, save, checkpoint_every, strategy)
    start = time.perf_counter()
    signals = Signals()
    with stop_on_signals(strategy, signals):
        try:
            history = trainer.fit(X_fit, Y_fit, epochs, validation=validation)
        except KeyboardInterrupt:
            if save is not None:
                trainer.save_checkpoint(save)  # rank 0 only, under MPI
            raise Interrupted(
                trainer.epochs_done,
                None if save is None else str(save),
                signals.received or signal.SIGINT,
                signals.held,
            ) from None
        seconds = time.perf_counter() - start
        if save is not None:
            trainer.save_checkpoint(save)
    report = {
        "data": settings.data,
        "layers": list(net.layer_sizes),
        "hidden_activation": settings.activation,
        "output_activation": net.output.name,
        "optimizer": settings.optimizer,
        "epochs": history.epochs,
        "stop_reason": history.stop_reason,
        "final_cost": history.cost[-1],
        "cost": cost_name(model),
        "train": metrics(
            model, run.split.X_train, run.split.y_train, brief=True, ranks=ranks, standardised=True
        ),
        "test": metrics(model, run.split.X_test, run.split.y_test, brief=True, ranks=ranks),
        "train_examples": len(run.split.y_train_all),
        "test_examples": run.split.n_test,
        "seconds": seconds,
    }
    if validation is not None:
        report["monitor"] = trainer.monitor
    if history.dynamics:
        report["dynamics"] = history.dynamics
    return history, report


def cost_name(model: Model) -> str:
    """What the training cost ``J`` of ``model`` is: a regressor's trains on standardised
    targets, while its MSE is reported in the data's units."""
    loss = model.net.output.loss_name
    return (
        f"half the mean {loss}, on standardised targets"
        if model.is_regression
        else (f"mean {loss}")
    )


def metric_name(model: Model) -> str:
    """The score of ``model``'s output: accuracy for a classifier, R² for a regressor."""
    return "R²" if model.is_regression else "accuracy"


def stop_text(reason: str, monitor: str, metric: str) -> str:
    """Why training ended, as the report and the curves say it (``monitor``: what early
    stopping watched, ``"cost"`` or ``"score"``, the validation ``metric``)."""
    watched = (
        "the validation cost stopped falling"
        if monitor == "cost"
        else (f"the validation {metric} stopped rising")
    )
    return {
        "epochs": "ran every epoch asked for",
        "early_stopping": f"stopped early: {watched}",
        "converged": "stopped: the training cost stopped falling",
        "callback": "stopped by a callback",
        "interrupted": "interrupted",
    }.get(reason, reason)


def build_trainer(
    run: Run,
    callbacks: list[Callable[..., Any]],
    save: str | PathLike[str] | None,
    checkpoint_every: int,
    strategy: Any,
) -> Trainer:
    """The run's trainer, configured once: a new one from the settings, or the resumed
    run's from its file. Its checkpoints carry the model, so they load as it."""
    options = {
        "callbacks": callbacks,
        "checkpoint": save,
        "checkpoint_every": checkpoint_every if save else 0,
        "checkpoint_extras": run.model.file_extras(),
        "strategy": strategy,
    }
    if run.resumed is not None:
        resumed = run.resumed
        return Trainer.from_model_file(
            resumed.path, resumed.header, resumed.arrays, run.model.net, **options
        )
    settings = run.settings
    return Trainer(
        run.model.net,
        get_optimizer(settings.optimizer, learning_rate=settings.learning_rate),
        batch_size=settings.batch_size or None,
        patience=settings.patience if settings.early_stopping else None,
        # a 10% validation set's accuracy stops changing long before its cost stops falling
        monitor="cost",
        **options,
    )


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals(strategy: Any, signals: Signals) -> Iterator[None]:
    """Ctrl-C (``SIGINT``) and ``SIGTERM`` (what ``timeout`` and batch schedulers send) stop
    training at the last completed epoch, recorded in ``signals``. In one process the first
    raises ``KeyboardInterrupt`` (the trainer rolls back to the epoch's end); under MPI (a
    data-parallel ``strategy``; ``mpiexec`` passes the signal to every rank) it asks every
    rank to stop at the same step. Any later signal is held, and counted, until the block
    ends, so the save that follows a stop is never cut off half-way."""

    def stop(signum: int, frame: Any) -> None:
        if signals.received is not None:
            signals.held += 1
            return
        signals.received = signum
        if strategy is None:
            raise KeyboardInterrupt
        strategy.request_stop()

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def train(
    settings: TrainSettings,
    callbacks: list[Callable[..., Any]] = (),
    save: str | PathLike[str] | None = None,
    checkpoint_every: int = 0,
    ranks: Ranks | None = None,
) -> tuple[Model, History, dict[str, Any]]:
    """Load, split, standardise, train and measure; returns the model, history and report.

    Under ``mpiexec -n N chainrule train`` (``ranks`` set) each rank reads and trains on its
    shard of the rows, and only rank 0 writes files."""
    run = prepare(settings, ranks)
    history, report = run_training(run, settings.epochs, callbacks, save, checkpoint_every)
    return run.model, history, report


@dataclass
class Resumed:
    """A saved run read back (once), ready to continue to ``settings.epochs`` in total."""

    path: str | PathLike[str]
    header: dict[str, Any]
    arrays: dict[str, np.ndarray]
    trained: Trained
    settings: TrainSettings
    epochs_done: int


def prepare_resume(path: str | PathLike[str], given: dict[str, Any]) -> Resumed:
    """Read the run saved in ``path`` (once) and check the options given beside ``--resume``.

    ``given`` holds the train settings given on the command line: ``epochs`` sets the total
    to reach (default: the saved plan); any other that differs from the saved run is a
    :class:`ConfigurationError` naming each, raised before any file is touched.
    """
    header, arrays = read_model_file(path)
    trained = trained_from_file(path, header, arrays)
    run = trained.require_run("--resume")
    if trained.history is None:
        raise ModelFileError(f"{path}: holds a model but no training state to resume from")
    epochs_done = int(header["training"].get("epochs_done", 0))
    clashes = contradictions(given, run.settings)
    if clashes:
        raise ConfigurationError(
            f"{path}: --resume continues the saved run, but "
            + "; ".join(clashes)
            + ". Leave these options out, or start a new run without --resume"
        )
    changes = {name: given[name] for name in ("epochs", "record_every") if name in given}
    settings = replace(run.settings, **changes)
    if settings.epochs <= epochs_done:
        raise ConfigurationError(
            f"{path}: already trained {plural(epochs_done, 'epoch')}; ask for more with --epochs"
        )
    return Resumed(path, header, arrays, trained, settings, epochs_done)


def resume(
    resumed: Resumed,
    callbacks: list[Callable[..., Any]] = (),
    save: str | PathLike[str] | None = None,
    checkpoint_every: int = 0,
    ranks: Ranks | None = None,
) -> tuple[Model, History, dict[str, Any]]:
    """Continue a run read by :func:`prepare_resume` to its total number of epochs."""
    run = prepare(resumed.settings, ranks, resumed)
    history, report = run_training(
        run,
        resumed.settings.epochs - resumed.epochs_done,
        callbacks,
        save or resumed.path,
        checkpoint_every,
    )
    report["resumed_from_epoch"] = resumed.epochs_done
    return run.model, history, report


# ---------------------------------------------------------------------- using a model


def metrics(
    model: Model,
    X_rows: np.ndarray,
    y: np.ndarray,
    brief: bool = False,
    ranks: Ranks | None = None,
    standardised: bool = False,
) -> dict[str, Any]:
    """Accuracy (precision, recall, F1, confusion matrix) or MSE, MAE and R^2.

    ``standardised``: ``X_rows`` is already transformed (the training rows). Under MPI, over
    the rows of every rank (the predictions are shared)."""
    from sklearn import metrics as skm

    predicted = model.predict(X_rows, standardised)
    if ranks is not None:
        shared = ranks.gather((y, predicted))
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


def aligned(model: Model, data: Dataset) -> Dataset:
    """``data`` with its feature columns in the model's order (by name where both have
    names; see :meth:`chainrule.Model.aligned`)."""
    X = model.aligned(data.X, data.feature_names if data.named else None, data.name)
    return data if X is data.X else replace(data, X=X)


def evaluation_data(trained: Trained, spec: str | None, target: str | None) -> tuple[Dataset, str]:
    """The rows to evaluate on: the held-out test split when ``spec`` is the bundled data set
    the model was trained on (or omitted), else every row of ``spec``."""
    run = trained.run
    if spec is None:
        run = trained.require_run("evaluating without --data")
        spec = run.data
    settings = run.settings if run is not None else None
    seed = settings.seed if settings is not None else 0
    data = load_data(spec, target or (run.target if run else None), seed)
    data = aligned(trained.model, data)
    if run is not None and spec == run.data and spec in CATALOGUE:
        _, X_test, _, y_test = split(
            data, settings.test_size, settings.seed, stratify=not trained.model.is_regression
        )
        return replace(data, X=X_test, y=y_test), "test split"
    return data, "all rows"


def evaluate(model: Model, data: Dataset) -> dict[str, Any]:
    """:func:`metrics` on every row of ``data``, after checking its labels are the model's."""
    if model.kind == "network":
        raise DataError("a bare network has no classes or target scale to evaluate against")
    if isinstance(model.targets, Classes):
        unknown = model.targets.unknown(data.y)
        if unknown:
            raise DataError(
                f"{data.name}: labels {listed(unknown, quote=True)} are not among the "
                f"model's classes {listed(model.classes, quote=True)}"
            )
    return metrics(model, data.X, data.y)


def predictions_csv(model: Model, X_rows: np.ndarray) -> str:
    """Predictions as CSV text: a ``prediction`` column, then ``p(class)`` per class."""
    predicted, probabilities = model.predict_both(X_rows)
    header = ["prediction"]
    if probabilities is not None:
        classes = model.classes if model.classes is not None else range(probabilities.shape[1])
        header += [f"p({c})" for c in classes]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")  # quotes a label holding a comma or a quote
    writer.writerow(header)
    for i, value in enumerate(predicted):
        if np.ndim(value):
            cells = [" ".join(str(v) for v in np.ravel(value))]
        else:
            cells = [f"{value:.6g}" if model.is_regression else str(value)]
        if probabilities is not None:
            cells += [f"{p:.6f}" for p in probabilities[i]]
        writer.writerow(cells)
    return text.getvalue()


def write_text_atomically(path: str | PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` with the one atomic writer (:mod:`chainrule.io.atomic`)."""
    atomic_write_text(path, text, DataError)


def replay(trained: Trained, frames: int) -> tuple[Model, list[tuple[int, np.ndarray]]]:
    """Train the saved run again from its settings (seeded, so the same run) and keep the
    parameters after up to ``frames`` epochs spaced logarithmically over it:
    ``(model, [(epoch, theta)])``.
    """
    if frames < 2:
        raise ConfigurationError(f"--frames must be at least 2, got {frames}")
    run = trained.require_run("--frames")
    total = (trained.history.epochs if trained.history else 0) or run.settings.epochs
    settings = replace(run.settings, record_every=0, epochs=total)
    # log-spaced: the boundary moves most in the first epochs
    wanted = set(np.unique(np.geomspace(1, total, frames).round().astype(int)).tolist())
    snapshots: list[tuple[int, np.ndarray]] = []

    def keep(net: Network, epoch: int, history: Any) -> None:
        if epoch in wanted:
            snapshots.append((epoch, net.theta.copy()))

    replayed, _, _ = train(settings, callbacks=[keep])
    return replayed, snapshots


def export_onnx(path: str | PathLike[str], out: str | PathLike[str]) -> dict[str, Any]:
    """Export the model file ``path`` to ONNX through its :class:`~chainrule.Model`: a file
    from ``chainrule train`` carries its standardisation and its classes (or its target
    scaling) into the graph, an estimator's file its classes, a plain network ``A_L``."""
    return onnx_export.export(read_trained(path).model, out)
