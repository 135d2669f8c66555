r"""Two-dimensional toy classification data sets, in the spirit of TensorFlow Playground.

Each function returns ``X`` of shape ``(n, 2)`` in roughly :math:`[-1.5, 1.5]^2` and labels
``y`` of shape ``(n,)`` in :math:`\{0, 1\}`, drawn with a seeded
``np.random.default_rng(seed)``, half the points of each class:

- :func:`xor`: uniform points, label 1 when :math:`x_1 x_2 > 0` (opposite quadrants);
  no single line separates the classes.
- :func:`circles`: an inner disc (label 1, radius below 0.5) and an outer ring
  (label 0, radius 0.9 to 1.3).
- :func:`moons`: two interleaved half circles of radius 1.
"""

from __future__ import annotations

import numpy as np

from ._checks import integer

__all__ = ["NAMES", "circles", "get", "moons", "xor"]


def _n(n) -> int:
    n = integer(n, "n (even)", minimum=2)
    if n % 2:
        raise ValueError(f"n must be an even integer >= 2, got {n!r}")
    return n


def _noise(noise) -> float:
    noise = float(noise)
    if not 0 <= noise < np.inf:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    return noise


def xor(n=200, noise=0.0, seed=0):
    r"""Points uniform in :math:`[-1, 1]^2` away from the axes, label :math:`[x_1 x_2 > 0]`.

    Coordinates are drawn with :math:`|x_i| \ge 0.1` so the classes are separated by a
    margin, then Gaussian noise of standard deviation ``noise`` is added.

    Returns:
        ``X`` ``(n, 2)`` float64, ``y`` ``(n,)`` int64.
    Raises:
        ValueError: ``n`` not an even integer >= 2, negative or non-finite ``noise``.
    """
    n, noise = _n(n), _noise(noise)
    rng = np.random.default_rng(seed)
    mag = rng.uniform(0.1, 1.0, size=(n, 2))  # [n, 2]
    s1 = rng.choice([-1.0, 1.0], size=n)
    y = np.repeat([0, 1], n // 2)
    s2 = np.where(y == 1, s1, -s1)  # same sign -> class 1
    X = mag * np.stack([s1, s2], axis=1) + noise * rng.normal(size=(n, 2))
    return X, y.astype(np.int64)


def circles(n=200, noise=0.0, seed=0):
    r"""A disc of radius 0.5 (label 1) inside a ring of radii 0.9 to 1.3 (label 0).

    Returns and raises as :func:`xor`.
    """
    n, noise = _n(n), _noise(noise)
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    r = np.where(y == 1, 0.5 * np.sqrt(rng.uniform(0, 1, n)), rng.uniform(0.9, 1.3, n))
    theta = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1) + noise * rng.normal(size=(n, 2))
    return X, y.astype(np.int64)


def moons(n=200, noise=0.0, seed=0):
    r"""Two interleaved half circles of radius 1, shifted to be centred on the origin.

    Class 0: :math:`(\cos t, \sin t)`, class 1: :math:`(1 - \cos t, 0.5 - \sin t)`, with
    :math:`t` uniform in :math:`[0, \pi]`, both shifted by :math:`(-0.5, -0.25)`.
    Returns and raises as :func:`xor`.
    """
    n, noise = _n(n), _noise(noise)
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    t = rng.uniform(0, np.pi, n)
    x1 = np.where(y == 0, np.cos(t), 1 - np.cos(t)) - 0.5
    x2 = np.where(y == 0, np.sin(t), 0.5 - np.sin(t)) - 0.25
    X = np.stack([x1, x2], axis=1) + noise * rng.normal(size=(n, 2))
    return X, y.astype(np.int64)


_REGISTRY = {"xor": xor, "circles": circles, "moons": moons}

#: The data sets :func:`get` knows.
NAMES = tuple(_REGISTRY)


def get(name: str):
    """The data-set function called ``name`` (one of :data:`NAMES`); ValueError otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(NAMES)}") from None
