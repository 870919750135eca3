"""The one seeded hold-out split: which examples validate, which train.

Every part of chainrule that holds examples out (``validation_fraction`` in :func:`chainrule.fit`,
``early_stopping`` in the estimators and in ``chainrule train``, and data-parallel training,
which must hold out what one process would) asks :func:`hold_out_indices`. The permutation
comes from a generator of its own, seeded from the network's seed, so a resumed run holds out
the same examples as the run it continues.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.core.arrays import columns_of
from chainrule.core.validation import check_fraction
from chainrule.errors import ConfigurationError, plural

Validation = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def hold_out_indices(
    m: int, fraction: float, seed: int | None, labels: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(held_out, kept)``: indices among ``m`` examples, in a seeded random order.

    ``round(fraction * m)`` examples are held out; with ``labels`` (one per example) each
    class gives ``round(fraction * its count)`` of them (a stratified split), so rare classes
    keep their share on both sides.
    """
    fraction = check_fraction("validation_fraction", fraction)
    order = np.random.default_rng(None if seed is None else [seed, 1]).permutation(m)
    if labels is None:
        held_out = order[: int(round(fraction * m))]
    else:
        _, codes = np.unique(np.asarray(labels)[order], return_inverse=True, axis=0)
        codes = codes.reshape(-1)
        held_out = np.concatenate(
            [
                order[codes == c][: int(round(fraction * (codes == c).sum()))]
                for c in range(codes.max() + 1)
            ]
        )
    if not 0 < len(held_out) < m:
        raise ConfigurationError(
            f"validation_fraction={fraction} of {plural(m, 'example')} leaves no training or no "
            "validation examples"
        )
    is_held = np.zeros(m, dtype=bool)
    is_held[held_out] = True
    return held_out, order[~is_held[order]]


def hold_out(
    X: np.ndarray,
    Y: np.ndarray,
    w: np.ndarray | None,
    fraction: float,
    seed: int | None,
    labels: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Validation]:
    """Split examples-as-columns data: ``(X, Y, w)`` to train on and ``(X, Y, w)`` to validate.

    ``X`` is ``(n[0], m)``, ``Y`` ``(n[L], m)``, ``w`` ``(1, m)`` or ``None``.
    """
    val, kept = hold_out_indices(X.shape[1], fraction, seed, labels)

    def part(a: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
        return None if a is None else columns_of(a, index)

    return part(X, kept), part(Y, kept), part(w, kept), (part(X, val), part(Y, val), part(w, val))
