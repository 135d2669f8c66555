r"""Checking gradients with central finite differences.

For a scalar function :math:`f` of an array :math:`\mathbf x`,

.. math::
    \frac{\partial f}{\partial x_i} \approx \frac{f(\mathbf x + \varepsilon \mathbf e_i)
    - f(\mathbf x - \varepsilon \mathbf e_i)}{2\varepsilon},

with an error of order :math:`\varepsilon^2`. An analytic gradient
:math:`\mathbf g` is compared with the numerical one :math:`\mathbf n` by the
relative error

.. math::
    r = \frac{\max_i |g_i - n_i|}{\max(\max_i |g_i| + \max_i |n_i|,\ \tau)}

where :math:`\tau` (default :math:`10^{-12}`) keeps the ratio defined when
both gradients vanish.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_scalar, positive

__all__ = ["check_gradient", "numerical_gradient"]


def numerical_gradient(f, x, eps=1e-6):
    r"""Central-difference gradient of a scalar function ``f`` at ``x``.

    .. math:: n_i = \frac{f(\mathbf x + \varepsilon \mathbf e_i) - f(\mathbf x - \varepsilon \mathbf e_i)}{2\varepsilon}

    Args:
        f: callable taking an array of ``x``'s shape and returning a number.
        x: the point, any shape (float64 copy is made; ``x`` is not changed).
        eps: the step :math:`\varepsilon > 0`.
    Returns:
        float64 array of ``x``'s shape.
    Raises:
        TypeError: ``f`` is not callable, or returns something that is not a single number.
        ValueError: bad ``x`` or ``eps``; ``f`` returns a non-finite value.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = as_array(x, "x").copy()
    eps = positive(eps, "eps")
    grad = np.empty_like(x)
    flat_x = x.reshape(-1)
    flat_g = grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + eps
        f_plus = _scalar(f(x))
        flat_x[i] = old - eps
        f_minus = _scalar(f(x))
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    if np.size(value) != 1:
        raise TypeError(f"f must return a single number, got shape {np.shape(value)}")
    return as_scalar(value, "the value f returned")  # ValueError if not finite


def check_gradient(f, grad_f, x, eps=1e-6, tiny=1e-12) -> float:
    r"""Relative error between the analytic gradient ``grad_f(x)`` and the numerical one.

    .. math:: r = \frac{\lVert \mathbf g - \mathbf n\rVert_\infty}{\max(\lVert\mathbf g\rVert_\infty + \lVert\mathbf n\rVert_\infty, \tau)}

    A correct gradient gives :math:`r` around :math:`10^{-8}` or smaller in float64;
    a missing factor of 2 gives :math:`r \approx 1/3`.

    Args:
        f: scalar function of an array.
        grad_f: its claimed gradient, returning an array of ``x``'s shape.
        x: the point.
        eps: finite-difference step.
        tiny: :math:`\tau`, the floor of the denominator.
    Returns:
        the relative error :math:`r \ge 0`.
    Raises:
        ValueError: ``grad_f(x)`` has a shape other than ``x``'s; as :func:`numerical_gradient`.
    """
    x = as_array(x, "x")
    numeric = numerical_gradient(f, x, eps)
    analytic = as_array(grad_f(x.copy()), "grad_f(x)")
    if analytic.shape != x.shape:
        raise ValueError(f"grad_f(x) must have x's shape {x.shape}, got {analytic.shape}")
    diff = np.max(np.abs(analytic - numeric))
    scale = np.max(np.abs(analytic)) + np.max(np.abs(numeric))
    return float(diff / max(scale, tiny))
