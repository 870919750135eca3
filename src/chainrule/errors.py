"""The exceptions chainrule raises.

Every error a user can provoke is a :class:`ChainruleError`, so one ``except`` clause catches
them all and the command line turns them into one line on stderr. Each subclass also derives
from the built-in exception a Python user would expect (``ValueError`` for bad values,
``FileNotFoundError``-style ``OSError`` for files), so generic code keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable


class ChainruleError(Exception):
    """Root of every error chainrule raises on purpose."""


class ConfigurationError(ChainruleError, ValueError):
    """A network or training setting is not valid (unknown name, impossible value)."""


class DataError(ChainruleError, ValueError):
    """Input data is unusable: wrong shape, non-finite values, unsuitable labels."""


class TrainingDivergedError(ChainruleError, FloatingPointError):
    """Training produced a non-finite cost; the network keeps its last finite parameters."""


class ModelFileError(ChainruleError, OSError):
    """A model file cannot be written or is not a valid chainrule model."""


class DivergedFitError(TrainingDivergedError, ValueError):
    """An estimator's fit produced non-finite weights (a ``ValueError``, as scikit-learn's)."""


def plural(n: int, word: str, many: str | None = None) -> str:
    """A count and its noun as a message says them: ``plural(1, "unit")`` is ``"1 unit"``,
    ``plural(2, "unit")`` ``"2 units"``, and a NumPy integer prints as a plain number."""
    n = int(n)
    return f"{n} {word if n == 1 else (many or word + 's')}"


SHOWN_NAMES = 5  # the names a message lists before it counts the rest


def listed(names: Iterable[object], quote: bool = False, most: int = SHOWN_NAMES) -> str:
    """Names as a message lists them: the first ``most``, then a count of the rest, so that
    64 column names stay one readable line. ``listed("abcdefgh")`` is
    ``"a, b, c, d, e and 3 more"``; ``quote`` quotes each (:func:`shown`)."""
    texts = [shown(name) if quote else str(name) for name in names]
    if len(texts) <= most + 1:  # "and 1 more" would be no shorter than the name
        return ", ".join(texts)
    return f"{', '.join(texts[:most])} and {len(texts) - most} more"


def shown(value: object) -> str:
    """``value`` as a message quotes it: its repr, with a NumPy scalar as the plain number it
    holds (``1``, not ``np.int64(1)``), in a list or tuple too."""
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        value = value.item()  # type: ignore[attr-defined]
    if type(value) is list:  # [np.int64(2), 3] as [2, 3]
        return "[" + ", ".join(map(shown, value)) + "]"
    if type(value) is tuple:
        return "(" + ", ".join(map(shown, value)) + ("," if len(value) == 1 else "") + ")"
    return repr(value)
