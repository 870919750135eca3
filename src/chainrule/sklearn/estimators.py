"""scikit-learn estimators on the chainrule core: ``MLPClassifier`` and ``MLPRegressor``.

They take samples as rows, like every scikit-learn estimator, and hand the core the transposed
views ``X.T`` (examples as columns). Constructor parameters carry scikit-learn's names where
the concept is the same, so the estimators drop into ``Pipeline``, ``GridSearchCV`` and
``cross_val_score``. ``coefs_[i]`` and ``intercepts_[i]`` are views of the network's
``W[i+1].T`` and ``b[i+1]``, not copies.

They follow scikit-learn's MLP where it has a convention: the network computes in float32
when ``X`` is float32 and in float64 otherwise (``dtype=`` overrides), ``solver="adam"`` is
scikit-learn's Adam (not ``torch.optim.Adam``, which :class:`chainrule.Adam` follows; the two
place epsilon differently), ``n_iter_`` counts the last call's iterations, ``warm_start``
keeps the coefficients but starts a fresh optimiser, and a multi-output regressor's ``loss_``
is averaged over the outputs. Beyond it: ``class_weight``, a validation loss curve, dropout,
more solvers and schedules, model files and ONNX export.

This module needs scikit-learn (``pip install 'chainrule[cli]'`` or ``scikit-learn``).
"""

from __future__ import annotations

import math
import numbers
import warnings
from os import PathLike
from typing import Any

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from chainrule.core.arrays import (
    NUMPY,
    describe,
    host,
    is_foreign_array,
    namespace_of,
    numpy_dtype,
)
from chainrule.core.network import Cache, Network
from chainrule.errors import (
    ChainruleError,
    ConfigurationError,
    DataError,
    DivergedFitError,
    ModelFileError,
    TrainingDivergedError,
)
from chainrule.io.modelfile import network_from_file, read_model_file, register_kind, save_network
from chainrule.io.schema import JSON, NUMBER, ListOf, Range, Record, register_section
from chainrule.model import Classes, Model, TargetCodec, Values, codec_from_json
from chainrule.sklearn.lbfgs import fit_lbfgs
from chainrule.sklearn.optimizers import InvScaling, ScikitLearnSGD
from chainrule.sklearn.same_seed import (
    ShuffleLikeScikitLearn,
    initialize_like_scikit_learn,
    split_like_scikit_learn,
)
from chainrule.sklearn.sparse import SparseAwareGradient, forward_rows, product_for
from chainrule.train.checkpoint import TrainingState
from chainrule.train.optimizers import Adam, Optimizer, get_optimizer
from chainrule.train.schedules import Schedule, get_schedule
from chainrule.train.trainer import Trainer
from sklearn import config_context, get_config

ACTIVATION_ALIASES = {"logistic": "sigmoid"}
CURVES = ("loss_curve", "validation_scores", "validation_loss_curve")  # stored as arrays
SOLVERS = ("adam", "sgd", "lbfgs", "adamw", "rmsprop", "gd")
STOCHASTIC_SOLVERS = ("adam", "sgd", "adamw", "rmsprop", "gd")
SKLEARN_SCHEDULES = ("constant", "invscaling", "adaptive")
LEARNING_RATES = (*SKLEARN_SCHEDULES, "step", "exponential")
SKLEARN_OUTPUT_NAMES = {
    "sigmoid": "logistic",
    "softmax": "softmax",
    "identity": "identity",
    "exp": "exp",
}
REGRESSION_LOSSES = {"squared_error": "identity", "poisson": "exp"}
NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)


def dispatched_namespace(X: Any) -> Any:
    """``X``'s namespace (:mod:`chainrule.core.arrays`) when scikit-learn's
    ``array_api_dispatch`` is on and ``X`` is another array API library's array: the
    estimator then trains there, on ``X``'s device, and answers in it. ``None`` otherwise:
    scikit-learn's validation converts ``X`` to NumPy, as it does for every estimator."""
    if get_config()["array_api_dispatch"] and is_foreign_array(X):
        return namespace_of(X)
    return None


def float_dtypes(xp: Any) -> tuple[Any, Any]:
    """The float dtypes validation may keep ``X`` in: float64 or float32 of ``xp``."""
    if xp is None:
        return np.float64, np.float32
    return xp.library.float64, xp.library.float32


