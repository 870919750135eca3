"""Checks at the boundary: turn user input into the arrays the core trusts, or say why not.

The core works on examples-as-columns arrays of the network's dtype. These helpers convert
without copying where the input already fits (a float32 ``(n, m)`` array, or the transposed
view of a C-ordered ``(m, n)`` row array), and raise :class:`~chainrule.errors.DataError` or
:class:`~chainrule.errors.ConfigurationError` naming the problem otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from chainrule.core.arrays import is_foreign_array, namespace_of
from chainrule.errors import ConfigurationError, DataError, plural, shown

T = TypeVar("T")

DTYPES = ("float32", "float64")


def lookup(kind: str, name: Any, table: Mapping[str, T]) -> T:
    """``table[name]``, or a :class:`ConfigurationError` that lists the names to choose from.

    ``kind`` says what is being looked up (``"activation"``, ``"optimizer"``...), for the
    message ``unknown activation 'relx'; choose one of: identity, leaky_relu, ...``.
    """
    if not isinstance(name, str) or name not in table:
        valid = ", ".join(table)
        raise ConfigurationError(f"unknown {kind} {name!r}; choose one of: {valid}")
    return table[name]


def check_positive_int(name: str, value: Any, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an ``int`` if it is an integer > 0 (or >= 0); ``bool`` is refused."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        kind = "non-negative" if allow_zero else "positive"
        raise ConfigurationError(f"{name} must be a {kind} integer, got {shown(value)}")
    return int(value)


def check_instance(name: str, value: Any, expected: type, accepts: str) -> Any:
    """Return ``value`` if it is an instance of ``expected``, else say what ``name`` accepts.

    A class passed where an instance belongs (``schedule=StepDecay``) is named as such.
    """
    if isinstance(value, expected):
        return value
    if isinstance(value, type):
        raise ConfigurationError(
            f"{name} must be {accepts}; got the class {value.__name__}, not an instance of it "
            f"(write {value.__name__}(...))"
        )
    raise ConfigurationError(f"{name} must be {accepts}; got {shown(value)}")


def available_memory() -> int | None:
    """Bytes of memory this process could still take (Linux ``MemAvailable``, else the
    physical memory), or ``None`` where the system does not say."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``12.4 GiB``: a byte count in binary units."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EiB"


def check_memory(nbytes: int, what: str, error: type[Exception] = ConfigurationError) -> None:
    """Refuse, before allocating, ``what`` that would take more memory than is available:
    one ``error`` (a :class:`ConfigurationError` unless given) saying how much it needs."""
    available = available_memory()
    if available is not None and nbytes > available:
        raise error(
            f"{what} would need {format_bytes(nbytes)} of memory; this machine has "
            f"{format_bytes(available)} available"
        )


def check_seed(name: str, seed: Any, *, limit: int | None = None) -> int | None:
    """``seed`` if it is ``None`` or an integer ``0 <= seed`` (``< limit`` if given)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        bound = f"from 0 to {limit - 1}" if limit else ">= 0 (or None)"
        raise ConfigurationError(f"{name} must be an integer {bound}, got {shown(seed)}")
    if limit is not None and seed >= limit:
        raise ConfigurationError(f"{name} must be an integer from 0 to {limit - 1}, got {seed}")
    return int(seed)


def check_dtype(dtype: Any) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise ConfigurationError(
            f"dtype {dtype!r} is not a NumPy dtype; use one of {DTYPES}"
        ) from exc
    if resolved.name not in DTYPES:
        raise ConfigurationError(f"dtype must be one of {DTYPES}, not {resolved.name!r}")
    return resolved


def check_layer_sizes(layer_sizes: Sequence[Any]) -> tuple[int, ...]:
    """Validate ``[n[0], n[1], ..., n[L]]``: at least two positive integers."""
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise ConfigurationError(
            "layer sizes must be a list of positive integers like [30, 16, 1], got "
            f"{shown(layer_sizes)}"
        )
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ConfigurationError(
            f"a network needs at least an input and an output size, got {shown(sizes)}"
        )
    return tuple(check_positive_int(f"layer size n[{l}]", n) for l, n in enumerate(sizes))


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (or >= 0)."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{name} must be a number, got {shown(value)}") from exc
    if not np.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigurationError(f"{name} must be a finite number {bound}, got {shown(value)}")
    return number


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number (``bool`` is refused)."""
    if isinstance(value, (bool, str, bytes)):
        raise ConfigurationError(f"{name} must be a finite number, got {shown(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{name} must be a finite number, got {shown(value)}") from exc
    if not np.isfinite(number):
        raise ConfigurationError(f"{name} must be a finite number, got {shown(value)}")
    return number


