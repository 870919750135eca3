"""The playground's data: TensorFlow Playground's two-dimensional data sets and input features.

Every data set draws ``n`` points ``(x1, x2)`` in the square ``[-6, 6]^2`` from a seeded
generator. ``noise`` (0 to 0.5, the page's 0 to 50 %) means what it means in TensorFlow
Playground: for circle, xor and the two regression planes the *label* is taken at a point
displaced by a uniform offset of up to ``noise`` times the data set's radius (so points near
the boundary get the wrong label); for spiral the points themselves move by up to ``noise``;
for gauss it widens the clusters (variance 0.5 to 4); for two-moons (not in TensorFlow
Playground) the points move by a Gaussian offset of standard deviation ``2 noise``.

Classification labels are 0 and 1 (a sigmoid output with binary cross-entropy); regression
targets lie in about ``[-1, 1]`` (an identity output with squared error).

The features are TensorFlow Playground's seven, computed from ``(x1, x2)``: ``x1``, ``x2``,
``x1²``, ``x2²``, ``x1·x2``, ``sin x1``, ``sin x2``. They are ``A[0]``, one row per feature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

RADIUS = 6.0  # the plane shown is [-RADIUS, RADIUS]^2

FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside radius 2.5, class 0 in the ring from 3.5 to 5."""
    radius = 5.0
    half = n // 2
    r = np.concatenate(
        [_uniform(rng, 0, radius * 0.5, half), _uniform(rng, radius * 0.7, radius, n - half)]
    )
    angle = _uniform(rng, 0, 2 * np.pi, n)
    x1, x2 = r * np.sin(angle), r * np.cos(angle)
    shift1 = _uniform(rng, -radius, radius, n) * noise
    shift2 = _uniform(rng, -radius, radius, n) * noise
    y = np.hypot(x1 + shift1, x2 + shift2) < radius * 0.5
    return np.stack([x1, x2]), y.astype(float)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 where ``x1 x2 >= 0``; the points keep 0.3 away from the axes."""
    x1, x2 = _uniform(rng, -5, 5, n), _uniform(rng, -5, 5, n)
    x1 += np.where(x1 > 0, 0.3, -0.3)
    x2 += np.where(x2 > 0, 0.3, -0.3)
    shift1, shift2 = _uniform(rng, -5, 5, n) * noise, _uniform(rng, -5, 5, n) * noise
    y = (x1 + shift1) * (x2 + shift2) >= 0
    return np.stack([x1, x2]), y.astype(float)


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clusters, class 1 around (2, 2) and class 0 around (-2, -2)."""
    variance = 0.5 + 3.5 * noise / 0.5
    half = n // 2
    centre = np.where(np.arange(n) < half, 2.0, -2.0)
    points = centre + rng.normal(0.0, np.sqrt(variance), (2, n))
    return points, (np.arange(n) < half).astype(float)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (1.75 turns), class 1 and class 0."""
    half = n // 2
    parts, labels = [], []
    for delta, label, count in ((0.0, 1.0, half), (np.pi, 0.0, n - half)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + delta
        x1 = r * np.sin(t) + _uniform(rng, -1, 1, count) * noise
        x2 = r * np.cos(t) + _uniform(rng, -1, 1, count) * noise
        parts.append(np.stack([x1, x2]))
        labels.append(np.full(count, label))
    return np.concatenate(parts, axis=1), np.concatenate(labels)


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), scaled to the plane."""
    half = n // 2
    t_top, t_bottom = rng.uniform(0, np.pi, half), rng.uniform(0, np.pi, n - half)
    top = np.stack([np.cos(t_top), np.sin(t_top)])
    bottom = np.stack([1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)])
    points = (np.concatenate([top, bottom], axis=1) - [[0.5], [0.25]]) * 3.5
    points += rng.normal(0.0, 2 * noise, points.shape) if noise else 0.0
    return points, (np.arange(n) >= half).astype(float)


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression on a tilted plane: ``y = (x1 + x2) / 10`` at the displaced point."""
    x1, x2 = _uniform(rng, -RADIUS, RADIUS, n), _uniform(rng, -RADIUS, RADIUS, n)
    shift1 = _uniform(rng, -RADIUS, RADIUS, n) * noise
    shift2 = _uniform(rng, -RADIUS, RADIUS, n) * noise
    return np.stack([x1, x2]), (x1 + shift1 + x2 + shift2) / 10


GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multigauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression on six bumps of height +1 or -1; the one largest in size wins."""
    x1, x2 = _uniform(rng, -RADIUS, RADIUS, n), _uniform(rng, -RADIUS, RADIUS, n)
    at1 = x1 + _uniform(rng, -RADIUS, RADIUS, n) * noise
    at2 = x2 + _uniform(rng, -RADIUS, RADIUS, n) * noise
    bumps = np.stack(
        [sign * np.clip(1 - np.hypot(at1 - cx, at2 - cy) / 2, 0, 1) for cx, cy, sign in GAUSSIANS]
    )
    y = bumps[np.abs(bumps).argmax(axis=0), np.arange(n)]
    return np.stack([x1, x2]), y


CLASSIFICATION = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral, "moons": moons}
REGRESSION = {"plane": plane, "multigauss": multigauss}


def generate(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(P, y)``: the points ``P`` ``(2, n)`` and their labels or targets ``y`` ``(n,)``,
    shuffled, from the generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    P, y = {**CLASSIFICATION, **REGRESSION}[name](n, noise, rng)
    order = rng.permutation(n)
    return P[:, order], y[order]


def features(P: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``A[0]`` ``(len(names), m)``: the named features of the points ``P`` ``(2, m)``."""
    return np.stack([FEATURES[name](P[0], P[1]) for name in names])


def grid(density: int) -> np.ndarray:
    """The points ``(2, density²)`` of a ``density x density`` grid over the plane, row by
    row from the top (``x2 = RADIUS``) left, as an image is drawn."""
    ticks = np.linspace(-RADIUS, RADIUS, density)
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.stack([x1.ravel(), x2.ravel()])
