"""Optimisers: rules that turn the gradient into a parameter update, kept apart from the model.

Each optimiser updates the flat parameter vector ``theta`` in place from the flat gradient
``g = dJ/dtheta`` laid out the same way (see :class:`chainrule.core.Network`), so one
expression updates every ``W[l]`` and ``b[l]`` at once. The update rules are PyTorch's
(``torch.optim``), and the tests hold them to it.

An optimiser's state (velocities, moment estimates, step count) is exposed by
:meth:`Optimizer.state_dict` so that a checkpoint can resume training exactly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from chainrule.core.arrays import host, namespace_of, placed_like
from chainrule.core.threads import in_row_blocks
from chainrule.core.validation import check_fraction, check_positive, lookup


class Optimizer(ABC):
    """Updates parameters in place from their gradient."""

    name: ClassVar[str]
    state_names: ClassVar[tuple[str, ...]] = ()
    rule: ClassVar[tuple[tuple[str, str], ...]]
    """The update rule as ``(text, LaTeX)`` lines on the flat ``θ`` and ``dθ``: what
    ``_update`` computes, for ``chainrule explain`` and the tutorial."""
    symbols: ClassVar[dict[str, tuple[str, str]]] = {"learning_rate": ("α", r"\alpha")}
    """The symbol (text, LaTeX) of each hyper-parameter in :attr:`rule`."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive("learning_rate", learning_rate)
        self.t = 0  # steps taken
        self.state: dict[str, np.ndarray] = {}
        self._work: np.ndarray | None = None

    def step(self, theta: np.ndarray, g: np.ndarray) -> None:
        """Apply one update to ``theta`` (modified in place) given ``g = dJ/dtheta``, in the
        namespace ``theta`` lives in (the buffers follow it there)."""
        xp = namespace_of(theta)
        for name in self.state_names:
            if name not in self.state:
                self.state[name] = xp.zeros_like(theta)
        work = self._work
        if work is None or work.shape != theta.shape or namespace_of(work) is not xp:
            # one scratch vector, reused every step, so an update allocates nothing
            self._work = xp.empty_like(theta)
            self.state = {name: placed_like(v, theta) for name, v in self.state.items()}
        self.t += 1
        # elementwise: large vectors are updated a block at a time on several threads
        state = (self.state[name] for name in self.state_names)
        in_row_blocks(self._update, theta, g, self._work, *state)

    @abstractmethod
    def _update(
        self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, *state: np.ndarray
    ) -> None:
        """The update rule itself, on (a block of) ``theta``, ``g``, a scratch vector and the
        state buffers in the order of ``state_names``; ``self.t`` already counts this step."""

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments, enough to rebuild an identical optimiser."""
        return {"learning_rate": self.learning_rate}

    def values(self) -> tuple[str, str]:
        """This optimiser's hyper-parameters in the symbols of :attr:`rule`, as text and as
        LaTeX, e.g. ``α = 0.001, β₁ = 0.9``."""
        pairs = [
            (self.symbols[k], f"{v:g}" if isinstance(v, float) else str(v).lower())
            for k, v in self.hyperparameters().items()
            if k in self.symbols
        ]
        return (
            ", ".join(f"{text} = {v}" for (text, _), v in pairs),
            r",\ ".join(f"{latex} = {v}" for (_, latex), v in pairs),
        )

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: hyper-parameters, step count, buffers."""
        return {
            "name": self.name,
            "hyperparameters": self.hyperparameters(),
            "t": self.t,
            "state": {k: np.array(host(v)) for k, v in self.state.items()},
        }

    def snapshot(self) -> tuple[float, int, dict[str, np.ndarray]]:
        """The state an epoch changes, cheaply: ``(learning_rate, t, buffer copies)``."""
        return self.learning_rate, self.t, {k: _copy(v) for k, v in self.state.items()}

    def restore(self, snapshot: tuple[float, int, dict[str, np.ndarray]]) -> None:
        """Go back to a :meth:`snapshot`."""
        self.learning_rate, self.t, state = snapshot
        self.state = {k: _copy(v) for k, v in state.items()}

    def load_state_dict(self, saved: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`: the learning rate, step count and buffers."""
        self.learning_rate = saved["hyperparameters"]["learning_rate"]
        self.t = int(saved["t"])
        self.state = {k: np.array(v) for k, v in saved["state"].items()}

    @classmethod
    def from_state_dict(cls, saved: dict[str, Any]) -> Optimizer:
        optimizer = get_optimizer(saved["name"], **saved["hyperparameters"])
        optimizer.load_state_dict(saved)
        return optimizer

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


class GradientDescent(Optimizer):
    """The seed's update: ``W[l] -= alpha * dW[l]``, ``b[l] -= alpha * db[l]`` (eq. U1)."""

    name = "gd"
    rule = (("θ -= α dθ", r"\theta \leftarrow \theta - \alpha\, d\theta"),)

    def _update(self, theta: np.ndarray, g: np.ndarray, work: np.ndarray) -> None:
        xp = namespace_of(theta)
        theta -= xp.multiply(self.learning_rate, g, out=work)  # U1: theta -= alpha dtheta


class SGD(Optimizer):
    """Gradient descent with momentum ``mu``, optionally Nesterov's (as ``torch.optim.SGD``).

    ``v = mu v + g`` (``v = g`` on the first step); then ``theta -= alpha v``, or with Nesterov
    ``theta -= alpha (g + mu v)``. With ``momentum=0`` this is :class:`GradientDescent`.
    """

    name = "sgd"
    rule = (
        ("v = μ v + dθ  (v = dθ at the first step)", r"v \leftarrow \mu v + d\theta"),
        ("θ -= α v,  or with Nesterov  θ -= α (dθ + μ v)", r"\theta \leftarrow \theta - \alpha v"),
    )
    symbols = {**Optimizer.symbols, "momentum": ("μ", r"\mu"), "nesterov": ("Nesterov", "N")}

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9, nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = check_fraction("momentum", momentum)
        self.nesterov = bool(nesterov)

    @property
    def state_names(self) -> tuple[str, ...]:  # type: ignore[override]
        """No velocity with ``momentum=0``: ``v = g`` every step, plain gradient descent."""
        return ("velocity",) if self.momentum else ()

    def _update(self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, *v: np.ndarray) -> None:
        if not self.momentum:
            theta -= namespace_of(theta).multiply(self.learning_rate, g, out=work)  # U1
            return
        (v,) = v
        if self.t == 1:
            v[...] = g
        else:
            v *= self.momentum
            v += g
        xp = namespace_of(theta)
        if self.nesterov:
            step = xp.multiply(self.momentum, v, out=work)
            step += g
        else:
            step = v
        theta -= xp.multiply(self.learning_rate, step, out=work)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }


class RMSprop(Optimizer):
    """``s = rho s + (1 - rho) g^2``, ``theta -= alpha g / (sqrt(s) + eps)``."""

    name = "rmsprop"
    state_names = ("square_avg",)
    rule = (
        ("s = ρ s + (1 - ρ) dθ²", r"s \leftarrow \rho s + (1 - \rho)\, d\theta^2"),
        (
            "θ -= α dθ / (√s + ε)",
            r"\theta \leftarrow \theta - \alpha\, d\theta / (\sqrt{s} + \epsilon)",
        ),
    )
    symbols = {**Optimizer.symbols, "rho": ("ρ", r"\rho"), "epsilon": ("ε", r"\epsilon")}

    def __init__(self, learning_rate: float = 0.01, rho: float = 0.99, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.rho = check_fraction("rho", rho)
        self.epsilon = check_positive("epsilon", epsilon)

    def _update(self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, s: np.ndarray) -> None:
        xp = namespace_of(theta)
        s *= self.rho
        xp.multiply(g, g, out=work)
        s += xp.multiply(1 - self.rho, work, out=work)
        xp.sqrt(s, out=work)
        work += self.epsilon
        xp.divide(g, work, out=work)
        theta -= xp.multiply(self.learning_rate, work, out=work)

    def hyperparameters(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam: bias-corrected first and second moment estimates of the gradient.

    ``m = beta_1 m + (1 - beta_1) g``, ``v = beta_2 v + (1 - beta_2) g^2``,
    ``theta -= alpha (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + eps)``.
    """

    name = "adam"
    state_names = ("m", "v")
    rule = (
        (
            "mₜ = β₁ mₜ₋₁ + (1 - β₁) dθ   (first moment)",
            r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, d\theta",
        ),
        (
            "vₜ = β₂ vₜ₋₁ + (1 - β₂) dθ²   (second moment)",
            r"v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, d\theta^2",
        ),
        (
            "θ -= α m̂ / (√v̂ + ε),  m̂ = mₜ / (1 - β₁ᵗ),  v̂ = vₜ / (1 - β₂ᵗ)   (step t)",
            r"\theta \leftarrow \theta - \alpha \frac{\hat m}{\sqrt{\hat v} + \epsilon},\ "
            r"\hat m = \frac{m_t}{1 - \beta_1^t},\ \hat v = \frac{v_t}{1 - \beta_2^t}",
        ),
    )
    symbols = {
        **Optimizer.symbols,
        "beta_1": ("β₁", r"\beta_1"),
        "beta_2": ("β₂", r"\beta_2"),
        "epsilon": ("ε", r"\epsilon"),
    }

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_fraction("beta_1", beta_1)
        self.beta_2 = check_fraction("beta_2", beta_2)
        self.epsilon = check_positive("epsilon", epsilon)

    def _moments(self, g: np.ndarray, work: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        """``m = beta_1 m + (1 - beta_1) g`` and ``v = beta_2 v + (1 - beta_2) g^2``, in place."""
        xp = namespace_of(g)
        m *= self.beta_1
        m += xp.multiply(1 - self.beta_1, g, out=work)
        v *= self.beta_2
        xp.multiply(g, g, out=work)
        v += xp.multiply(1 - self.beta_2, work, out=work)

    def _update(
        self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, m: np.ndarray, v: np.ndarray
    ) -> None:
        xp = namespace_of(theta)
        self._moments(g, work, m, v)
        # theta -= alpha m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta_1^t) and
        # v_hat = v / (1 - beta_2^t), assembled in the scratch vector
        xp.multiply(v, 1 / (1 - self.beta_2**self.t), out=work)
        xp.sqrt(work, out=work)
        work += self.epsilon
        xp.divide(m, work, out=work)
        theta -= xp.multiply(self.learning_rate / (1 - self.beta_1**self.t), work, out=work)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay: ``theta -= alpha lambda theta`` before the Adam step.

    Like ``torch.optim.AdamW``, the decay applies to every parameter, biases included.
    """

    name = "adamw"
    rule = (
        (
            "θ -= α λ θ   (decoupled weight decay, biases too)",
            r"\theta \leftarrow (1 - \alpha\lambda)\,\theta",
        ),
        *Adam.rule,
    )
    symbols = {**Adam.symbols, "weight_decay": ("λ", r"\lambda")}

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = check_positive("weight_decay", weight_decay, allow_zero=True)

    def _update(
        self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, m: np.ndarray, v: np.ndarray
    ) -> None:
        theta *= 1 - self.learning_rate * self.weight_decay
        super()._update(theta, g, work, m, v)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "weight_decay": self.weight_decay}


def _copy(buffer: Any) -> Any:
    return namespace_of(buffer).copy(buffer)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GradientDescent, SGD, RMSprop, Adam, AdamW)
}


def get_optimizer(name: str, **hyperparameters: Any) -> Optimizer:
    """Build the optimiser called ``name`` (``gd``, ``sgd``, ``rmsprop``, ``adam``, ``adamw``)."""
    return lookup("optimizer", name, OPTIMIZERS)(**hyperparameters)
