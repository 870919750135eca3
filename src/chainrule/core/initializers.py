"""Random initialisation of the weights; biases start at zero.

Both schemes draw ``W[l]`` of shape ``(n[l], n[l-1])`` so that the variance of ``Z[l]``
neither grows nor vanishes with depth:

* He (Kaiming) for relu-family layers: ``W ~ N(0, 2 / n[l-1])``; relu zeroes half its inputs,
  which the factor 2 restores.
* Glorot (Xavier) for tanh, sigmoid and identity layers:
  ``W ~ U(-r, r)`` with ``r = sqrt(6 / (n[l-1] + n[l]))``, variance ``2 / (n[l-1] + n[l])``.
"""

from __future__ import annotations

import numpy as np

from chainrule.core.validation import lookup


def he_normal(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """``W ~ N(0, 2 / n_in)``, shape ``(n_out, n_in)``, float64."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


def glorot_uniform(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """``W ~ U(-r, r)``, ``r = sqrt(6 / (n_in + n_out))``, shape ``(n_out, n_in)``, float64."""
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_out, n_in))


INITIALIZERS = {"glorot": glorot_uniform, "he": he_normal}


def initial_weights(scheme: str, n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``W[l]`` with the named scheme (``"he"`` or ``"glorot"``)."""
    return lookup("initialisation", scheme, INITIALIZERS)(n_out, n_in, rng)
