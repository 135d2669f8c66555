r"""Gradient descent on analytic loss surfaces, and the regime a learning rate puts it in.

The surfaces are quadratics with their minimum at the origin,

.. math:: f(\mathbf x) = \tfrac12 \sum_i \lambda_i x_i^2, \qquad
          \nabla f(\mathbf x) = (\lambda_1 x_1, \dots, \lambda_d x_d),

with positive curvatures :math:`\lambda_i` (the eigenvalues of the Hessian). One step of
gradient descent with learning rate :math:`\alpha` multiplies each coordinate by a constant,

.. math:: x_i \leftarrow x_i - \alpha \lambda_i x_i = (1 - \alpha\lambda_i)\, x_i,
          \qquad\text{so}\qquad x_{i,k} = (1 - \alpha\lambda_i)^k\, x_{i,0}.

Everything about the run follows from the factors :math:`r_i = 1 - \alpha\lambda_i`:
:math:`|r_i| < 1` shrinks the error, :math:`r_i < 0` flips its sign every step, and
:math:`|r_i| > 1` (that is, :math:`\alpha > 2/\lambda_i`) makes it grow without bound.
:func:`regime` names the four cases, :func:`gradient_descent` runs the iteration itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_array, fraction, positive, positive_int

__all__ = [
    "REGIMES",
    "Quadratic",
    "Trajectory",
    "contraction_factors",
    "gradient_descent",
    "regime",
]

#: The names :func:`regime` returns, from the gentlest to the wildest learning rate.
REGIMES = ("slow", "good", "oscillating", "diverging")


@dataclass(frozen=True)
class Quadratic:
    r"""The surface :math:`f(\mathbf x) = \tfrac12 \sum_i \lambda_i x_i^2` with curvatures :math:`\lambda_i > 0`.

    Args:
        curvatures: the :math:`\lambda_i`, shape ``(d,)``, each positive and finite.
    Raises:
        ValueError: empty, non-finite or non-positive curvatures.
    """

    curvatures: tuple[float, ...]

    def __post_init__(self):
        lam = np.atleast_1d(as_array(self.curvatures, "curvatures", ndim=(0, 1)))
        if np.any(lam <= 0):
            raise ValueError(f"curvatures must all be positive, got {lam.tolist()}")
        object.__setattr__(self, "curvatures", tuple(float(v) for v in lam))

    @property
    def dim(self) -> int:
        """The number of coordinates :math:`d`."""
        return len(self.curvatures)

    def value(self, x):
        r""":math:`f(\mathbf x) = \tfrac12\sum_i \lambda_i x_i^2` for ``x`` of shape ``(..., d)``; returns shape ``(...)``."""
        x = self._points(x)
        return 0.5 * np.sum(np.asarray(self.curvatures) * x * x, axis=-1)

    def grad(self, x):
        r""":math:`\nabla f(\mathbf x) = (\lambda_i x_i)_i` for ``x`` of shape ``(..., d)``; returns the same shape."""
        return np.asarray(self.curvatures) * self._points(x)

    def _points(self, x):
        x = as_array(x, "x")
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"x must have shape (..., {self.dim}) for this surface, got {x.shape}")
        return x


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one gradient-descent run.

    ``points`` has shape ``(k + 1, d)`` (the start and each iterate), ``values`` shape
    ``(k + 1,)`` (the loss at each), and ``diverged`` says the run was stopped early because
    an iterate left the ball of radius ``max_norm`` (so ``k`` may be less than ``steps``).
    """

    points: np.ndarray
    values: np.ndarray
    diverged: bool


