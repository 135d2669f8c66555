r"""RMSNorm, the normalisation of today's open models, forward and backward; and its cost.

Root-mean-square layer normalisation (Zhang & Sennrich 2019) keeps only the rescaling half
of layer normalisation: no mean is subtracted and no bias is added,

.. math::
    \operatorname{RMS}(\mathbf x) = \sqrt{\tfrac1d \textstyle\sum_i x_i^2 + \epsilon},\qquad
    y_i = \gamma_i\, \frac{x_i}{\operatorname{RMS}(\mathbf x)} .

:math:`\epsilon` is added *inside* the square root, as in Keras's ``RMSNormalization`` and in
Llama's reference code. Layer normalisation itself lives in :mod:`llmbook.block`
(:func:`llmbook.block.layer_norm`); :func:`time_per_call` times the two on the same input.
"""

from __future__ import annotations

import time

import numpy as np

from ._checks import as_float, positive

__all__ = ["rms_norm", "rms_norm_backward", "time_per_call"]


def _check(x, gamma, eps):
    x = as_float(x, "x")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension for rms_norm")
    gamma = as_float(gamma, "gamma", ndim=(1,))
    if gamma.shape != (x.shape[-1],):
        raise ValueError(f"gamma must have shape ({x.shape[-1]},), got {gamma.shape}")
    return x, gamma, positive(eps, "eps")


def rms_norm(x, gamma, eps: float = 1e-6):
    r"""RMSNorm over the last axis (Zhang & Sennrich 2019).

    .. math:: r = \Big(\tfrac1d \sum_i x_i^2 + \epsilon\Big)^{-1/2},\qquad
              \hat x_i = x_i\, r,\qquad y_i = \gamma_i\, \hat x_i

    Args:
        x: ``[..., d]``.
        gamma: the scale ``[d]`` (Keras's ``scale``; there is no bias).
        eps: :math:`\epsilon > 0`, added to the mean square (1e-6 is Keras's default;
            Llama 2 uses 1e-5).
    Returns:
        ``(y, cache)`` with ``y`` of ``x``'s shape.
    Raises:
        TypeError, ValueError: bad arrays, ``gamma`` not ``[d]``, ``eps <= 0``.
    """
    x, gamma, eps = _check(x, gamma, eps)
    ms = np.mean(x * x, axis=-1, keepdims=True)  # [..., 1]
    r = 1.0 / np.sqrt(ms + eps)  # [..., 1]
    xhat = x * r  # [..., d]
    return gamma * xhat, {"xhat": xhat, "r": r, "gamma": gamma}


def rms_norm_backward(dy, cache):
    r"""Backward pass of :func:`rms_norm`.

    With :math:`g = \gamma \odot \partial L/\partial y` and :math:`\partial r/\partial x_j = -r^3 x_j / d`:

    .. math:: \frac{\partial L}{\partial \gamma} = \sum \frac{\partial L}{\partial y} \odot \hat x,\qquad
              \frac{\partial L}{\partial x} = r\,\Big(g - \hat x\;\overline{g \odot \hat x}\Big)

    where the bar is the mean over the last axis (layer norm's gradient without the
    :math:`-\bar g` term that the mean subtraction brings).

    Args:
        dy: ``[..., d]``, the gradient of the loss with respect to ``y``.
        cache: from :func:`rms_norm`.
    Returns:
        ``(dx, {"gamma": dgamma})``.
    Raises:
        ValueError: ``dy`` not of the forward output's shape.
    """
    xhat, r, gamma = cache["xhat"], cache["r"], cache["gamma"]
    dy = as_float(dy, "dy")
    if dy.shape != xhat.shape:
        raise ValueError(f"dy must have shape {xhat.shape}, got {dy.shape}")
    d = dy.shape[-1]
    g = dy * gamma  # [..., d]
    dx = r * (g - xhat * np.mean(g * xhat, axis=-1, keepdims=True))
    return dx, {"gamma": (dy.reshape(-1, d) * xhat.reshape(-1, d)).sum(0)}


def time_per_call(fn, *args, repeat: int = 20, number: int = 5) -> float:
    r"""The median over ``repeat`` runs of the time of one call ``fn(*args)``, in seconds.

    Each run times ``number`` calls in a row and divides by ``number``; the median of the
    runs is robust to the occasional pause of a busy machine. One call is made first and
    not timed (caches, memory allocation).

    Raises:
        TypeError: ``fn`` not callable.
        ValueError: ``repeat`` or ``number`` not a positive integer.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    for name, v in (("repeat", repeat), ("number", number)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    fn(*args)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn(*args)
        runs.append((time.perf_counter() - t0) / number)
    return float(np.median(runs))
