r"""Grouped-query attention (and its two extremes, multi-head and multi-query), with backward pass.

Multi-head attention gives each of its :math:`h` query heads its own key and value head.
*Multi-query* attention (Shazeer 2019) keeps :math:`h` query heads but one key head and one
value head that all of them share; *grouped-query* attention (Ainslie et al. 2023) sits in
between: :math:`g` key/value heads, each shared by a group of :math:`r = h/g` query heads.
Query head :math:`j` reads key/value head :math:`\lfloor j / r \rfloor`:

.. math::
    \operatorname{head}_j = \operatorname{Attention}\big(Q^{(j)}, K^{(\lfloor j/r \rfloor)},
    V^{(\lfloor j/r \rfloor)}\big), \qquad
    Y = [\operatorname{head}_1, \dots, \operatorname{head}_h]\, W_O + b_O .

Every head has width :math:`d_h = d/h`. The weights are ``W_q`` ``[d, h d_h]``, ``W_k`` and
``W_v`` ``[d, g d_h]``, ``W_o`` ``[h d_h, d]`` with biases; columns ``j*d_h:(j+1)*d_h`` of
``W_q`` (of ``W_k``) belong to query head ``j`` (key head ``j``). :math:`g = h` is multi-head
attention, :math:`g = 1` multi-query attention. Only the keys and values are cached during
generation, so the KV cache shrinks by :math:`h/g`.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, positive_int
from .attention import projections_backward, scaled_dot_product_attention, sdpa_backward
from .kernels import matmul, merge_heads, split_heads, weight_grad

__all__ = ["gqa_backward", "gqa_forward", "grouped_query_attention", "init_gqa_params"]


def _check_heads(d_model, n_head, n_kv_head):
    positive_int(n_head, "n_head")
    positive_int(n_kv_head, "n_kv_head")
    if d_model % n_head:
        raise ValueError(f"d_model ({d_model}) must be divisible by n_head ({n_head})")
    if n_head % n_kv_head:
        raise ValueError(f"n_head ({n_head}) must be divisible by n_kv_head ({n_kv_head})")


def _param_shapes(d_model, n_head, n_kv_head):
    d_h = d_model // n_head
    kv = n_kv_head * d_h
    return {
        "W_q": (d_model, d_model),
        "b_q": (d_model,),
        "W_k": (d_model, kv),
        "b_k": (kv,),
        "W_v": (d_model, kv),
        "b_v": (kv,),
        "W_o": (d_model, d_model),
        "b_o": (d_model,),
    }


def init_gqa_params(d_model: int, n_head: int, n_kv_head: int, rng=None, scale: float = 0.02):
    r"""Weights for :func:`gqa_forward`: matrices :math:`\sim \mathcal N(0, \mathrm{scale}^2)`, zero biases.

    Returns:
        dict with ``W_q, W_o`` ``[d, d]``, ``W_k, W_v`` ``[d, g d_h]`` and their biases.
    Raises:
        ValueError: sizes that are not positive integers, ``n_head`` not dividing ``d_model``
            or ``n_kv_head`` not dividing ``n_head``.
    """
    positive_int(d_model, "d_model")
    _check_heads(d_model, n_head, n_kv_head)
    rng = np.random.default_rng(rng)
    return {
        k: (rng.normal(0.0, scale, size=s) if k[0] == "W" else np.zeros(s))
        for k, s in _param_shapes(d_model, n_head, n_kv_head).items()
    }


def _check(x_q, x_kv, params, n_head, n_kv_head):
    x_q = as_array(x_q, "x_q", ndim=(2, 3))
    x_kv = as_array(x_kv, "x_kv", ndim=(2, 3))
    d = x_q.shape[-1]
    if x_kv.shape[-1] != d or x_kv.shape[:-2] != x_q.shape[:-2]:
        raise ValueError(
            f"x_q and x_kv must share batch axes and width, got {x_q.shape} and {x_kv.shape}"
        )
    _check_heads(d, n_head, n_kv_head)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    for k, s in _param_shapes(d, n_head, n_kv_head).items():
        if k not in params:
            raise ValueError(f"params is missing {k}")
        if np.shape(params[k]) != s:
            raise ValueError(f"params {k} must have shape {s}, got {np.shape(params[k])}")
    return x_q, x_kv


def gqa_forward(x_q, x_kv, params: dict, n_head: int, n_kv_head: int, mask=None):
    r"""Grouped-query attention forward pass, keeping what the backward pass needs.

    .. math:: Q = X_q W_Q + b_Q\ (h \text{ heads}),\quad K = X_{kv} W_K + b_K,\quad
              V = X_{kv} W_V + b_V\ (g \text{ heads}),\quad
              \operatorname{head}_j = \operatorname{Attention}(Q^{(j)}, K^{(\lfloor j/r\rfloor)}, V^{(\lfloor j/r\rfloor)})

    Args:
        x_q: query input ``[B, T_q, d]`` (or ``[T_q, d]``).
        x_kv: key/value input ``[B, T_k, d]`` (pass ``x_q`` again for self-attention).
        params: dict as from :func:`init_gqa_params`.
        n_head: query heads :math:`h`, dividing :math:`d`.
        n_kv_head: key/value heads :math:`g`, dividing :math:`h` (``h``: MHA, 1: MQA).
        mask: optional boolean mask broadcastable to ``[T_q, T_k]``, True where a query may look.
    Returns:
        ``(Y, cache)``: output ``[B, T_q, d]`` and what :func:`gqa_backward` needs; ``cache["A"]``
        holds the weights ``[B, g, r, T_q, T_k]`` (query head ``j`` is group ``j // r``, member ``j % r``).
    Raises:
        TypeError, ValueError: bad inputs, shapes, head counts or mask.
    """
    x_q, x_kv = _check(x_q, x_kv, params, n_head, n_kv_head)
    p, g, r = params, n_kv_head, n_head // n_kv_head
    Q = split_heads(matmul(x_q, p["W_q"]) + p["b_q"], n_head)  # [..., h, T_q, d_h]
    K = split_heads(matmul(x_kv, p["W_k"]) + p["b_k"], g)  # [..., g, T_k, d_h]
    V = split_heads(matmul(x_kv, p["W_v"]) + p["b_v"], g)  # [..., g, T_k, d_h]
    Q = Q.reshape(*Q.shape[:-3], g, r, *Q.shape[-2:])  # [..., g, r, T_q, d_h]: r queries per group
    K, V = K[..., None, :, :], V[..., None, :, :]  # [..., g, 1, T_k, d_h], shared in the group
    heads, A = scaled_dot_product_attention(Q, K, V, mask=mask)  # [..., g, r, T_q, d_h]
    concat = merge_heads(
        heads.reshape(*heads.shape[:-4], n_head, *heads.shape[-2:])
    )  # [..., T_q, d]
    Y = matmul(concat, p["W_o"]) + p["b_o"]  # [..., T_q, d]
    cache = dict(x_q=x_q, x_kv=x_kv, Q=Q, K=K, V=V, A=A, concat=concat, params=p, n_head=n_head)
    return Y, cache


def grouped_query_attention(x_q, x_kv, params: dict, n_head: int, n_kv_head: int, mask=None):
    """Grouped-query attention output ``[B, T_q, d]`` and weights ``[B, h, T_q, T_k]``.

    Same arguments and errors as :func:`gqa_forward`.
    """
    Y, cache = gqa_forward(x_q, x_kv, params, n_head, n_kv_head, mask=mask)
    A = cache["A"]
    return Y, A.reshape(*A.shape[:-4], n_head, *A.shape[-2:])


def gqa_backward(dY, cache: dict):
    r"""Backward pass of :func:`gqa_forward`.

    Inside each group this is multi-head attention's backward pass (:func:`sdpa_backward`);
    a key/value head used by :math:`r` query heads receives the *sum* of their gradients:

    .. math:: \frac{\partial L}{\partial K^{(k)}} = \sum_{j:\ \lfloor j/r\rfloor = k}
              \frac{\partial L}{\partial K^{(k)}}\Big|_{\operatorname{head}_j}
              \quad(\text{and the same for } V).

    Args:
        dY: upstream gradient ``[B, T_q, d]``.
        cache: the second value returned by :func:`gqa_forward`.
    Returns:
        ``(dx_q, dx_kv, grads)``; ``grads`` has one entry per parameter, shaped like it.
    Raises:
        ValueError: ``dY`` not of the output's shape.
    """
    p, h = cache["params"], cache["n_head"]
    dY = as_array(dY, "dY")
    if dY.shape != cache["x_q"].shape:
        raise ValueError(f"dY must have the output's shape {cache['x_q'].shape}, got {dY.shape}")
    Q, K, V, A = cache["Q"], cache["K"], cache["V"], cache["A"]
    grads = {"W_o": weight_grad(cache["concat"], dY), "b_o": dY.reshape(-1, dY.shape[-1]).sum(0)}
    dO = split_heads(matmul(dY, p["W_o"].T), h).reshape(Q.shape)  # [..., g, r, T_q, d_h]
    dQ, dK, dV = sdpa_backward(dO, Q, K, V, A)  # dK, dV: [..., g, r, T_k, d_h]
    dK, dV = dK.sum(axis=-3), dV.sum(axis=-3)  # a shared head sums its group: [..., g, T_k, d_h]
    dq = merge_heads(dQ.reshape(*dQ.shape[:-4], h, *dQ.shape[-2:]))  # [..., T_q, d]
    dk, dv = merge_heads(dK), merge_heads(dV)  # [..., T_k, g d_h]
    return projections_backward(dq, dk, dv, cache["x_q"], cache["x_kv"], p, grads)