def returned(result: np.ndarray, xp: Any) -> Any:
    """A prediction in the namespace the input came in (``xp``; ``None``: NumPy). Labels
    that are not numbers (strings, objects) have no place there and stay NumPy arrays."""
    if xp is None or result.dtype.kind not in "biuf":
        return result
    return xp.asarray(result)


class ScikitLearnAdam(Adam):
    """Adam exactly as scikit-learn's MLP applies it.

    ``m = beta_1 m + (1 - beta_1) g``, ``v = beta_2 v + (1 - beta_2) g^2``, then
    ``theta -= alpha sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)``: the bias
    correction is folded into the step size, so epsilon acts as ``eps / sqrt(1 - beta_2^t)``
    in the bias-corrected form. :class:`chainrule.Adam` follows ``torch.optim.Adam`` instead,
    ``alpha m_hat / (sqrt(v_hat) + eps)``; the two differ in the first steps when ``v`` is small.
    """

    name = "sklearn_adam"

    def _update(
        self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, m: np.ndarray, v: np.ndarray
    ) -> None:
        xp = namespace_of(theta)
        self._moments(g, work, m, v)
        step = xp.scalar(
            self.learning_rate * math.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t),
            np.float64,  # scikit-learn multiplies in float64
        )
        xp.sqrt(v, out=work)
        work += self.epsilon
        xp.divide(m, work, out=work)
        theta -= xp.multiply(step, work, out=work)


