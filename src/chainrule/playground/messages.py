"""What the page may say: every websocket message is checked here before anything acts on it.

A message is one JSON object of at most :data:`MAX_MESSAGE_BYTES` with a ``type`` from
:data:`MESSAGE_TYPES` and exactly the fields that type takes. The settings of a network and
its data (:class:`Settings`) are checked name by name against the page's choices and the
limits below (layers, units, points), so nothing the page sends can ask for an unbounded
amount of memory or time, or name a file. A message that fails gets a
:class:`MessageError` whose text names the field, the value and what is allowed; the server
sends that text back to the page and carries on.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from chainrule.errors import ChainruleError, listed, plural
from chainrule.playground.datasets import CLASSIFICATION, FEATURES, REGRESSION

MAX_MESSAGE_BYTES = 8192
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 8
MIN_POINTS, MAX_POINTS = 20, 2000
MAX_BATCH = 100
MAX_SPEED = 50  # updates per frame
MAX_SEED = 2**31 - 1
ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity", "leaky_relu")
OPTIMIZERS = ("gd", "sgd", "rmsprop", "adam")
PROBLEMS = {"classification": CLASSIFICATION, "regression": REGRESSION}


class MessageError(ChainruleError, ValueError):
    """A message from the page is not one the server accepts; the text says why."""


@dataclass(frozen=True)
class Settings:
    """Everything that defines a playground run; TensorFlow Playground's defaults.

    ``noise`` and ``train_ratio`` are percentages as on the page; ``hidden`` lists the units
    of each hidden layer and ``activations`` the activation of each; ``speed`` is the number
    of mini-batch updates between two frames.
    """

    problem: str = "classification"
    dataset: str = "circle"
    noise: int = 0
    train_ratio: int = 50
    points: int = 500
    batch_size: int = 10
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] = ("tanh", "tanh")
    learning_rate: float = 0.03
    optimizer: str = "gd"
    l1: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    seed: int = 0
    speed: int = 2

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


# the settings a running network takes without starting again
LIVE = frozenset({"learning_rate", "l1", "l2", "dropout", "speed"})
MESSAGE_TYPES: dict[str, tuple[str, ...]] = {
    "configure": ("settings",),
    "play": (),
    "pause": (),
    "step": (),
    "reset": (),
    "drawn": ("id",),
    "inspect": (),
    "provenance": ("l", "j", "k"),
    "gradcheck": (),
    "bug": ("id",),
}


def parse(text: Any) -> dict[str, Any]:
    """The message in ``text``, checked: a dict with a known ``type`` and its fields."""
    if not isinstance(text, str):
        raise MessageError("messages must be JSON text, not binary")
    if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message longer than {MAX_MESSAGE_BYTES} bytes")
    try:
        message = json.loads(text, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, RecursionError) as error:
        raise MessageError(f"message is not valid JSON ({error})") from None
    if not isinstance(message, dict):
        raise MessageError("a message must be a JSON object with a 'type'")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        raise MessageError(f"unknown message type {kind!r}; one of: {', '.join(MESSAGE_TYPES)}")
    expected = set(MESSAGE_TYPES[kind])
    given = set(message) - {"type"}
    if given != expected:
        extra, missing = sorted(given - expected), sorted(expected - given)
        raise MessageError(
            f"'{kind}' message: "
            + "; ".join(
                part
                for part in (
                    f"unknown field(s) {listed(extra)}" if extra else "",
                    f"missing field(s) {', '.join(missing)}" if missing else "",
                )
                if part
            )
        )
    if kind in ("drawn", "provenance"):
        for name in expected:
            _integer(f"{kind}.{name}", message[name], 0, 10**9)
    if kind == "bug" and message["id"] is not None:
        _integer("bug.id", message["id"], 1, 10**3)
    if kind == "configure" and not isinstance(message["settings"], dict):
        raise MessageError("configure.settings must be an object of settings")
    return message


def _refuse_constant(name: str) -> None:
    raise MessageError(f"message contains {name}; numbers must be finite")


def settings_from(given: dict[str, Any], base: Settings | None = None) -> Settings:
    """``base`` (the defaults if ``None``) with the settings in ``given`` checked and applied."""
    base = base or Settings()
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise MessageError(f"unknown setting(s) {listed(unknown)}; known: {', '.join(known)}")
    values = {**base.as_dict(), **given}
    problem = _choice("problem", values["problem"], PROBLEMS)
    if "problem" in given and "dataset" not in given and values["dataset"] not in PROBLEMS[problem]:
        values["dataset"] = next(iter(PROBLEMS[problem]))
    hidden = _integers("hidden", values["hidden"], MAX_HIDDEN_LAYERS, 1, MAX_UNITS)
    activations = values["activations"]
    if "hidden" in given and "activations" not in given:
        # a layer added takes its neighbour's activation, as on the page
        activations = (list(activations) + [activations[-1] if activations else "tanh"] * 6)[
            : len(hidden)
        ]
    activations = _names("activations", activations, ACTIVATIONS, MAX_HIDDEN_LAYERS)
    if len(activations) != len(hidden):
        raise MessageError(
            f"activations lists {plural(len(activations), 'name')} for "
            f"{plural(len(hidden), 'hidden layer')}"
        )
    features = _names("features", values["features"], tuple(FEATURES), len(FEATURES))
    if not features or len(set(features)) != len(features):
        raise MessageError("features must name at least one input feature, each once")
    return Settings(
        problem=problem,
        dataset=_choice(f"dataset (for {problem})", values["dataset"], PROBLEMS[problem]),
        noise=_integer("noise", values["noise"], 0, 50),
        train_ratio=_integer("train_ratio", values["train_ratio"], 10, 90),
        points=_integer("points", values["points"], MIN_POINTS, MAX_POINTS),
        batch_size=_integer("batch_size", values["batch_size"], 1, MAX_BATCH),
        features=tuple(f for f in FEATURES if f in features),
        hidden=hidden,
        activations=activations,
        learning_rate=_number("learning_rate", values["learning_rate"], 0, 10, open_low=True),
        optimizer=_choice("optimizer", values["optimizer"], OPTIMIZERS),
        l1=_number("l1", values["l1"], 0, 10),
        l2=_number("l2", values["l2"], 0, 10),
        dropout=_number("dropout", values["dropout"], 0, 0.9),
        seed=_integer("seed", values["seed"], 0, MAX_SEED),
        speed=_integer("speed", values["speed"], 1, MAX_SPEED),
    )


def changed(old: Settings, new: Settings) -> set[str]:
    return {f.name for f in fields(Settings) if getattr(old, f.name) != getattr(new, f.name)}


def _choice(name: str, value: Any, allowed: Any) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise MessageError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MessageError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
    return value


def _number(name: str, value: Any, low: float, high: float, open_low: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value > high or value < low or (open_low and value == low):
        bound = f"above {low}" if open_low else f"from {low}"
        raise MessageError(f"{name} must be a number {bound} to {high}; got {value!r}")
    return float(value)


def _integers(name: str, value: Any, most: int, low: int, high: int) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > most:
        raise MessageError(f"{name} must be a list of at most {most} numbers; got {value!r}")
    return tuple(_integer(f"{name}[{i}]", v, low, high) for i, v in enumerate(value))


def _names(name: str, value: Any, allowed: tuple[str, ...], most: int) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > most:
        raise MessageError(f"{name} must be a list of at most {most} names; got {value!r}")
    return tuple(_choice(f"{name}[{i}]", v, allowed) for i, v in enumerate(value))