def gradient_descent(surface: Quadratic, x0, lr, steps: int = 20, max_norm: float = 1e100):
    r"""Run :math:`\mathbf x_{k+1} = \mathbf x_k - \alpha \nabla f(\mathbf x_k)` from ``x0``.

    Args:
        surface: a :class:`Quadratic` (anything with ``value``, ``grad`` and ``dim``).
        x0: the start, shape ``(d,)`` (a scalar for ``d = 1``).
        lr: the learning rate :math:`\alpha > 0`.
        steps: the number of updates, a positive integer.
        max_norm: stop (and report ``diverged=True``) as soon as an iterate's largest
            coordinate exceeds this in absolute value, before anything can overflow.
    Returns:
        a :class:`Trajectory`.
    Raises:
        ValueError: ``lr`` not positive (a zero learning rate never moves), bad
            ``steps``, ``x0`` of the wrong shape or not finite.
    """
    lr = positive(lr, "lr")
    steps = positive_int(steps, "steps")
    max_norm = positive(max_norm, "max_norm")
    x = np.atleast_1d(as_array(x0, "x0", ndim=(0, 1)))
    if x.shape != (surface.dim,):
        raise ValueError(f"x0 must have shape ({surface.dim},) for this surface, got {x.shape}")
    points = [x]
    diverged = False
    for _ in range(int(steps)):
        # lr * grad can overflow for absurd learning rates: compute, then check.
        with np.errstate(over="ignore", invalid="ignore"):
            x = x - lr * surface.grad(x)
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > max_norm:
            diverged = True
            break
        points.append(x)
    points = np.array(points)  # [k + 1, d]
    with np.errstate(over="ignore"):
        values = surface.value(points)  # [k + 1]
    if not np.all(np.isfinite(values)):  # only for max_norm beyond ~1e150
        keep = np.isfinite(values)
        points, values, diverged = points[keep], values[keep], True
    return Trajectory(points=points, values=values, diverged=diverged)


def contraction_factors(lr, curvatures):
    r"""The per-coordinate factors :math:`r_i = 1 - \alpha \lambda_i` of one step on a quadratic.

    Args:
        lr: :math:`\alpha > 0`.
        curvatures: the :math:`\lambda_i > 0`, a scalar or shape ``(d,)``.
    Returns:
        float64 array of shape ``(d,)``.
    Raises:
        ValueError: non-positive ``lr`` or curvatures.
    """
    lr = positive(lr, "lr")
    return 1.0 - lr * np.asarray(Quadratic(curvatures).curvatures)


def regime(lr, curvatures, slow_rate: float = 0.9) -> str:
    r"""Name the behaviour of gradient descent with learning rate ``lr`` on a quadratic.

    With :math:`r_i = 1 - \alpha\lambda_i` and the rate :math:`\rho = \max_i |r_i|`
    (the error's slowest-shrinking coordinate is multiplied by :math:`\rho` each step):

    - ``"diverging"`` if :math:`\rho > 1`, i.e. :math:`\alpha > 2/\lambda_{\max}`;
    - ``"oscillating"`` if :math:`\rho \le 1` and a coordinate with :math:`|r_i| = \rho`
      has :math:`r_i < 0`: the iterates jump across the minimum every step
      (at :math:`\rho = 1` exactly, :math:`\alpha = 2/\lambda_{\max}`, they bounce forever);
    - ``"slow"`` if every :math:`r_i \ge 0` at the rate and :math:`\rho > {}` ``slow_rate``
      (by default more than 21 steps to shrink the error tenfold);
    - ``"good"`` otherwise.

    Args:
        lr: :math:`\alpha > 0`.
        curvatures: the :math:`\lambda_i > 0`, a scalar or shape ``(d,)``.
        slow_rate: the rate in (0, 1) above which a monotone run counts as slow.
    Returns:
        one of :data:`REGIMES`.
    Raises:
        ValueError: non-positive ``lr`` or curvatures, ``slow_rate`` outside (0, 1).
    """
    slow_rate = fraction(slow_rate, "slow_rate")
    r = contraction_factors(lr, curvatures)
    rho = np.max(np.abs(r))
    if rho > 1:
        return "diverging"
    if np.any(r[np.abs(r) == rho] < 0):
        return "oscillating"
    return "slow" if rho > slow_rate else "good"
