"""The settings of ``chainrule train``: one definition that the options and the runner share.

Each field of :class:`TrainSettings` carries its help text and, where the command line spells
it differently (``--hidden 64,32``), how to parse it; :func:`train_options` turns the fields
into the command's options, so a new setting is one field here. Every option defaults to
``None`` on the command line, so the runner knows which ones the user gave: on ``--resume``
those must agree with the saved run (:func:`contradictions`).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from chainrule.errors import ConfigurationError


def parse_sizes(text: str, option: str = "--hidden") -> list[int]:
    """``"64,32"`` as ``[64, 32]``: positive integers, comma-separated (an empty size, as in
    ``16,,8``, is refused: it is a typo, not a layer)."""
    try:
        sizes = [int(part) for part in str(text).split(",")]
    except ValueError:
        raise ConfigurationError(
            f"{option} must be comma-separated integers like 64,32, got {text!r}"
        ) from None
    if any(n < 1 for n in sizes):
        raise ConfigurationError(f"{option} sizes must be positive, got {text!r}")
    return sizes


def setting(
    default: Any,
    help: str,
    *,
    cli_type: type = str,
    parse: Callable[[Any], Any] | None = None,
    flag: str | None = None,
    option: str | None = None,
    on_resume: bool = False,
) -> Any:
    """A dataclass field with what the command line needs to offer it as an option.

    ``cli_type`` is the type typer parses, ``parse`` turns it into the setting's value,
    ``flag`` gives an on/off option's spelling, ``option`` another option's spelling than
    ``--name``, and ``on_resume`` marks a setting that may change when a saved run is resumed.
    """
    metadata = {"help": help, "cli_type": cli_type, "parse": parse, "flag": flag}
    metadata["option"] = option
    metadata["on_resume"] = on_resume
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class TrainSettings:
    """What ``chainrule train`` trains: the data, the network and the optimisation."""

    data: str = setting("breast-cancer", "Bundled data set name, or a .csv/.npz/IDX path.")
    target: str | None = setting(None, "Label column of a CSV (default: the last).")
    hidden: list[int] = setting(
        [16], "Hidden layer sizes, comma-separated, e.g. 64,32.", parse=parse_sizes
    )
    activation: str = setting(
        "relu", "Hidden activation: relu, leaky_relu, tanh, sigmoid, identity."
    )
    output: str = setting(
        "auto",
        "Output activation: auto, sigmoid, softmax or identity.",
        option="--output-activation",
    )
    optimizer: str = setting("gd", "gd, sgd, rmsprop, adam or adamw.")
    lr: float = setting(0.1, "Learning rate alpha.", cli_type=float)
    epochs: int = setting(
        1000,
        "Passes over the data; on --resume the total to reach (default: the saved plan).",
        cli_type=int,
        on_resume=True,
    )
    batch_size: int = setting(0, "Mini-batch size; 0 for full batch.", cli_type=int)
    alpha: float = setting(0.0, "L2 penalty strength.", cli_type=float)
    dropout: float = setting(0.0, "Dropout probability on hidden layers.", cli_type=float)
    early_stopping: bool = setting(
        False,
        "Hold out 10% of the training rows; stop when their score stalls.",
        cli_type=bool,
        flag="--early-stopping/--no-early-stopping",
    )
    patience: int = setting(10, "Epochs without improvement before early stopping.", cli_type=int)
    test_size: float = setting(0.25, "Fraction of rows held out for testing.", cli_type=float)
    seed: int = setting(0, "Seed for the split, initialisation and shuffle.", cli_type=int)
    dtype: str = setting("float32", "float32 or float64.")
    standardize: bool = setting(
        True,
        "Standardise features (stored in the model).",
        cli_type=bool,
        flag="--standardize/--no-standardize",
    )
    record_every: int = setting(
        0,
        "Every N epochs, record per layer ||dW||, the update ratio and the dead units "
        "(into the model's history; see plot --dynamics). 0: off.",
        cli_type=int,
        on_resume=True,
    )


FIELDS = {f.name: f for f in dataclasses.fields(TrainSettings)}


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def train_options() -> list[inspect.Parameter]:
    """The settings as typer options (keyword parameters), each defaulting to ``None``."""
    parameters = []
    for name, f in FIELDS.items():
        default = _default(f)
        shown = ",".join(map(str, default)) if isinstance(default, list) else default
        declaration = f.metadata["flag"] or _option(name)
        help_text = f.metadata["help"]
        if default is not None and not f.metadata["on_resume"]:
            help_text += f" (default: {shown})"
        option = typer.Option(declaration, help=help_text, show_default=False)
        cli_type = f.metadata["cli_type"]
        annotation = Annotated[cli_type | None, option]
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
            )
        )
    return parameters


def given_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The settings the user gave on the command line, parsed to their values."""
    given = {}
    for name, f in FIELDS.items():
        value = options.get(name)
        if value is not None:
            parse = f.metadata["parse"]
            given[name] = parse(value) if parse else value
    return given


def contradictions(given: dict[str, Any], saved: TrainSettings) -> list[str]:
    """The given options that differ from a saved run and cannot change on resuming, as
    ``--name VALUE (saved: VALUE)``."""
    clashes = []
    for name, value in given.items():
        if FIELDS[name].metadata["on_resume"] or value == getattr(saved, name):
            continue
        option = _option(name)
        clashes.append(f"{option} {_show(value)} (the saved run has {_show(getattr(saved, name))})")
    return clashes


def _option(name: str) -> str:
    """The option that gives the setting ``name``: ``--test-size`` for ``test_size``."""
    return FIELDS[name].metadata["option"] or "--" + name.replace("_", "-")


def _show(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)
