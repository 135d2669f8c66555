r"""Activation functions and their derivatives with respect to the input.

Each function takes any array-like ``z`` (a scalar gives a 0-d array) and
works elementwise, except :func:`softmax`, which normalises along an axis.
All are numerically stable: no overflow warning and no NaN for any finite
input, including :math:`|z|` of :math:`10^4` and beyond.

=========  ====================================================  ==================================
name       :math:`f(z)`                                          :math:`f'(z)`
=========  ====================================================  ==================================
sigmoid    :math:`\sigma(z) = 1 / (1 + e^{-z})`                    :math:`\sigma(z)(1 - \sigma(z))`
tanh       :math:`(e^z - e^{-z}) / (e^z + e^{-z})`               :math:`1 - \tanh^2 z`
relu       :math:`\max(0, z)`                                    :math:`1` if :math:`z > 0` else :math:`0`
linear     :math:`z`                                             :math:`1`
gelu       :math:`\tfrac12 z\,(1 + \tanh u)` (see :func:`gelu`)       see :func:`gelu_grad`
=========  ====================================================  ==================================
"""

from __future__ import annotations

import numpy as np

from . import _checks, kernels
from ._checks import as_array

__all__ = [
    "NAMES",
    "gelu",
    "gelu_grad",
    "get",
    "linear",
    "linear_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
]


def sigmoid(z):
    r"""The logistic sigmoid :math:`\sigma(z) = \dfrac{1}{1 + e^{-z}}`.

    Computed as :math:`1/(1+e^{-|z|})` for :math:`z \ge 0` and
    :math:`e^{-|z|}/(1+e^{-|z|})` for :math:`z < 0`, so the exponential never
    overflows. Output in :math:`[0, 1]` (in :math:`(0, 1)` up to float rounding).

    Args:
        z: array-like of any shape.
    Returns:
        float64 array of the same shape.
    Raises:
        TypeError, ValueError: non-numeric, empty or non-finite ``z``.
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    r"""Derivative of the sigmoid, :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`.

    Computed as :math:`e^{-|z|} / (1 + e^{-|z|})^2`, which is the same
    expression (the derivative is even in :math:`z`) and keeps full relative
    precision in the tails. Maximum :math:`1/4` at :math:`z = 0`.

    Shapes and errors as in :func:`sigmoid`.
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))
    # Rounding can put the result one ulp above the true maximum 1/4 near z = 0.
    return np.minimum(e / (1.0 + e) ** 2, 0.25)


def tanh(z):
    r"""The hyperbolic tangent :math:`\tanh z = \dfrac{e^z - e^{-z}}{e^z + e^{-z}}`, in :math:`(-1, 1)`.

    Shapes and errors as in :func:`sigmoid`.
    """
    return np.tanh(as_array(z, "z"))


def tanh_grad(z):
    r"""Derivative of tanh, :math:`1 - \tanh^2 z`. Maximum 1 at :math:`z = 0`.

    Shapes and errors as in :func:`sigmoid`.
    """
    t = np.tanh(as_array(z, "z"))
    return 1.0 - t * t


def relu(z):
    r"""The rectified linear unit :math:`\mathrm{ReLU}(z) = \max(0, z)`.

    Shapes and errors as in :func:`sigmoid`.
    """
    return np.maximum(as_array(z, "z"), 0.0)


def relu_grad(z):
    r"""Derivative of ReLU: :math:`1` for :math:`z > 0`, :math:`0` for :math:`z \le 0`.

    ReLU has no derivative at exactly 0; like TensorFlow, we use 0 there.
    Shapes and errors as in :func:`sigmoid`.
    """
    return (as_array(z, "z") > 0).astype(np.float64)


def linear(z):
    r"""The identity :math:`f(z) = z` (a neuron with no activation)."""
    return as_array(z, "z").copy()


def linear_grad(z):
    r"""Derivative of the identity: :math:`1` everywhere."""
    return np.ones_like(as_array(z, "z"))


def softmax(z, axis: int = -1):
    r"""The softmax along ``axis``: :math:`\mathrm{softmax}(z)_i = \dfrac{e^{z_i}}{\sum_j e^{z_j}}`.

    Computed as :math:`e^{z_i - \max_j z_j} / \sum_j e^{z_j - \max_j z_j}`, which is
    the same value (softmax is invariant to adding a constant) but never overflows.
    Each slice along ``axis`` is a probability distribution.

    Args:
        z: array-like with at least one dimension.
        axis: the axis to normalise over.
    Returns:
        float64 array of the same shape.
    Raises:
        TypeError, ValueError: non-numeric, 0-d, empty or non-finite ``z``;
            ``axis`` out of range.
    """
    z = as_array(z, "z")
    _checks.axis_of(z, axis, "softmax")
    return kernels.softmax(z, axis)  # e^(z - max z) / sum e^(z - max z)


def gelu(z):
    r"""GELU, the Gaussian error linear unit, in the tanh form GPT-2 uses.

    .. math:: \mathrm{GELU}(z) \approx \tfrac12 z\,\big(1 + \tanh u\big), \qquad
              u = \sqrt{2/\pi}\,\big(z + 0.044715\,z^3\big)

    (Hendrycks & Gimpel 2016). The exact GELU is :math:`z\,\Phi(z)`, with :math:`\Phi` the
    standard normal distribution function; the two differ by less than :math:`10^{-3}`.
    :math:`u` is computed from :math:`z` clipped to :math:`[-20, 20]`, where
    :math:`\tanh u` is already :math:`\pm 1` in float64, so :math:`z^3` never overflows.

    Shapes and errors as in :func:`sigmoid`.
    """
    g, _ = kernels.gelu_parts(as_array(z, "z"))
    return g


def gelu_grad(z):
    r"""Derivative of the tanh-form GELU.

    .. math:: \mathrm{GELU}'(z) = \tfrac12(1 + \tanh u)
              + \tfrac12 z\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\, z^2)

    Shapes and errors as in :func:`sigmoid`.
    """
    z = as_array(z, "z")
    _, t = kernels.gelu_parts(z)  # t = tanh u
    return kernels.gelu_slope(z, t)


_REGISTRY = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "linear": (linear, linear_grad),
    "gelu": (gelu, gelu_grad),
}

#: The names :func:`get` knows.
NAMES = tuple(_REGISTRY)


def get(name: str):
    """Return ``(f, f_grad)`` for the activation called ``name``.

    ``name`` is one of :data:`NAMES` (case-insensitive).

    Raises:
        TypeError: if ``name`` is not a string.
        ValueError: if the name is unknown; the message lists the known ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {type(name).__name__}")
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {', '.join(NAMES)}"
        ) from None
