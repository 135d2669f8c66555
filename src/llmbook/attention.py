r"""Scaled dot-product attention, the causal mask and multi-head attention, with backward passes.

For queries :math:`Q` (``[T_q, d_k]``), keys :math:`K` (``[T_k, d_k]``) and values
:math:`V` (``[T_k, d_v]``), Vaswani et al. (2017) define

.. math::
    \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}} + M\Big) V,

where the mask :math:`M` holds 0 where a query may look and :math:`-\infty` where it may not.
A decoder uses the *causal* mask: position :math:`i` sees positions :math:`j \le i` only.
Multi-head attention runs :math:`h` such attentions on learned projections of width
:math:`d_h = d/h` and mixes their concatenated outputs with :math:`W_O`:

.. math::
    \operatorname{head}_j = \operatorname{Attention}(X_q W_Q^{(j)}, X_{kv} W_K^{(j)}, X_{kv} W_V^{(j)}),
    \qquad \operatorname{MHA} = [\operatorname{head}_1, \dots, \operatorname{head}_h]\, W_O + b_O.

The weights are stored as full matrices: ``W_q``, ``W_k``, ``W_v``, ``W_o`` of shape
``[d, d]`` with biases ``[d]``; columns ``j*d_h:(j+1)*d_h`` of ``W_q`` are head ``j``'s
:math:`W_Q^{(j)}`. Every function takes inputs with any leading batch axes, ``[..., T, d]``.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float, positive, positive_int
from .kernels import matmul, merge_heads, softmax, split_heads, weight_grad

__all__ = [
    "attend",
    "causal",
    "causal_mask",
    "init_attention_params",
    "mha",
    "mha_backward",
    "mha_forward",
    "multi_head_attention",
    "projections_backward",
    "scaled_dot_product_attention",
    "sdpa_backward",
]


PARAM_NAMES = ("W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o")


def causal_mask(n_q: int, n_k: int | None = None) -> np.ndarray:
    r"""The causal mask: ``mask[i, j]`` is True when query ``i`` may attend to key ``j``.

    With ``n_k >= n_q`` the queries are the *last* ``n_q`` of ``n_k`` positions (as when a
    KV cache holds earlier keys), so :math:`\mathrm{mask}_{ij} = [\,j \le i + n_k - n_q\,]`.

    Args:
        n_q: number of queries, >= 1.
        n_k: number of keys (default ``n_q``), >= ``n_q``.
    Returns:
        bool array ``[n_q, n_k]``, lower-triangular when ``n_k == n_q``.
    Raises:
        ValueError: non-positive sizes, or ``n_k < n_q``.
    """
    n_k = n_q if n_k is None else n_k
    n_q, n_k = positive_int(n_q, "n_q"), positive_int(n_k, "n_k")
    if n_k < n_q:
        raise ValueError(f"n_k must be >= n_q, got n_q={n_q}, n_k={n_k}")
    return causal(n_q, n_k)


def causal(n_q: int, n_k: int) -> np.ndarray:
    r"""The causal mask without checks: True where query :math:`i` may see key :math:`j`.

    The queries are the last ``n_q`` of ``n_k`` positions, so query :math:`i`
    sees :math:`j \le i + n_k - n_q`. True stands for :math:`M_{ij} = 0`, False
    for :math:`M_{ij} = -\infty`. Returns bool ``[n_q, n_k]``.
    """
    i = np.arange(n_q)[:, None] + (n_k - n_q)  # [n_q, 1]: the queries' positions
    j = np.arange(n_k)[None, :]  # [1, n_k]: the keys' positions
    return j <= i  # [n_q, n_k]


def _check_mask(mask, shape):
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array (True = may attend), got {mask.dtype}")
    try:
        full = np.broadcast_to(mask, shape)
    except ValueError:
        raise ValueError(
            f"mask of shape {mask.shape} does not broadcast to the scores' shape {shape}"
        ) from None
    if not np.all(full.any(axis=-1)):
        raise ValueError("mask must let every query attend to at least one key")
    return mask


def scaled_dot_product_attention(Q, K, V, mask=None, temperature: float = 1.0):
    r"""Attention weights and output, :math:`A = \operatorname{softmax}(QK^\top / (\tau\sqrt{d_k}) + M)`, :math:`O = AV`.

    Args:
        Q: queries ``[..., T_q, d_k]``.
        K: keys ``[..., T_k, d_k]``.
        V: values ``[..., T_k, d_v]``.
        mask: optional boolean array broadcastable to ``[..., T_q, T_k]``; True where a
            query may attend. Every query must see at least one key.
        temperature: :math:`\tau > 0`, dividing the scores (1 in the Transformer); large
            values flatten the weights, small values sharpen them.
    Returns:
        ``(O, A)``: output ``[..., T_q, d_v]`` and weights ``[..., T_q, T_k]`` (rows sum to 1).
    Raises:
        TypeError, ValueError: bad arrays, mismatched shapes, a non-boolean mask or a
            query that may attend to nothing, non-positive temperature.
    """
    Q = as_float(Q, "Q", ndim=tuple(range(2, 6)))
    K = as_float(K, "K", ndim=tuple(range(2, 6)))
    V = as_float(V, "V", ndim=tuple(range(2, 6)))
    temperature = positive(temperature, "temperature")
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(f"Q and K must have the same last dimension, got {Q.shape} and {K.shape}")
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(
            f"K and V must have the same number of positions, got {K.shape} and {V.shape}"
        )
    scores_shape = (*np.broadcast_shapes(Q.shape[:-2], K.shape[:-2]), Q.shape[-2], K.shape[-2])
    mask = _check_mask(mask, scores_shape)
    return attend(Q, K, V, mask, temperature)


def attend(Q, K, V, mask=None, tau: float = 1.0):
    r"""Scaled dot-product attention without checks.

    :math:`O = \operatorname{softmax}(QK^\top/(\tau\sqrt{d_k}) + M)\,V` for ``Q``
    ``[..., T_q, d_k]``, ``K`` ``[..., T_k, d_k]``, ``V`` ``[..., T_k, d_v]``;
    ``mask`` is None or bool, broadcastable to ``[..., T_q, T_k]``, False where
    :math:`M_{ij} = -\infty`. Returns ``(O, A)`` in ``Q``'s dtype.
    """
    d_k = Q.shape[-1]
    scale = 1.0 / (float(tau) * math.sqrt(d_k))  # a Python float: float32 stays
    S = (Q @ np.swapaxes(K, -1, -2)) * scale  # [..., T_q, T_k]: q_i . k_j scaled
    if mask is not None:
        S = np.where(mask, S, -np.inf)  # M_ij = -inf where masked
    A = softmax(S)  # [..., T_q, T_k]: a_ij, 0 where masked
    return A @ V, A  # O [..., T_q, d_v]: o_i = sum_j a_ij v_j; and A


def sdpa_backward(dO, Q, K, V, A, temperature: float = 1.0):
    r"""Gradients of scaled dot-product attention, given the upstream gradient ``dO``.

    With :math:`S = QK^\top/(\tau\sqrt{d_k})`, :math:`A = \operatorname{softmax}(S)`, :math:`O = AV`:

    .. math::
        \frac{\partial L}{\partial V} = A^\top \frac{\partial L}{\partial O},\quad
        \frac{\partial L}{\partial A} = \frac{\partial L}{\partial O} V^\top,\quad
        \frac{\partial L}{\partial S_{ij}} = A_{ij}\Big(\frac{\partial L}{\partial A_{ij}}
            - \sum_k A_{ik}\frac{\partial L}{\partial A_{ik}}\Big),\\
        \frac{\partial L}{\partial Q} = \frac{1}{\tau\sqrt{d_k}}\frac{\partial L}{\partial S} K,\quad
        \frac{\partial L}{\partial K} = \frac{1}{\tau\sqrt{d_k}}\Big(\frac{\partial L}{\partial S}\Big)^{\!\top} Q.

    Masked entries have :math:`A_{ij} = 0`, so their gradient is 0 as well.

    Returns:
        ``(dQ, dK, dV)`` with the shapes of ``Q``, ``K``, ``V``.
    """
    dV = np.swapaxes(A, -1, -2) @ dO
    dA = dO @ np.swapaxes(V, -1, -2)
    dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
    c = np.asarray(1.0 / (np.sqrt(Q.shape[-1]) * temperature), dtype=Q.dtype)
    dQ = c * (dS @ K)
    dK = c * (np.swapaxes(dS, -1, -2) @ Q)
    return dQ, dK, dV


def init_attention_params(d_model: int, rng=None, scale: float = 0.02) -> dict:
    r"""Weights for :func:`mha_forward`: matrices :math:`\sim \mathcal N(0, \mathrm{scale}^2)`, zero biases.

    Returns:
        dict with ``W_q, W_k, W_v, W_o`` ``[d, d]`` and ``b_q, b_k, b_v, b_o`` ``[d]``.
    """
    d_model = positive_int(d_model, "d_model")
    rng = np.random.default_rng(rng)
    p = {}
    for n in "qkvo":
        p[f"W_{n}"] = rng.normal(0.0, scale, size=(d_model, d_model))
        p[f"b_{n}"] = np.zeros(d_model)
    return p


def _check_params(p, d_model, n_head):
    if not isinstance(p, dict):
        raise TypeError(f"params must be a dict of arrays, got {type(p).__name__}")
    missing = [k for k in PARAM_NAMES if k not in p]
    if missing:
        raise ValueError(f"params is missing {', '.join(missing)}")
    for n in "qkvo":
        W, b = np.shape(p[f"W_{n}"]), np.shape(p[f"b_{n}"])
        if W != (d_model, d_model) or b != (d_model,):
            raise ValueError(
                f"params W_{n} must be ({d_model}, {d_model}) and b_{n} ({d_model},), got {W} and {b}"
            )
    n_head = positive_int(n_head, "n_head")
    if d_model % n_head:
        raise ValueError(f"d_model ({d_model}) must be divisible by n_head ({n_head})")


def mha_forward(x_q, x_kv, params: dict, n_head: int, mask=None, temperature: float = 1.0):
    r"""Multi-head attention forward pass, keeping what the backward pass needs.

    .. math:: Q = X_q W_Q + b_Q,\ K = X_{kv} W_K + b_K,\ V = X_{kv} W_V + b_V,\
              Y = \operatorname{concat}_j\big(\operatorname{Attention}(Q^{(j)}, K^{(j)}, V^{(j)})\big) W_O + b_O

    Args:
        x_q: query input ``[..., T_q, d]``.
        x_kv: key/value input ``[..., T_k, d]`` (pass ``x_q`` again for self-attention).
        params: dict as from :func:`init_attention_params`.
        n_head: number of heads :math:`h`, dividing :math:`d`.
        mask: optional boolean mask broadcastable to ``[T_q, T_k]`` (e.g. :func:`causal_mask`).
        temperature: softmax temperature, as in :func:`scaled_dot_product_attention`.
    Returns:
        ``(Y, cache)``: output ``[..., T_q, d]``; ``cache`` holds the inputs, the per-head
        ``Q, K, V`` ``[..., h, T, d_h]`` and the weights ``A`` ``[..., h, T_q, T_k]``.
    Raises:
        TypeError, ValueError: bad shapes, parameters, ``n_head`` or mask.
    """
    x_q = as_float(x_q, "x_q", ndim=(2, 3, 4))
    x_kv = as_float(x_kv, "x_kv", ndim=(2, 3, 4))
    d = x_q.shape[-1]
    if x_kv.shape[-1] != d or x_kv.shape[:-2] != x_q.shape[:-2]:
        raise ValueError(
            f"x_q and x_kv must share batch axes and width, got {x_q.shape} and {x_kv.shape}"
        )
    _check_params(params, d, n_head)
    temperature = positive(temperature, "temperature")
    scores_shape = (*x_q.shape[:-2], n_head, x_q.shape[-2], x_kv.shape[-2])
    mask = _check_mask(mask, scores_shape)
    Y, cache = mha(x_q, x_kv, params, n_head, mask, temperature)
    cache.update(x_q=x_q, x_kv=x_kv, params=params, n_head=n_head, temperature=temperature)
    return Y, cache


def mha(x_q, x_kv, p: dict, h: int, mask=None, tau: float = 1.0):
    r"""Multi-head attention without checks: :math:`h` heads of width :math:`d/h`.

    ``x_q`` ``[..., T_q, d]``, ``x_kv`` ``[..., T_k, d]``, ``p`` as from
    :func:`init_attention_params`, ``mask`` as in :func:`attend`. Returns
    ``(Y, parts)``: ``Y`` ``[..., T_q, d]``, and the per-head ``Q, K, V``, the
    weights ``A`` and the concatenated heads, which :func:`mha_backward` needs.
    """
    Q = split_heads(matmul(x_q, p["W_q"]) + p["b_q"], h)  # [..., h, T_q, d_h]
    K = split_heads(matmul(x_kv, p["W_k"]) + p["b_k"], h)  # [..., h, T_k, d_h]
    V = split_heads(matmul(x_kv, p["W_v"]) + p["b_v"], h)  # [..., h, T_k, d_h]
    heads, A = attend(Q, K, V, mask, tau)  # [..., h, T_q, d_h]; A [..., h, T_q, T_k]
    concat = merge_heads(heads)  # [..., T_q, d]: [head_1, ..., head_h]
    Y = matmul(concat, p["W_o"]) + p["b_o"]  # [..., T_q, d]
    return Y, {"Q": Q, "K": K, "V": V, "A": A, "concat": concat}


def multi_head_attention(x_q, x_kv, params: dict, n_head: int, mask=None, temperature=1.0):
    """Multi-head attention output ``[..., T_q, d]`` and weights ``[..., h, T_q, T_k]``.

    Same arguments and errors as :func:`mha_forward`.
    """
    Y, cache = mha_forward(x_q, x_kv, params, n_head, mask=mask, temperature=temperature)
    return Y, cache["A"]


def mha_backward(dY, cache: dict):
    r"""Backward pass of :func:`mha_forward`.

    Each linear map :math:`Y = XW + b` contributes
    :math:`\partial L/\partial W = X^\top \partial L/\partial Y`,
    :math:`\partial L/\partial b = \sum_{\text{rows}} \partial L/\partial Y`,
    :math:`\partial L/\partial X = \partial L/\partial Y\, W^\top`; attention itself is
    :func:`sdpa_backward`.

    Args:
        dY: upstream gradient, the shape of the output ``[..., T_q, d]``.
        cache: the second value returned by :func:`mha_forward`.
    Returns:
        ``(dx_q, dx_kv, grads)``: gradients for both inputs and a dict with one entry per
        parameter, each the shape of that parameter.
    """
    p, h = cache["params"], cache["n_head"]
    dY = as_float(dY, "dY")
    if dY.shape != cache["x_q"].shape:
        raise ValueError(f"dY must have the output's shape {cache['x_q'].shape}, got {dY.shape}")
    g = {"W_o": weight_grad(cache["concat"], dY), "b_o": dY.reshape(-1, dY.shape[-1]).sum(0)}
    dO = split_heads(matmul(dY, p["W_o"].T), h)  # [..., h, T_q, d_h]
    dQ, dK, dV = sdpa_backward(
        dO, cache["Q"], cache["K"], cache["V"], cache["A"], cache["temperature"]
    )
    dq, dk, dv = merge_heads(dQ), merge_heads(dK), merge_heads(dV)  # [..., T, d]
    return projections_backward(dq, dk, dv, cache["x_q"], cache["x_kv"], p, g)


def projections_backward(dq, dk, dv, x_q, x_kv, p: dict, grads: dict):
    r"""Backward pass of the projections :math:`\mathbf q = \mathbf x_q W_q + \mathbf b_q`, and
    the same for :math:`\mathbf k, \mathbf v` from :math:`\mathbf x_{kv}`, without checks.

    ``dq`` ``[..., T_q, w_q]``, ``dk``/``dv`` ``[..., T_k, w_kv]`` are the gradients of the
    projected queries, keys and values; ``grads`` receives ``W_q, b_q, W_k, …``. Returns
    ``(dx_q, dx_kv, grads)``.
    """
    for n, dz, x in (("q", dq, x_q), ("k", dk, x_kv), ("v", dv, x_kv)):
        grads[f"W_{n}"] = weight_grad(x, dz)  # x^T dz, summed over rows
        grads[f"b_{n}"] = dz.reshape(-1, dz.shape[-1]).sum(0)
    dx_q = matmul(dq, p["W_q"].T)  # [..., T_q, d]
    dx_kv = matmul(dk, p["W_k"].T) + matmul(dv, p["W_v"].T)  # [..., T_k, d]
    return dx_q, dx_kv, grads
