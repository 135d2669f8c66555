r"""Sliding-window attention: each query sees only the last :math:`W` positions, and a rolling KV cache.

The causal sliding-window mask (Longformer, Beltagy et al. 2020; Mistral 7B, Jiang et al. 2023)
lets query :math:`i` attend to key :math:`j` when

.. math:: i - W < j \le i ,

that is to itself and the :math:`W-1` positions before it: at most :math:`W` keys. One layer
carries information at most :math:`W-1` positions forward; :math:`L` stacked layers carry it
:math:`L(W-1)` positions, so position :math:`i` of the last layer depends on positions
:math:`i - L(W-1), \dots, i`: a receptive field of :math:`L(W-1) + 1` positions.

Generation then needs the keys and values of the last :math:`W` positions only: a cache of
:math:`W` slots, with position :math:`t` written into slot :math:`t \bmod W` (a rolling buffer).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array
from .attention import scaled_dot_product_attention

__all__ = [
    "reachable",
    "receptive_field",
    "rolling_buffer_attention",
    "sliding_window_mask",
]


def _positive_int(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def sliding_window_mask(T: int, W: int) -> np.ndarray:
    r"""The causal sliding-window mask: ``mask[i, j]`` is True when :math:`i - W < j \le i`.

    Args:
        T: number of positions, >= 1.
        W: window, >= 1 (each query sees itself and the ``W - 1`` positions before it;
            ``W >= T`` gives the causal mask).
    Returns:
        bool array ``[T, T]``.
    Raises:
        ValueError: ``T`` or ``W`` not a positive integer.
    """
    T, W = _positive_int(T, "T"), _positive_int(W, "W")
    i = np.arange(T)[:, None]  # query positions, [T, 1]
    j = np.arange(T)[None, :]  # key positions, [1, T]
    return (j <= i) & (j > i - W)  # [T, T]


def reachable(mask, n_layer: int) -> np.ndarray:
    r"""Which inputs each output of ``n_layer`` stacked attention layers can depend on.

    Position :math:`i` of layer :math:`\ell` mixes the positions of layer :math:`\ell-1` its mask
    row allows, so the dependence after :math:`L` layers is the Boolean matrix power
    :math:`M^L` (entry :math:`(i, j)` true when a path :math:`j \to \dots \to i` exists).

    Args:
        mask: boolean ``[T, T]``, True where query ``i`` may attend to key ``j``; every
            position must see itself (the residual path).
        n_layer: :math:`L \ge 1`.
    Returns:
        bool array ``[T, T]``.
    Raises:
        TypeError, ValueError: a non-boolean or non-square mask, a mask without its diagonal,
            a bad ``n_layer``.
    """
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.ndim != 2 or mask.shape[0] != mask.shape[1]:
        raise TypeError(f"mask must be a square boolean array, got {mask.dtype} {mask.shape}")
    if not np.diagonal(mask).all():
        raise ValueError("mask must let every position see itself")
    n_layer = _positive_int(n_layer, "n_layer")
    m = mask.astype(np.int64)
    r = np.eye(len(mask), dtype=np.int64)
    for _ in range(n_layer):
        r = np.minimum(m @ r, 1)  # stay 0/1: no overflow however many layers
    return r.astype(bool)


def receptive_field(W: int, n_layer: int) -> int:
    r"""Positions the last of :math:`L` sliding-window layers can see: :math:`L(W-1) + 1`.

    Raises:
        ValueError: ``W`` or ``n_layer`` not a positive integer.
    """
    return _positive_int(n_layer, "n_layer") * (_positive_int(W, "W") - 1) + 1


def rolling_buffer_attention(Q, K, V, W: int):
    r"""Causal sliding-window attention computed token by token with a KV cache of ``W`` slots.

    At step :math:`t` the key and value of position :math:`t` overwrite slot :math:`t \bmod W`;
    the query then attends to the filled slots, which hold exactly positions
    :math:`\max(0, t-W+1), \dots, t`. (Attention does not depend on the order of its keys, so
    the slots need no reordering.) The cache never holds more than ``W`` positions.

    Args:
        Q, K, V: ``[T, d_k]``, ``[T, d_k]``, ``[T, d_v]`` for one sequence.
        W: window, >= 1.
    Returns:
        ``(O, peak_slots)``: outputs ``[T, d_v]`` and the most positions the cache held.
    Raises:
        TypeError, ValueError: bad arrays or shapes, bad ``W``.
    """
    Q, K, V = (as_array(a, n, ndim=(2,)) for a, n in ((Q, "Q"), (K, "K"), (V, "V")))
    W = _positive_int(W, "W")
    T = Q.shape[0]
    if K.shape != Q.shape or V.shape[0] != T:
        raise ValueError(
            f"Q, K, V must have T rows and Q, K one width, got {Q.shape}, {K.shape}, {V.shape}"
        )
    k_cache = np.zeros((W, K.shape[1]))  # [W, d_k]: the rolling buffer
    v_cache = np.zeros((W, V.shape[1]))  # [W, d_v]
    out = np.empty((T, V.shape[1]))  # [T, d_v]
    for t in range(T):
        k_cache[t % W], v_cache[t % W] = K[t], V[t]  # overwrite the oldest position
        filled = min(t + 1, W)
        out[t], _ = scaled_dot_product_attention(Q[t : t + 1], k_cache[:filled], v_cache[:filled])
    return out, min(T, W)
