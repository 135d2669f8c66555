r"""Loss functions and their gradients with respect to the prediction.

==========================  ===========================================================================
function                    formula
==========================  ===========================================================================
:func:`squared_error`       :math:`L = \sum_i (y_i - \hat y_i)^2` (one sample: :math:`(y - \hat y)^2`)
:func:`mse`                 :math:`\mathrm{MSE} = \frac1n \sum_{i=1}^n (y_i - \hat y_i)^2`
:func:`cross_entropy`       :math:`H(p, q) = -\sum_k p_k \log_b q_k`
:func:`binary_cross_entropy`  :math:`\frac1n\sum_i -[y_i \ln p_i + (1-y_i)\ln(1-p_i)]`
:func:`softmax_cross_entropy` :math:`\frac1m\sum_j \big(\log\sum_k e^{z_{jk}} - \sum_k y_{jk} z_{jk}\big)`
==========================  ===========================================================================

Every loss is :math:`\ge 0` and is zero at a perfect prediction. Gradients are
with respect to the second argument (the prediction, or the logits).
By convention :math:`0 \log 0 = 0`; a true outcome given probability 0 has
infinite cross-entropy, and the functions return ``inf`` there rather than NaN.
"""

from __future__ import annotations

import math

import numpy as np

from . import kernels
from ._checks import as_array, as_scalar, probabilities, same_shape

__all__ = [
    "NAMES",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "get",
    "mse",
    "mse_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "squared_error",
    "squared_error_grad",
]


def _pair(y, y_hat, name_y="y", name_y_hat="y_hat"):
    y = as_array(y, name_y)
    y_hat = as_array(y_hat, name_y_hat)
    same_shape(y, y_hat, name_y, name_y_hat)
    return y, y_hat


def _xlogy(x, y):
    r""":math:`x \ln y` with :math:`0 \ln y = 0`; :math:`-\infty` where :math:`x > 0, y = 0`."""
    out = np.zeros(np.broadcast(x, y).shape)
    pos = np.broadcast_to(x, out.shape) != 0
    with np.errstate(divide="ignore"):
        out[pos] = np.broadcast_to(x, out.shape)[pos] * np.log(np.broadcast_to(y, out.shape)[pos])
    return out


def squared_error(y, y_hat):
    r"""The summed squared error :math:`L = \sum_i (y_i - \hat y_i)^2`.

    For one sample this is :math:`(y - \hat y)^2`, the loss of the source
    article's backpropagation example.

    Args:
        y: targets, any shape (a scalar for one sample).
        y_hat: predictions, the same shape.
    Returns:
        float.
    Raises:
        ValueError: shapes differ, empty or non-finite input.
    """
    y, y_hat = _pair(y, y_hat)  # the same shape
    return float(np.sum((y - y_hat) ** 2))


def squared_error_grad(y, y_hat):
    r"""Gradient of :func:`squared_error`: :math:`\partial L / \partial \hat y_i = -2 (y_i - \hat y_i)`.

    Returns an array of ``y_hat``'s shape.
    """
    y, y_hat = _pair(y, y_hat)
    return -2.0 * (y - y_hat)


def mse(y, y_hat):
    r"""Mean squared error :math:`\mathrm{MSE} = \frac{1}{n}\sum_{i=1}^{n} (y_i - \hat y_i)^2`.

    The mean is over all :math:`n` elements (as ``keras.losses.MeanSquaredError``
    for a 1-D batch). Arguments, result and errors as in :func:`squared_error`.
    """
    y, y_hat = _pair(y, y_hat)
    return float(np.mean((y - y_hat) ** 2))


def mse_grad(y, y_hat):
    r"""Gradient of :func:`mse` with respect to the prediction: :math:`\frac{2}{n} (\hat y_i - y_i)`.

    Returns an array of ``y_hat``'s shape.
    """
    y, y_hat = _pair(y, y_hat)
    return 2.0 * (y_hat - y) / y.size


def _base(base) -> float:
    b = as_scalar(base, "base")
    if b <= 0 or b == 1:
        raise ValueError(f"base must be positive and not 1, got {b}")
    return b


def _distributions(p, q):
    p, q = _pair(p, q, "p", "q")
    if p.ndim == 0:
        raise ValueError("p and q must be distributions with at least one dimension, got scalars")
    probabilities(p, "p", distribution=True)
    probabilities(q, "q", distribution=True)
    return p, q


def cross_entropy(p, q, base=math.e):
    r"""Cross-entropy of distribution ``q`` relative to the true distribution ``p``.

    .. math:: H(p, q) = -\sum_k p_k \log_b q_k

    With ``base=math.e`` (the default, and the convention of every deep-learning
    library) the result is in nats; ``base=2`` gives bits. The two differ by the
    factor :math:`\ln 2`.

    Args:
        p: true distribution(s), shape ``(k,)`` or ``(..., k)``; entries in [0, 1]
            summing to 1 along the last axis.
        q: predicted distribution(s), the same shape and constraints.
        base: the logarithm's base, positive and not 1.
    Returns:
        a float for ``(k,)`` input, else an array of shape ``p.shape[:-1]``.
        ``inf`` where some :math:`p_k > 0` has :math:`q_k = 0`.
    Raises:
        ValueError: shapes differ, empty or non-finite input, entries outside
            [0, 1], slices not summing to 1, bad ``base``.
    """
    p, q = _distributions(p, q)  # [..., k] each
    H = -_xlogy(p, q).sum(axis=-1) / math.log(_base(base))  # -sum_k p_k log_b q_k, [...]
    return float(H) if H.ndim == 0 else H


