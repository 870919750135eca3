"""The schema of a model file's JSON header: one description, checked before anything is built.

A header is plain JSON that anyone can edit, so every value is checked for its type and range
before a network, a trainer or a model is built from it: a list where an object belongs, a
string for a number, a negative seed or an unknown setting is a
:class:`~chainrule.errors.ModelFileError` naming the field (``network.seed``,
``training.settings.batch_size``), never a ``TypeError`` from deep inside, nor a value taken
silently. The format's own fields are described here; the layers above describe the parts
they write (the trainer's ``training``, a model's ``metadata.model``, an estimator's
``metadata``) with :func:`register_section`, and :func:`check_header` checks them all.

A spec is one of: a Python type (``int``, ``float``, ``str``, ``bool``; ``float`` takes any
finite number), :data:`NUMBER` (any number, NaN and infinity included), ``None``, a literal
string or integer, a :class:`Range`, a :class:`ListOf`, a :class:`Record`, :data:`JSON`
(anything), or a tuple of specs (any one of them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chainrule.errors import ModelFileError

#: Any JSON value.
JSON = object()
_NO_MATCH = object()
#: Any number, NaN and infinity included.
NUMBER = object()


@dataclass(frozen=True)
class Range:
    """A number of ``kind`` (``int`` or ``float``) within ``[low, high]``; ``open_low``
    excludes ``low`` itself."""

    kind: type
    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False


@dataclass(frozen=True)
class ListOf:
    """A list whose items all match ``item``, at least ``min_length`` of them."""

    item: Any
    min_length: int = 0


@dataclass(frozen=True)
class Record:
    """A JSON object: ``fields`` must be present, ``optional`` may be; other keys are
    refused unless ``extra`` is a spec they must match (``JSON`` for any)."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    optional: Mapping[str, Any] = field(default_factory=dict)
    extra: Any = None


def _describe(spec: Any) -> str:
    if isinstance(spec, tuple):
        return " or ".join(_describe(s) for s in spec)
    if spec is None:
        return "null"
    if spec is NUMBER:
        return "a number"
    if isinstance(spec, (str, int)):
        return repr(spec)
    if isinstance(spec, type):
        return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[spec]
    if isinstance(spec, Range):
        word = "an integer" if spec.kind is int else "a number"
        low = "" if spec.low == -math.inf else f" {'>' if spec.open_low else '>='} {spec.low:g}"
        high = "" if spec.high == math.inf else f" <= {spec.high:g}"
        return word + low + (" and" if low and high else "") + high
    if isinstance(spec, ListOf):
        return f"a list of {_describe(spec.item)}"
    return "an object"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _matches(value: Any, spec: Any) -> bool:
    """Whether ``value`` matches ``spec`` at its top level (lists and records: their kind)."""
    if spec is JSON:
        return True
    if isinstance(spec, tuple):
        return any(_matches(value, s) for s in spec)
    if spec is None:
        return value is None
    if isinstance(spec, str):
        return value == spec
    if isinstance(spec, int) and not isinstance(spec, bool):  # a literal integer
        return _matches(value, int) and value == spec
    if spec is NUMBER:
        return _is_number(value)
    if spec is bool:
        return isinstance(value, bool)
    if spec is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if spec is float:
        return _is_number(value) and math.isfinite(value)
    if spec is str:
        return isinstance(value, str)
    if isinstance(spec, Range):
        if not _matches(value, spec.kind):
            return False
        above = value > spec.low if spec.open_low else value >= spec.low
        return above and value <= spec.high
    if isinstance(spec, ListOf):
        return isinstance(value, list) and len(value) >= spec.min_length
    if isinstance(spec, Record):
        return isinstance(value, dict)
    raise TypeError(f"not a schema: {spec!r}")


def check(value: Any, spec: Any, where: str) -> None:
    """Raise :class:`ModelFileError` (``"header field WHERE: ..."``) unless ``value`` matches."""
    options = spec if isinstance(spec, tuple) else (spec,)
    chosen = next((s for s in options if _matches(value, s)), _NO_MATCH)
    if chosen is _NO_MATCH:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ModelFileError(f"header field {where}: expected {_describe(spec)}, got {shown}")
    if isinstance(chosen, ListOf):
        for i, item in enumerate(value):
            check(item, chosen.item, f"{where}[{i}]")
    elif isinstance(chosen, Record):
        missing = [name for name in chosen.fields if name not in value]
        if missing:
            raise ModelFileError(f"header field {where}: missing {', '.join(missing)}")
        for name, item in value.items():
            inner = f"{where}.{name}" if where else name
            if not isinstance(name, str):
                raise ModelFileError(f"header field {where}: a key that is not a string")
            if name in chosen.fields:
                check(item, chosen.fields[name], inner)
            elif name in chosen.optional:
                check(item, chosen.optional[name], inner)
            elif chosen.extra is not None:
                check(item, chosen.extra, inner)
            else:
                raise ModelFileError(f"header field {inner}: unknown field")


#: Checks of sections that higher layers write: ``(path, applies, spec)``: the section at
#: ``path`` (keys from the header's root) is checked against ``spec`` when ``applies(header)``.
SECTIONS: list[tuple[tuple[str, ...], Callable[[dict[str, Any]], bool], Any]] = []


def register_section(
    path: tuple[str, ...], spec: Any, applies: Callable[[dict[str, Any]], bool] = lambda h: True
) -> None:
    """Check the header's section at ``path`` against ``spec`` whenever ``applies`` says so
    (when the section is present; whether it must be present is the enclosing spec's say)."""
    SECTIONS.append((tuple(path), applies, spec))


SEED = (None, Range(int, 0, 2**63 - 1))

NETWORK = Record(
    fields={"layer_sizes": ListOf(Range(int, 1), min_length=2)},
    optional={
        "hidden_activation": (str, ListOf(str)),
        "output_activation": str,
        "dtype": ("float32", "float64"),
        "leaky_slope": float,
        "l2": Range(float, 0),
        "dropout": Range(float, 0, 1),
        "init": (None, str),
        "seed": SEED,
    },
    extra=JSON,  # a setting of a newer network is the network's to accept or refuse
)

HEADER = Record(
    fields={
        "format": "chainrule",
        "version": Range(int, 1),
        "network": NETWORK,
        "arrays": Record(
            extra=Record(fields={"shape": ListOf(Range(int, 0)), "dtype": str}),
        ),
    },
    optional={
        "kind": str,
        "training": (None, Record(extra=JSON)),
        "metadata": (None, Record(extra=JSON)),
    },
)


def check_header(header: Any) -> None:
    """Check a whole header: the format's fields, then every registered section present."""
    check(header, HEADER, "")
    for path, applies, spec in SECTIONS:
        section: Any = header
        for key in path:
            section = section.get(key) if isinstance(section, dict) else None
        if section is not None and applies(header):
            check(section, spec, ".".join(path))
