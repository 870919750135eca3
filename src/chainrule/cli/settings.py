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
from rich.markup import escape

from chainrule.errors import ConfigurationError, listed, plural


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


def hidden_activations(
    text: str, hidden: list[int], sizes_option: str = "--hidden"
) -> str | list[str]:
    """``--activation``: ``relu`` for every hidden layer, or ``relu,tanh`` for one per hidden
    layer (a ConfigurationError when their count is not the count of hidden layers that
    ``sizes_option`` gives)."""
    names = [name.strip() for name in str(text).split(",")]
    if len(names) == 1:
        return names[0]
    if len(names) != len(hidden):
        raise ConfigurationError(
            f"--activation lists {plural(len(names), 'activation')} but {sizes_option} has "
            f"{plural(len(hidden), 'hidden layer')}: give one for all of them, or one per "
            "hidden layer"
        )
    return names


def setting(
    default: Any,
    help: str,
    *,
    cli_type: type = str,
    parse: Callable[[Any], Any] | None = None,
    flag: str | None = None,
    option: str | None = None,
    aliases: tuple[str, ...] = (),
    on_resume: bool = False,
) -> Any:
    """A dataclass field with what the command line needs to offer it as an option.

    ``cli_type`` is the type typer parses, ``parse`` turns it into the setting's value,
    ``flag`` gives an on/off option's spelling, ``option`` another option's spelling than
    ``--name``, ``aliases`` other spellings of the option (``--lr`` for ``--learning-rate``),
    and ``on_resume`` marks a setting that may change when a saved run is resumed.
    """
    metadata = {"help": help, "cli_type": cli_type, "parse": parse, "flag": flag}
    metadata["option"], metadata["aliases"] = option, aliases
    metadata["on_resume"] = on_resume
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class TrainSettings:
    """What ``chainrule train`` trains: the data, the network and the optimisation."""

    data: str = setting(
        "breast-cancer",
        "Bundled data set name ('chainrule datasets' lists them), or a .csv/.npz/IDX path. "
        "The default trains in under a second: 2 classes, 30 features.",
    )
    target: str | None = setting(None, "Label column of a CSV [default: the last].")
    hidden: list[int] = setting(
        [16],
        "Hidden layer sizes, comma-separated, e.g. 64,32. One layer of 16 learns every "
        "bundled data set but mnist1d (which wants more units and adam).",
        parse=parse_sizes,
    )
    activation: str = setting(
        "relu",
        "Hidden activation: relu, leaky_relu, tanh, sigmoid, identity; one for every hidden "
        "layer, or one per hidden layer, comma-separated (relu,tanh).",
    )
    output: str = setting(
        "auto",
        "Output activation: sigmoid, softmax or identity; auto chooses from the target "
        "(sigmoid for 2 classes, softmax for more, identity for real values).",
        option="--output-activation",
    )
    optimizer: str = setting(
        "gd",
        "gd, sgd, rmsprop, adam or adamw. gd is the derivation's update rule on all the "
        "rows at once: the same every run; adam with --batch-size learns large data faster.",
    )
    learning_rate: float = setting(
        0.1,
        "Learning rate alpha of the update rule; 0.1 is stable for gd on standardised "
        "features (try 0.001 to 0.01 with adam).",
        cli_type=float,
        aliases=("--lr",),
    )
    epochs: int = setting(
        1000,
        "Passes over the data: 1000 full-batch steps bring the bundled sets to their "
        "plateau. On --resume, the total to reach (if not given: the saved plan).",
        cli_type=int,
        on_resume=True,
    )
    batch_size: int = setting(
        0, "Mini-batch size; 0 for full batch (the exact gradient of J).", cli_type=int
    )
    l2: float = setting(
        0.0,
        "L2 penalty strength lambda, 0 for none (the old --alpha, deprecated).",
        cli_type=float,
    )
    dropout: float = setting(
        0.0, "Dropout probability on hidden layers, 0 for none.", cli_type=float
    )
    early_stopping: bool = setting(
        False,
        "Hold out 10% of the training rows; stop once their cost has not fallen (by 1e-4) "
        "for --patience epochs and keep the best epoch's parameters. The cost, not the "
        "accuracy: on a few dozen held-out rows the accuracy stops changing long before the "
        "network stops learning. Off by default, so every training row trains; turn it on "
        "where the test score falls behind the training score (diabetes).",
        cli_type=bool,
        flag="--early-stopping/--no-early-stopping",
    )
    patience: int = setting(
        10,
        "With --early-stopping, the epochs the validation cost may go without falling; 10 "
        "waits out the slow stretches of full-batch gradient descent at the default rate.",
        cli_type=int,
    )
    test_size: float = setting(
        0.25,
        "Fraction of rows held out for testing (scikit-learn's train_test_split default).",
        cli_type=float,
    )
    seed: int = setting(
        0,
        "Seed for the split, initialisation and shuffle: the same seed, the same run.",
        cli_type=int,
    )
    dtype: str = setting(
        "float32", "float32 (half the memory, faster) or float64 (for exact comparisons)."
    )
    standardize: bool = setting(
        True,
        "Standardise features to mean 0, variance 1 (stored in the model), so that one "
        "learning rate suits every feature.",
        cli_type=bool,
        flag="--standardize/--no-standardize",
    )
    record_every: int = setting(
        0,
        "Every N epochs, record per layer ||dW||, the update ratio and the dead units "
        "(into the model's history; see plot --dynamics); 0 for off.",
        cli_type=int,
        on_resume=True,
    )