def cross_entropy_grad(p, q, base=math.e):
    r"""Gradient of :func:`cross_entropy` with respect to ``q``: :math:`-p_k / (q_k \ln b)`.

    Zero where :math:`p_k = 0`; ``-inf`` where :math:`p_k > 0, q_k = 0`.
    Shapes and errors as in :func:`cross_entropy`; returns an array of ``q``'s shape.
    """
    p, q = _distributions(p, q)  # [..., k] each
    dH_dq = np.zeros_like(q)
    pos = p != 0  # where p_k = 0 the term, and its slope, is 0
    with np.errstate(divide="ignore"):
        dH_dq[pos] = -p[pos] / q[pos]
    return dH_dq / math.log(_base(base))


def _binary_args(y, p):
    y, p = _pair(y, p, "y", "p")
    probabilities(y, "y")
    probabilities(p, "p")
    return y, p


def binary_cross_entropy(y, p):
    r"""Binary cross-entropy, the mean over :math:`n` outcomes of
    :math:`-[y_i \ln p_i + (1 - y_i)\ln(1 - p_i)]`.

    Args:
        y: targets in [0, 1] (usually 0 or 1), any shape.
        p: predicted probabilities of the outcome 1, the same shape, in [0, 1].
    Returns:
        float (``inf`` if a certain prediction is wrong, e.g. ``p=0`` for ``y=1``).
    Raises:
        ValueError: shapes differ, empty or non-finite input, values outside [0, 1].
    """
    y, p = _binary_args(y, p)  # the same shape
    return float(-np.mean(_xlogy(y, p) + _xlogy(1.0 - y, 1.0 - p)))  # x ln y, with 0 ln 0 = 0


def binary_cross_entropy_grad(y, p):
    r"""Gradient of :func:`binary_cross_entropy` with respect to ``p``:
    :math:`\frac{1}{n}\left(-\frac{y_i}{p_i} + \frac{1-y_i}{1-p_i}\right)`.

    Each term is taken as 0 where its numerator is 0 (so ``p=0, y=0`` gives
    :math:`1/n`, not NaN). Returns an array of ``p``'s shape.
    """
    y, p = _binary_args(y, p)  # the same shape
    dL_dp = np.zeros_like(p)
    with np.errstate(divide="ignore"):
        a = y != 0
        dL_dp[a] -= y[a] / p[a]  # -y / p
        c = y != 1
        dL_dp[c] += (1.0 - y[c]) / (1.0 - p[c])  # + (1 - y) / (1 - p)
    return dL_dp / y.size


def _logits_args(labels, logits):
    logits = as_array(logits, "logits", ndim=(1, 2))
    raw = np.asarray(labels)
    if raw.dtype.kind in "iu" and raw.shape != logits.shape:
        if raw.shape != logits.shape[:-1]:
            raise ValueError(
                f"integer labels must have shape {logits.shape[:-1]} (one class index per row of "
                f"logits), got {raw.shape}"
            )
        k = logits.shape[-1]
        if np.any(raw < 0) or np.any(raw >= k):
            raise ValueError(
                f"labels must be class indices in [0, {k - 1}], got {raw.min()}..{raw.max()}"
            )
        labels = raw
    else:
        labels = as_array(labels, "labels")
        same_shape(labels, logits, "labels", "logits")
        probabilities(labels, "labels", distribution=True)
    return labels, logits


def softmax_cross_entropy(labels, logits):
    r"""Cross-entropy between ``labels`` and :math:`\mathrm{softmax}(z)`, computed from the logits :math:`z`.

    .. math::
        L = \frac1m \sum_{j=1}^{m} \Big( \log \sum_k e^{z_{jk}} - \sum_k y_{jk} z_{jk} \Big)

    The log-sum-exp is evaluated as :math:`\max_k z_{jk} + \log\sum_k e^{z_{jk} - \max_k z_{jk}}`,
    so any finite logits give a finite loss (unlike taking the log of a softmax
    that has underflowed to 0).

    Args:
        labels: either distributions of the same shape as ``logits`` (one-hot or
            soft; integers allowed), or integer class indices of shape
            ``logits.shape[:-1]`` (a 0-d integer for a single example).
        logits: shape ``(k,)`` for one example or ``(m, k)`` for a batch.
    Returns:
        float, the mean over the ``m`` examples.
    Raises:
        ValueError: bad shapes, labels that are not distributions or valid
            indices, empty or non-finite input.
    """
    y, z = _logits_args(labels, logits)
    L, _ = kernels.softmax_cross_entropy(z, y)
    return L


def softmax_cross_entropy_grad(labels, logits):
    r"""Gradient of :func:`softmax_cross_entropy` with respect to the logits:
    :math:`\frac1m\left(\mathrm{softmax}(z_j) - y_j\right)`.

    Returns an array of ``logits``' shape. Arguments as in :func:`softmax_cross_entropy`.
    """
    y, z = _logits_args(labels, logits)
    _, dL_dz = kernels.softmax_cross_entropy(z, y)
    return dL_dz


_REGISTRY = {
    "squared_error": (squared_error, squared_error_grad),
    "mse": (mse, mse_grad),
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_grad),
}

#: The names :func:`get` knows: losses of a target and a prediction of the same shape.
NAMES = tuple(_REGISTRY)


def get(name: str):
    """Return ``(L, L_grad)`` for the loss called ``name``, both called as ``f(y, y_hat)``.

    ``name`` is one of :data:`NAMES`.

    Raises:
        TypeError: ``name`` is not a string.
        ValueError: unknown name; the message lists the known ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"loss name must be a string, got {type(name).__name__}")
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(NAMES)}") from None