class OutputAveragedLoss(SparseAwareGradient):
    """scikit-learn's squared loss averages over the outputs as well as the examples, while
    its gradient is that of the sum over outputs; report the loss on that scale."""

    def cost(self, net: Network, cache: Cache, Y: np.ndarray, w: np.ndarray | None) -> float:
        J = net.output.cost(cache.Z[net.L], Y, w) / Y.shape[0]
        return J + net.l2_cost(cache.m if w is None else net.xp.sum(w)) if net.l2 else J


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: settings, training, attributes, files."""

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dtype: str | None = None,
        dropout: float = 0.0,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.dropout = dropout

    # ------------------------------------------------------------------ building

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            raise ConfigurationError(
                f"hidden_layer_sizes must be a sequence of positive integers, got {sizes!r}"
            ) from None
        if not all(isinstance(n, numbers.Integral) and n > 0 for n in sizes):
            raise ConfigurationError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}"
            )
        return [int(n) for n in sizes]

    def _seed(self, random_state: np.random.RandomState) -> int | None:
        """The network's own seed (for dropout masks): an integer ``random_state`` itself; a
        ``RandomState`` gives one draw, only with dropout (which scikit-learn lacks), so that
        without it the stream stays scikit-learn's."""
        if self.random_state is None or isinstance(self.random_state, numbers.Integral):
            return None if self.random_state is None else int(self.random_state)
        return int(random_state.randint(np.iinfo(np.int32).max)) if self.dropout else None

    def _check_settings(self) -> None:
        if self.solver not in SOLVERS:
            raise ConfigurationError(
                f"solver {self.solver!r} is not supported; choose one of: {', '.join(SOLVERS)}"
            )
        if self.learning_rate not in LEARNING_RATES:
            raise ConfigurationError(
                f"learning_rate {self.learning_rate!r} is not supported; choose one of: "
                f"{', '.join(LEARNING_RATES)}"
            )

    def _new_trainer(
        self,
        n_features: int,
        n_outputs: int,
        output: str,
        dtype: np.dtype,
        random_state: np.random.RandomState,
    ) -> None:
        """A network initialised from ``random_state`` as scikit-learn's, and its trainer."""
        self._check_settings()
        self.net_ = Network(
            [n_features, *self._hidden_sizes(), n_outputs],
            hidden_activation=ACTIVATION_ALIASES.get(self.activation, self.activation),
            output_activation=output,
            seed=self._seed(random_state),
            dtype=self.dtype or dtype,
            l2=self.alpha,
            dropout=self.dropout,
        )
        initialize_like_scikit_learn(self.net_, self.activation, random_state)
        self.trainer_ = self._trainer()
        self.t_ = 0

    def _trainer(self, state: TrainingState | None = None) -> Trainer:
        """A trainer for ``net_`` with a fresh optimiser: a fit from scratch, or a warm start
        that continues ``state`` (the coefficients, the record and the stopping bookkeeping
        carry over; the optimiser, its moments and its step count start afresh, as
        scikit-learn's)."""
        patience = self.n_iter_no_change
        return Trainer.from_state(
            self.net_,
            self._optimizer(),
            state or TrainingState(),
            batch_size=self.batch_size if self.batch_size == "auto" else int(self.batch_size),
            shuffle=self.shuffle,
            order=ShuffleLikeScikitLearn(),
            schedule=self._schedule(),
            patience=None if math.isinf(patience) else int(patience),
            tol=self.tol,
            restore_best=True,
            callbacks=[self._report] if self.verbose else [],
            strategy=OutputAveragedLoss() if self._output_averaged() else SparseAwareGradient(),
        )

    def _output_averaged(self) -> bool:
        return self.net_.output.name == "identity" and self.net_.layer_sizes[-1] > 1

    def _schedule(self) -> Schedule:
        """``learning_rate`` as scikit-learn applies it: its own schedules (constant,
        invscaling, adaptive) to ``sgd`` only; chainrule's (step, exponential) to any solver."""
        if self.solver in ("adam", "lbfgs") and self.learning_rate in SKLEARN_SCHEDULES:
            return Schedule()
        if self.learning_rate == "invscaling":
            return InvScaling(self.power_t)
        return get_schedule(self.learning_rate)

    def _optimizer(self) -> Optimizer:
        rate = self.learning_rate_init
        if self.solver == "sgd":
            return ScikitLearnSGD(rate, self.momentum, self.nesterovs_momentum)
        if self.solver == "adam":
            return ScikitLearnAdam(rate, self.beta_1, self.beta_2, self.epsilon)
        if self.solver == "adamw":
            return get_optimizer(
                self.solver,
                learning_rate=rate,
                beta_1=self.beta_1,
                beta_2=self.beta_2,
                epsilon=self.epsilon,
            )
        if self.solver == "rmsprop":
            return get_optimizer("rmsprop", learning_rate=rate, epsilon=self.epsilon)
        return get_optimizer("gd", learning_rate=rate)  # gd; lbfgs has no step rule

    def _report(self, net: Network, epoch: int, history: Any) -> None:
        line = f"Iteration {epoch}, loss = {history.cost[-1]:.8f}"
        if history.val_score:
            line += f", validation score = {history.val_score[-1]:.6f}"
        print(line)

    def _check_solver(self) -> bool:
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is "
                "not stochastic."
            )
        return True

    # ------------------------------------------------------------------ training

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _BaseMLP:
        """Train on ``X`` ``(n_samples, n_features)`` and ``y``; returns ``self``."""
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> _BaseMLP:
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        keep = (self.warm_start or incremental) and hasattr(self, "net_")
        xp = dispatched_namespace(X)
        if xp is not None and self.solver == "lbfgs":
            # scipy's L-BFGS-B iterates on the host; the fitted network then goes to X's device
            if hasattr(self, "net_"):
                self.net_.to(NUMPY)  # a warm start iterates on the host too
            fitted = self._fit(host(X), host(y), host(sample_weight), incremental)
            self.net_.to(X)
            return fitted
        X, y = validate_data(
            self,
            X,
            y if xp is None else host(y),  # targets are encoded on the host: one copy a fit
            multi_output=True,
            y_numeric=not isinstance(self, ClassifierMixin),
            accept_sparse=["csr", "csc"],
            dtype=float_dtypes(xp),
            reset=not keep,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        # a first partial_fit has its classes already: y is checked against them
        Y, output = self._encode_targets(y, incremental=keep or (incremental and self._known()))
        if sample_weight is not None:
            sample_weight = host(_check_sample_weight(sample_weight, X))
        sample_weight = self._weigh_classes(y, sample_weight, incremental)
        random_state = check_random_state(self.random_state)  # a fresh stream per call
        if not keep:
            self._new_trainer(X.shape[1], Y.shape[1], output, numpy_dtype(X.dtype), random_state)
        elif not incremental:
            self.trainer_ = self._trainer(self.trainer_.state)
        if self.solver == "lbfgs":
            return self._fit_lbfgs(X, Y, sample_weight)

        trainer = self.trainer_
        validation = None
        if self.early_stopping:
            X, Y, sample_weight, validation = self._hold_out(X, Y, sample_weight, random_state)
        m = X.shape[0]
        self._warn_if_batch_is_clipped(m)
        trainer.order.start(random_state)
        if isinstance(trainer.schedule, InvScaling):
            trainer.schedule.start(self.t_, trainer.epochs_done, m)
        dtype, there = self.net_.dtype, namespace_of(X)
        weights = None if sample_weight is None else there.asarray(sample_weight.astype(dtype))
        before = trainer.epochs_done
        diverged = None
        try:
            history = trainer.fit(
                there.astype(X, dtype).T,
                there.asarray(Y.astype(dtype, copy=False).T),
                1 if incremental else self.max_iter,
                sample_weight=weights,
                validation=validation,
            )
        except TrainingDivergedError as error:
            diverged = self._diverged(error)
            history = trainer.history
        self._collect(history, trainer.epochs_done - before, m, incremental, diverged)
        return self

    def _warn_if_batch_is_clipped(self, m: int) -> None:
        """As scikit-learn warns: a ``batch_size`` above ``m`` samples is clipped to ``m``
        (the trainer's batch-size policy)."""
        if self.batch_size != "auto" and self.batch_size > m:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                stacklevel=4,
            )

    def _diverged(self, error: TrainingDivergedError) -> str:
        """A non-finite cost: an error, or, with early stopping, as scikit-learn's fit, a
        return with the best validation epoch's coefficients (and one warning)."""
        if not self.early_stopping:
            raise DivergedFitError(f"{NON_FINITE} ({error})") from None
        if self.trainer_.state.best_theta is not None:
            self.net_.theta[...] = self.trainer_.state.best_theta
        message = (
            f"chainrule: {error} With early_stopping, the estimator keeps the coefficients of "
            "its best validation score; validation_scores_ ends in nan."
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=4)
        return message

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None) -> _BaseMLP:
        """``solver="lbfgs"``: every sample at once, up to ``max_iter`` iterations and
        ``max_fun`` cost evaluations (:func:`chainrule.sklearn.lbfgs.fit_lbfgs`)."""
        net = self.net_
        X_cols, Y_cols, weights = self.trainer_.strategy.check_data(
            net, X.astype(net.dtype, copy=False).T, Y.astype(net.dtype).T, w
        )
        result = fit_lbfgs(
            net, X_cols, Y_cols, weights, max_iter=self.max_iter, max_fun=self.max_fun,
            tol=self.tol, input_product=product_for(X),
        )  # fmt: skip
        if not np.isfinite(net.theta).all():
            raise DivergedFitError(NON_FINITE)
        scale = Y.shape[1] if self._output_averaged() else 1  # scikit-learn's loss_ scale
        self.n_iter_ = result.n_iter
        self.loss_ = result.cost / scale
        self.loss_curve_ = [cost / scale for cost in result.costs]
        self.best_loss_ = None
        self.validation_scores_ = self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.n_iter} iteration(s) "
                f"(status={result.status}):\n{result.message}\n"
                + (
                    f"\nIncrease the number of iterations to improve the convergence "
                    f"(max_iter={self.max_iter})."
                    if result.n_iter == self.max_iter
                    else ""
                ),
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _weigh_classes(
        self, y: np.ndarray, sample_weight: np.ndarray | None, incremental: bool
    ) -> np.ndarray | None:
        """Sample weights times class weights (classifiers with ``class_weight``)."""
        return sample_weight

    def _known(self) -> bool:
        """Whether the targets' encoding is known before the first fit (a classifier's
        ``classes`` given to ``partial_fit``)."""
        return hasattr(self, "classes_")

    def _hold_out(
        self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None, random_state: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[np.ndarray, ...]]:
        """Rows held out for early stopping, as scikit-learn holds them out: its
        ``train_test_split`` on the call's stream, stratified for single-output classifiers."""
        single = isinstance(self, ClassifierMixin) and Y.shape[1] == 1
        there = namespace_of(X)
        # another namespace's rows are split by their indices, on the host, then gathered
        rows = X if there is NUMPY else np.arange(X.shape[0])
        rows, Y, w, rows_val, Y_val, w_val = split_like_scikit_learn(
            rows, Y, w, self.validation_fraction, random_state, Y.astype(bool) if single else None
        )
        if rows_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size "
                "of your dataset."
            )
        if there is NUMPY:
            X, X_val = rows, rows_val
        else:
            X, X_val = there.take(X, rows, axis=0), there.take(X, rows_val, axis=0)
        dtype = self.net_.dtype
        w_val = None if w_val is None else there.asarray(w_val.astype(dtype).reshape(1, -1))
        validation = (there.astype(X_val, dtype).T, there.asarray(Y_val.astype(dtype).T), w_val)
        return X, Y, w, validation

    def _collect(
        self,
        history: Any,
        iterations: int,
        n_samples: int,
        incremental: bool,
        diverged: str | None = None,
    ) -> None:
        """Copy the trainer's record into scikit-learn's attribute names; a diverged epoch
        (early stopping only) is recorded as nan."""
        nan = [math.nan] if diverged else []
        iterations += len(nan)
        self.loss_curve_ = list(history.cost) + nan
        self.n_iter_ = iterations  # of this call, as scikit-learn counts
        self.t_ += iterations * n_samples  # samples seen over all calls
        self.loss_ = self.loss_curve_[-1]
        if self.early_stopping:
            self.validation_scores_ = list(history.val_score) + nan
            self.validation_loss_curve_ = list(history.val_cost) + nan
            self.best_validation_score_ = max(history.val_score, default=math.nan)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(history.cost)
        if not incremental and not diverged and history.stop_reason == "epochs":
            warnings.warn(
                f"chainrule: Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ prediction

    def _forward(self, X: Any, method: str) -> tuple[np.ndarray, np.dtype, Any]:
        """``A[L]`` as host rows ``(n_samples, n[L])``, the float dtype of the validated input,
        and the namespace the results go back to (:func:`dispatched_namespace`). ``X`` must
        be where the fitted parameters are (scikit-learn's ``check_same_namespace`` rule)."""
        check_is_fitted(self, "net_")
        xp = dispatched_namespace(X)
        if get_config()["array_api_dispatch"] and (xp or NUMPY) is not self.net_.xp:
            raise DataError(
                f"{type(self).__name__}.{method}(): X and the fitted parameters must use the "
                f"same namespace and device; the parameters are {describe(self.net_.theta)} "
                f"and X is {describe(X)}"
            )
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=float_dtypes(xp),
            reset=False,
        )
        if issparse(X):  # the model takes arrays; a sparse X goes through its own product
            rows = X.astype(self.net_.dtype, copy=False)
            return forward_rows(self.net_, rows).A[self.net_.L].T, X.dtype, None
        rows = namespace_of(X).astype(X, self.net_.dtype)
        return host(self.model_.outputs(rows)), numpy_dtype(X.dtype), xp

    # ------------------------------------------------------------------ attributes

    @property
    def coefs_(self) -> list[np.ndarray]:
        """``coefs_[i] = W[i+1].T``, shape ``(n[i], n[i+1])``: views of the network."""
        check_is_fitted(self, "net_")
        return [W.T for W in self.net_.W[1:]]

    @coefs_.setter
    def coefs_(self, coefs: Any) -> None:
        """Assigning ``coefs_`` (a list, one ``(n[i], n[i+1])`` array per layer) writes them
        into the network's ``W[i+1]``."""
        self._assign("coefs_", coefs, lambda net: [W.T for W in net.W[1:]])

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """``intercepts_[i] = b[i+1]`` as ``(n[i+1],)`` views."""
        check_is_fitted(self, "net_")
        return [b[:, 0] for b in self.net_.b[1:]]

    @intercepts_.setter
    def intercepts_(self, intercepts: Any) -> None:
        self._assign("intercepts_", intercepts, lambda net: [b[:, 0] for b in net.b[1:]])

    def _assign(self, name: str, values: Any, views: Any) -> None:
        if not hasattr(self, "net_"):
            raise AttributeError(
                f"{name} can be assigned to a fitted estimator only (its shapes come from "
                "the data); fit first, e.g. with max_iter=1, then assign"
            )
        values, targets = list(values), views(self.net_)
        shapes = [target.shape for target in targets]
        if [np.shape(value) for value in values] != shapes:
            raise ConfigurationError(
                f"{name} must be {len(shapes)} arrays of shapes {shapes}; got shapes "
                f"{[np.shape(value) for value in values]}"
            )
        for target, value in zip(targets, values, strict=True):
            target[...] = value

    @property
    def n_layers_(self) -> int:
        check_is_fitted(self, "net_")
        return len(self.net_.layer_sizes)

    @property
    def n_outputs_(self) -> int:
        check_is_fitted(self, "net_")
        return self.net_.layer_sizes[-1]

    @property
    def out_activation_(self) -> str:
        check_is_fitted(self, "net_")
        return SKLEARN_OUTPUT_NAMES[self.net_.output.name]

    @property
    def model_(self) -> Model:
        """The fitted model as :class:`chainrule.Model`: ``net_`` with the estimator's
        targets (classes, or values), what ``predict``, model files and ONNX export use."""
        check_is_fitted(self, "net_")
        names = getattr(self, "feature_names_in_", None)
        names = None if names is None else [str(name) for name in names]
        return Model(self.net_, self._targets(), None, names)

    def _targets(self) -> TargetCodec:
        raise NotImplementedError

    def _adopt_targets(self, targets: TargetCodec) -> None:
        """Take the targets of a model file back (what :meth:`_targets` describes)."""
        raise NotImplementedError

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """scikit-learn's score: accuracy for the classifier (of every label, for multi-label
        targets), ``R^2`` for the regressor. Arrays of another namespace are scored on the
        host in float64, so that a fit on torch tensors scores exactly as its NumPy twin
        (scikit-learn's metrics would average in torch's default float32)."""
        regressor = isinstance(self, RegressorMixin)
        if dispatched_namespace(X) is None:
            mixin = RegressorMixin if regressor else ClassifierMixin
            return mixin.score(self, X, y, sample_weight)
        predicted = host(self.predict(X))
        with config_context(array_api_dispatch=False):
            metric = r2_score if regressor else accuracy_score
            return float(metric(host(y), predicted, sample_weight=host(sample_weight)))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # chainrule.sklearn.sparse
        tags.array_api_support = True  # with array_api_dispatch (chainrule.core.arrays)
        return tags

    # ------------------------------------------------------------------ model files

    def save(self, path: str | PathLike[str]) -> None:
        """Write the fitted estimator to one model file (atomically)."""
        check_is_fitted(self, "net_")
        metadata = {
            "params": self.get_params(),
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": (
                self.feature_names_in_.tolist() if hasattr(self, "feature_names_in_") else None
            ),
            "curves": [name for name in CURVES if getattr(self, f"{name}_") is not None],
            "n_iter": self.n_iter_,
            "t": self.t_,
            "targets": self._targets().to_json(),
        }
        curves = {
            f"{name}": np.asarray(getattr(self, f"{name}_"), dtype=np.float64)
            for name in metadata["curves"]
        }
        save_network(self.net_, path, kind=type(self).__name__, metadata=metadata, arrays=curves)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> _BaseMLP:
        """Read an estimator written by :meth:`save`."""
        header, arrays = read_model_file(path)
        if header.get("kind") != cls.__name__:
            raise ModelFileError(f"{path}: holds a {header.get('kind')!r}, not a {cls.__name__}")
        return cls.from_model_file(path, header, arrays)

    @classmethod
    def from_model_file(
        cls, path: str | PathLike[str], header: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> _BaseMLP:
        metadata = header.get("metadata") or {}
        try:
            params = dict(metadata["params"])
            if isinstance(params.get("hidden_layer_sizes"), list):  # JSON has no tuples
                params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
            estimator = cls(**params)
            estimator.net_ = network_from_file(path, header, arrays)
            estimator.n_features_in_ = int(metadata["n_features_in"])
            if metadata.get("feature_names_in") is not None:
                estimator.feature_names_in_ = np.asarray(metadata["feature_names_in"], object)
            if "curves" in metadata:
                for name in CURVES:
                    curve = arrays[name].tolist() if name in metadata["curves"] else None
                    setattr(estimator, f"{name}_", curve)
            else:  # format version 1 kept the curves in the header
                estimator.loss_curve_ = list(metadata["loss_curve"])
                estimator.validation_scores_ = metadata["validation_scores"]
                estimator.validation_loss_curve_ = metadata.get("validation_loss_curve")
            estimator.n_iter_ = int(metadata["n_iter"])
            estimator.t_ = int(metadata.get("t", 0))
            estimator._adopt_targets(cls._saved_targets(metadata, path))
            if estimator.n_features_in_ != estimator.net_.layer_sizes[0]:
                raise ModelFileError("n_features_in does not match the network")
            estimator.model_  # noqa: B018  (checks the targets against the network)
            estimator.trainer_ = estimator._trainer()  # checks the saved parameters
        except ModelFileError as exc:
            if str(exc).startswith(str(path)):
                raise
            raise ModelFileError(f"{path}: {exc}") from None
        except (KeyError, TypeError, ValueError, ChainruleError) as exc:
            raise ModelFileError(f"{path}: the estimator description is invalid ({exc})") from None
        estimator.loss_ = estimator.loss_curve_[-1] if estimator.loss_curve_ else None
        scores = estimator.validation_scores_
        estimator.best_validation_score_ = max(scores) if scores else None
        curve = estimator.loss_curve_
        estimator.best_loss_ = None if scores else (min(curve) if curve else None)
        return estimator

    @staticmethod
    def _saved_targets(metadata: dict[str, Any], path: Any) -> TargetCodec:
        """The targets of an estimator's file (version 1 wrote them as loose keys)."""
        if "targets" in metadata:
            return codec_from_json(metadata["targets"], path)
        if "classes" in metadata:
            kind = metadata["target_type"]
            return Classes(
                metadata["classes"], kind == "multilabel-indicator", kind == "multiclass"
            )
        ndim = int(metadata["y_ndim"])
        return Values(0.0, 1.0, ndim)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by backpropagation.

    Binary targets use the seed's single sigmoid output with binary cross-entropy, multi-class
    targets a softmax output with categorical cross-entropy, and multi-label indicator targets
    one sigmoid per label. Parameters as scikit-learn's ``MLPClassifier`` (``solver`` also
    accepts ``adamw``, ``rmsprop`` and ``gd``; ``learning_rate`` also ``step`` and
    ``exponential``), plus ``dtype``
    (``None``: follow ``X``, float32 for float32 input and float64 otherwise; or
    ``"float32"``, ``"float64"``), ``dropout`` (probability of dropping a hidden unit) and
    ``class_weight`` (``None``, ``"balanced"`` or ``{class: weight}``, multiplied into
    ``sample_weight`` as scikit-learn's other classifiers do). With the same ``random_state``
    it draws scikit-learn's initial coefficients, split and shuffles, so ``sgd``, ``adam``
    and ``lbfgs`` fit the model scikit-learn's ``MLPClassifier`` fits.
    """

    score = _BaseMLP.score  # before the mixin's: array API inputs scored on the host

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dtype: str | None = None,
        dropout: float = 0.0,
        class_weight: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            dropout=dropout,
        )
        self.class_weight = class_weight

    def _weigh_classes(
        self, y: np.ndarray, sample_weight: np.ndarray | None, incremental: bool
    ) -> np.ndarray | None:
        """``sample_weight`` times the weight of each sample's class (``class_weight``: a
        dict of class to weight, or ``"balanced"``: ``n_samples / (n_classes * count)``)."""
        if self.class_weight is None:
            return sample_weight
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: the class counts of "
                "one call are not those of the data; pass class_weight as a dict, e.g. from "
                "sklearn.utils.class_weight.compute_class_weight('balanced', classes=..., y=...)"
            )
        weights = compute_sample_weight(self.class_weight, y)
        return weights if sample_weight is None else sample_weight * weights

    def _encode_targets(self, y: np.ndarray, incremental: bool) -> tuple[np.ndarray, str]:
        """One-hot (or 0/1) targets and the output for them. A fit from scratch learns the
        classes (one class is fitted too, as scikit-learn does: it is always predicted); a
        warm start must see the same classes, a ``partial_fit`` no new ones."""
        check_classification_targets(y)
        if not incremental:
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                )
            if len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        Y = self._label_binarizer.transform(y).astype(np.float64)
        output = "softmax" if self._label_binarizer.y_type_ == "multiclass" else "sigmoid"
        return Y, output

    @available_if(lambda estimator: estimator._check_solver())
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over ``X``, ``y``; the first call needs ``classes`` (all labels), or,
        for multi-label targets, ``y`` holds every label as a column."""
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        if classes is not None and hasattr(self, "classes_"):
            if not np.array_equal(self.classes_, unique_labels(classes)):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                    f"was: {self.classes_!r}"
                )
        if not hasattr(self, "net_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            multilabel = type_of_target(y).startswith("multilabel")
            self._label_binarizer = LabelBinarizer().fit(y if multilabel else classes)
            self.classes_ = self._label_binarizer.classes_
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(self) -> Classes:
        kind = self._label_binarizer.y_type_
        return Classes(self.classes_, kind == "multilabel-indicator", kind == "multiclass")

    def _adopt_targets(self, targets: TargetCodec) -> None:
        if not isinstance(targets, Classes):
            raise ModelFileError("a classifier's file must describe classes")
        if targets.multilabel:
            labels = np.eye(len(targets.classes), dtype=int)
            self._label_binarizer = LabelBinarizer().fit(labels)
        else:
            self._label_binarizer = LabelBinarizer().fit(targets.classes)
        self.classes_ = self._label_binarizer.classes_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)``, columns in the order of ``classes_``."""
        return self._probabilities(X, "predict_proba")

    def predict_log_proba(self, X: Any) -> np.ndarray:
        probabilities = self._probabilities(X, "predict_log_proba")
        return namespace_of(probabilities).log(probabilities)

    def _probabilities(self, X: Any, method: str) -> Any:
        A, dtype, xp = self._forward(X, method)
        probabilities = self._targets().probabilities(A, self.net_.output.name)
        return returned(probabilities.astype(dtype, copy=False), xp)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels ``(n_samples,)``, or an indicator matrix for multi-label targets."""
        A, _, xp = self._forward(X, "predict")
        return returned(self._targets().decode(A, self.net_.output.name), xp)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: identity output with squared error
    ``1/(2m) ||A - Y||^2`` (``loss="squared_error"``), or exp output with the Poisson
    deviance (``loss="poisson"``, for counts).

    Parameters as scikit-learn's ``MLPRegressor``, plus ``dtype`` and ``dropout``; see
    :class:`MLPClassifier` for the solvers and schedules offered.
    """

    score = _BaseMLP.score  # before the mixin's: array API inputs scored on the host

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        loss: str = "squared_error",
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dtype: str | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            dropout=dropout,
        )
        self.loss = loss

    def _encode_targets(self, y: np.ndarray, incremental: bool) -> tuple[np.ndarray, str]:
        """Targets as columns and the output ``loss`` asks for: identity with squared error,
        or exp with the Poisson deviance (eq. C5; ``y >= 0``)."""
        if self.loss not in REGRESSION_LOSSES:
            raise ConfigurationError(
                f"loss {self.loss!r} is not supported; choose one of: "
                f"{', '.join(REGRESSION_LOSSES)}"
            )
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError("Some value(s) of y are negative which is not allowed for Poisson.")
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not incremental:
            self._y_ndim = y.ndim
        return Y.astype(np.float64, copy=False), REGRESSION_LOSSES[self.loss]

    def _known(self) -> bool:
        return False

    @available_if(lambda estimator: estimator._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``X``, ``y``."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(self) -> Values:
        n = self.net_.layer_sizes[-1]
        return Values(np.zeros(n), np.ones(n), self._y_ndim)

    def _adopt_targets(self, targets: TargetCodec) -> None:
        if not isinstance(targets, Values):
            raise ModelFileError("a regressor's file must describe values")
        self._y_ndim = targets.ndim

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n_samples,)``, or ``(n_samples, n_outputs)`` for multi-output targets."""
        A, dtype, xp = self._forward(X, "predict")
        return returned(self._targets().decode(A, self.net_.output.name).astype(dtype), xp)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


#: The ``metadata`` of an estimator's model file (:mod:`chainrule.io.schema`); version 1 kept
#: the curves in it and described the targets with loose keys.
ESTIMATOR_METADATA = Record(
    fields={
        "params": Record(extra=JSON),
        "n_features_in": Range(int, 1),
        "n_iter": Range(int, 0),
    },
    optional={
        "feature_names_in": (None, ListOf(str)),
        "curves": ListOf(CURVES),
        "t": Range(int, 0),
        "targets": Record(extra=JSON),
        "loss_curve": ListOf(NUMBER),
        "validation_scores": (None, ListOf(NUMBER)),
        "validation_loss_curve": (None, ListOf(NUMBER)),
        "classes": ListOf((str, int, float, bool), min_length=1),
        "target_type": ("binary", "multiclass", "multilabel-indicator"),
        "y_ndim": (1, 2),
    },
)

for _estimator in (MLPClassifier, MLPRegressor):
    register_kind(_estimator.__name__, _estimator.from_model_file)
    register_section(
        ("metadata",),
        ESTIMATOR_METADATA,
        lambda header, kind=_estimator.__name__: header.get("kind") == kind,
    )
