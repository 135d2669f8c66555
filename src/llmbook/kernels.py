r"""The numerical kernels the modules share: softmax, cross-entropy from logits, batched
matrix products, attention heads, GELU.

A kernel computes its formula and nothing else: it does not check its arguments (the
public functions that call it do, with :mod:`llmbook._checks`), keeps the dtype of its
input (float32 stays float32, for fast training) and never overflows for finite input.
Each is written once here, so that every chapter computes, say, a softmax the same way.

==========================  ==========================================================
kernel                      formula
==========================  ==========================================================
:func:`softmax`             :math:`e^{z_i - \max z} / \sum_j e^{z_j - \max z}`
:func:`log_softmax`         :math:`z_i - \max z - \log\sum_j e^{z_j - \max z}`
:func:`softmax_cross_entropy`  :math:`\frac1n\sum_r -\sum_k y_{rk}\log\operatorname{softmax}(z_r)_k`
                            and its gradient :math:`(\operatorname{softmax}(z_r) - y_r)/n`
:func:`matmul`              :math:`XW` for ``X`` ``[..., n]``, ``W`` ``[n, m]``
:func:`split_heads`         ``[..., T, d]`` to ``[..., h, T, d/h]``
:func:`merge_heads`         ``[..., h, T, d_h]`` to ``[..., T, h d_h]``
:func:`gelu_parts`          :math:`\tfrac12 z (1 + \tanh u)` and :math:`\tanh u`
:func:`gelu_slope`          :math:`\mathrm{GELU}'(z)` from :math:`\tanh u`
==========================  ==========================================================
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "gelu_parts",
    "gelu_slope",
    "log_softmax",
    "matmul",
    "merge_heads",
    "softmax",
    "softmax_cross_entropy",
    "split_heads",
    "weight_grad",
]


def _shifted_exp(z, axis):
    r""":math:`e^{z - \max z}` along ``axis``, its sum and the maximum (both with ``keepdims``).

    Subtracting the maximum changes nothing in a softmax (it cancels) but keeps every
    exponent :math:`\le 0`, so :math:`e^{(\cdot)}` never overflows; entries of
    :math:`-\infty` (masked scores) give exactly 0.
    """
    m = z.max(axis=axis, keepdims=True)
    e = np.subtract(z, m)
    np.exp(e, out=e)
    return e, e.sum(axis=axis, keepdims=True), m


def softmax(z, axis: int = -1):
    r"""The softmax along ``axis``, :math:`\mathrm{softmax}(z)_i = e^{z_i} / \sum_j e^{z_j}`.

    Args:
        z: float array ``[..., k, ...]``; ``-inf`` entries get probability 0, but each
            slice needs one finite entry.
    Returns:
        array of ``z``'s shape and dtype; each slice along ``axis`` sums to 1.
    """
    e, s, _ = _shifted_exp(z, axis)
    e /= s
    return e


def log_softmax(z, axis: int = -1):
    r"""The log of the softmax along ``axis``, :math:`z_i - \log\sum_j e^{z_j}`, without
    forming the softmax (which can underflow to 0, whose log is :math:`-\infty`).

    Returns an array of ``z``'s shape and dtype, every entry :math:`\le 0`.
    """
    _, s, m = _shifted_exp(z, axis)
    return (z - m) - np.log(s)


def softmax_cross_entropy(z, y):
    r"""Mean cross-entropy of :math:`\operatorname{softmax}(z)` against targets ``y``, and its gradient.

    .. math::
        L = \frac1n \sum_{r=1}^{n} -\sum_k y_{rk} \log \operatorname{softmax}(z_r)_k,
        \qquad \frac{\partial L}{\partial z_r} = \frac{\operatorname{softmax}(z_r) - y_r}{n}

    over the :math:`n` rows of ``z``. With integer targets (class :math:`t_r` of row
    :math:`r`) the inner sum is the one term :math:`\log\sum_k e^{z_{rk}} - z_{r t_r}`.

    Args:
        z: logits ``[..., V]`` (float32 or float64).
        y: integer class indices ``[...]`` (``z.shape[:-1]``), or distributions (one-hot
            or soft) of ``z``'s shape.
    Returns:
        ``(loss, dz)``: a float and the gradient, of ``z``'s shape and dtype.
    """
    V = z.shape[-1]
    z2 = z.reshape(-1, V)  # [n, V]
    n = z2.shape[0]
    p, s, m = _shifted_exp(z2, -1)  # p is reused in place: the largest buffer of a step
    if y.dtype.kind in "iu":
        rows, t = np.arange(n), y.reshape(-1)
        loss = np.mean(np.log(s[:, 0]) + m[:, 0] - z2[rows, t])
        p /= s  # softmax(z)
        p[rows, t] -= 1.0
    else:
        y2 = y.reshape(-1, V)
        loss = np.mean(-(y2 * log_softmax(z2)).sum(axis=-1))
        p /= s
        p -= y2
    p /= n
    return float(loss), p.reshape(z.shape)


def matmul(x, W):
    """``x @ W`` for ``x`` of shape ``[..., n]`` and ``W`` ``[n, m]``, as one matrix product.

    numpy multiplies a stack by a matrix one slice at a time; flattening the leading axes
    first makes it one call of the BLAS, which is faster and can use several threads.
    Returns ``[..., m]``.
    """
    return (x.reshape(-1, x.shape[-1]) @ W).reshape(*x.shape[:-1], W.shape[-1])


def weight_grad(x, G):
    r"""The weight gradient of a batched linear map :math:`Y = xW`: :math:`\sum x^\top G` over every row.

    ``x`` is ``[..., n]`` and ``G = dL/dY`` is ``[..., m]`` with the same leading axes;
    returns ``[n, m]``.
    """
    return x.reshape(-1, x.shape[-1]).T @ G.reshape(-1, G.shape[-1])


def split_heads(x, n_head: int):
    """``[..., T, d]`` -> ``[..., h, T, d/h]``: head ``j`` gets columns ``j*d/h:(j+1)*d/h``."""
    *lead, T, d = x.shape
    return np.swapaxes(x.reshape(*lead, T, n_head, d // n_head), -2, -3)


def merge_heads(x):
    """``[..., h, T, d_h]`` -> ``[..., T, h * d_h]``, the inverse of :func:`split_heads`."""
    x = np.swapaxes(x, -2, -3)
    return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])


_GELU_C = np.sqrt(2.0 / np.pi)
_GELU_A = 0.044715


def gelu_parts(z):
    r"""GELU of ``z`` and :math:`\tanh u`, in ``z``'s own dtype.

    .. math:: \mathrm{GELU}(z) = \tfrac12 z\,(1 + \tanh u), \qquad
              u = \sqrt{2/\pi}\,(z + 0.044715\,z^3)

    :math:`u` is computed from :math:`z` clipped to :math:`[-20, 20]`, where
    :math:`\tanh u` is already :math:`\pm 1`, so :math:`z^3` never overflows. Reuses its
    buffers in place where it can. :math:`\tanh u` is returned for :func:`gelu_slope`.
    """
    zc = np.clip(z, -20.0, 20.0)  # tanh u is already +-1 there; z^3 stays finite
    u = zc * zc
    u *= _GELU_A
    u += 1.0
    u *= zc
    u *= _GELU_C
    t = np.tanh(u)
    g = t + 1.0
    g *= z
    g *= 0.5
    return g, t


def gelu_slope(z, t):
    r""":math:`\mathrm{GELU}'(z) = \tfrac12(1 + t) + \tfrac12 z (1 - t^2) \sqrt{2/\pi}(1 + 3 \cdot 0.044715 z^2)`
    given :math:`t = \tanh u` from :func:`gelu_parts`, in ``z``'s dtype."""
    zc = np.clip(z, -20.0, 20.0)  # for |z| > 20, 1 - tanh^2 u is exactly 0
    slope = zc * zc
    slope *= 3 * _GELU_A
    slope += 1.0
    slope *= zc
    slope *= 1.0 - t * t
    slope *= _GELU_C
    slope += 1.0 + t
    slope *= 0.5
    return slope