FIELDS = {f.name: f for f in dataclasses.fields(TrainSettings)}

#: Old spellings of settings, as saved in model files and accepted on the command line one
#: more release: ``{old name: new name}``.
RENAMED = {"lr": "learning_rate", "alpha": "l2"}
#: Options kept working, with a note on stderr, that will be removed: ``{option: setting}``.
DEPRECATED_OPTIONS = {"alpha": "l2"}


def settings_to_file(settings: TrainSettings) -> dict[str, Any]:
    """The file form of ``settings`` (JSON values); :func:`settings_from_file` reads it."""
    return dataclasses.asdict(settings)


def settings_from_file(saved: Any, source: Any = "the model file") -> TrainSettings:
    """The :class:`TrainSettings` a model file stored (any release's spelling), or a
    :class:`ConfigurationError` naming the field that does not belong."""
    if not isinstance(saved, dict):
        raise ConfigurationError(f"{source}: the saved run's settings are not described")
    values = {RENAMED.get(name, name): value for name, value in saved.items()}
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ConfigurationError(f"{source}: unknown saved settings {listed(unknown)}")
    for name, value in values.items():
        if not _of_its_type(value, _default(FIELDS[name])):
            raise ConfigurationError(
                f"{source}: the saved setting {name} is {value!r}, not of its type"
            )
    return TrainSettings(**values)


def _of_its_type(value: Any, default: Any) -> bool:
    """Whether a saved value has the type of the setting's default (JSON: ints for floats)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if default is None:  # an optional column name
        return value is None or isinstance(value, str)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value
        )
    return isinstance(value, type(default))


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def plain(text: str) -> str:
    """Help text as typed: its ``[default: 16]`` shown, not taken for rich markup."""
    return escape(text)


def train_options() -> list[inspect.Parameter]:
    """The settings as typer options (keyword parameters), each defaulting to ``None``."""
    parameters = []
    for name, f in FIELDS.items():
        default = _default(f)
        shown = ",".join(map(str, default)) if isinstance(default, list) else default
        declaration = f.metadata["flag"] or _option(name)
        help_text = f.metadata["help"]
        if default is not None:
            help_text += f" [default: {shown}]"
        option = typer.Option(
            declaration, *f.metadata["aliases"], help=plain(help_text), show_default=False
        )
        cli_type = f.metadata["cli_type"]
        annotation = Annotated[cli_type | None, option]
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
            )
        )
    for old, new in DEPRECATED_OPTIONS.items():
        cli_type = FIELDS[new].metadata["cli_type"]
        hidden = typer.Option("--" + old, hidden=True, show_default=False)
        parameters.append(
            inspect.Parameter(
                old,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[cli_type | None, hidden],
            )
        )
    return parameters


def given_settings(
    options: dict[str, Any], note: Callable[[str], None] = lambda text: None
) -> dict[str, Any]:
    """The settings the user gave on the command line, parsed to their values. A deprecated
    option is taken for its new name, with ``note`` telling the user; giving both spellings
    is a :class:`ConfigurationError`."""
    given = {}
    for name, f in FIELDS.items():
        value = options.get(name)
        if value is not None:
            parse = f.metadata["parse"]
            given[name] = parse(value) if parse else value
    for old, new in DEPRECATED_OPTIONS.items():
        if options.get(old) is None:
            continue
        new_option = _option(new)
        if new in given:
            raise ConfigurationError(f"give {new_option} or --{old}, not both")
        note(f"--{old} is deprecated and will be removed: write {new_option} {options[old]}")
        given[new] = options[old]
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