def check_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a float if it lies in ``[0, 1)``."""
    number = check_positive(name, value, allow_zero=True)
    if number >= 1:
        raise ConfigurationError(f"{name} must be in [0, 1), got {shown(value)}")
    return number


def as_numeric_array(values: Any, name: str, dtype: np.dtype) -> Any:
    """``np.asarray(values, dtype)``, refusing strings, objects and non-finite numbers.

    Another array API library's array stays in its namespace and on its device, cast to
    ``dtype`` there."""
    if is_foreign_array(values):
        return _foreign_numeric_array(values, name, dtype)
    try:
        raw = np.asarray(values)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name} is not a rectangular array of numbers ({exc})") from None
    if raw.dtype.kind not in "biuf":
        raise DataError(f"{name} must hold numbers, got an array of dtype {raw.dtype}")
    array = raw.astype(dtype, copy=False)
    # The sum is finite when every entry is (one pass, no array of flags); only when it is
    # not is each entry checked, to name the first bad one (or find the sum overflowed).
    if array.size and not np.isfinite(array.sum()) and not np.isfinite(array).all():
        position = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise DataError(
            f"{name} contains a non-finite value ({array[position]}) at index {position}"
        )
    return array


def _foreign_numeric_array(values: Any, name: str, dtype: np.dtype) -> Any:
    xp = namespace_of(values)
    if not xp.library.isdtype(values.dtype, ("bool", "integral", "real floating")):
        raise DataError(f"{name} must hold real numbers, got an array of dtype {values.dtype}")
    array = values if values.dtype == xp.dtype(dtype) else xp.astype(values, dtype)
    if not bool(xp.all(xp.library.isfinite(array))):
        raise DataError(f"{name} contains a non-finite value")
    return array


def as_examples(X: Any, n_features: int, dtype: np.dtype, name: str = "X") -> np.ndarray:
    """Validate examples-as-columns input ``X`` of shape ``(n[0], m)``."""
    X = as_numeric_array(X, name, dtype)
    if X.ndim != 2:
        raise DataError(
            f"{name} must be 2-D with shape (n[0], m) = ({n_features}, m), got shape "
            f"{tuple(X.shape)}"
        )
    if X.shape[0] != n_features:
        raise DataError(
            f"{name} has {plural(X.shape[0], 'row')} but the network expects n[0] = "
            f"{plural(n_features, 'feature')} (examples are columns: shape (n[0], m))"
        )
    if X.shape[1] == 0:
        raise DataError(f"{name} holds no examples (m = 0)")
    return X


def as_targets(Y: Any, n_outputs: int, m: int, dtype: np.dtype, name: str = "Y") -> np.ndarray:
    """Validate targets of shape ``(n[L], m)``; a 1-D ``(m,)`` is accepted when ``n[L] = 1``."""
    Y = as_numeric_array(Y, name, dtype)
    if Y.ndim == 1 and n_outputs == 1:
        Y = namespace_of(Y).reshape(Y, (1, -1))
    if tuple(Y.shape) != (n_outputs, m):
        raise DataError(
            f"{name} must have shape (n[L], m) = ({n_outputs}, {m}), got {tuple(Y.shape)}"
        )
    return Y


def as_weights(sample_weight: Any, m: int, dtype: np.dtype) -> np.ndarray | None:
    """Validate per-example weights ``(m,)``: finite, >= 0, not all 0. Returns ``(1, m)``."""
    if sample_weight is None:
        return None
    w = as_numeric_array(sample_weight, "sample_weight", dtype)
    if tuple(w.shape) != (m,):
        raise DataError(
            f"sample_weight must have shape ({m},), one weight per example, got {tuple(w.shape)}"
        )
    xp = namespace_of(w)
    if bool(xp.any(w < 0)) or not bool(xp.any(w)):
        raise DataError("sample_weight must be >= 0 with at least one positive weight")
    return xp.reshape(w, (1, m))
