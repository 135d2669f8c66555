r"""Self-attention built one idea at a time, as chapter 13 builds it.

Each function adds one idea to the one before it, so that two neighbours differ by a line
or two; the last, with dropout off, is :func:`llmbook.attention.multi_head_attention` with
the causal mask. Every function takes inputs ``X`` of shape ``[..., T, d]`` (any leading
batch axes) and returns the outputs and the attention weights ``A``.

1. :func:`dot_product_attention`: weights from the inputs themselves,
   :math:`a_{ij} = \operatorname{softmax}_j(\mathbf x_i \cdot \mathbf x_j)`,
   :math:`\mathbf z_i = \sum_j a_{ij} \mathbf x_j`.
2. :func:`projected_attention`: queries, keys and values are learned projections,
   :math:`Q = XW_Q`, :math:`K = XW_K`, :math:`V = XW_V`; :math:`O = \operatorname{softmax}(QK^\top)V`.
3. :func:`scaled_attention`: the scores divided by :math:`\sqrt{d_k}`.
4. :func:`causal_attention`: :math:`M_{ij} = -\infty` for :math:`j > i` added to the scores.
5. :func:`causal_multi_head_attention`: :math:`h` heads of width :math:`d_h = d/h`, with
   biases, concatenated and mixed by :math:`W_O`.
6. :func:`causal_multi_head_attention_dropout`: inverted dropout on the weights :math:`A`.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float
from .attention import _check_params, causal
from .kernels import matmul, merge_heads, softmax, split_heads
from .regularization import dropout, dropout_mask

__all__ = [
    "causal_attention",
    "causal_multi_head_attention",
    "causal_multi_head_attention_dropout",
    "dot_product_attention",
    "projected_attention",
    "scaled_attention",
]


def _inputs(X, *W):
    """``X`` ``[..., T, d]`` as floats, and the projections, checked against it."""
    X = as_float(X, "X", ndim=(2, 3, 4))
    names = ("W_q", "W_k", "W_v")[: len(W)]
    W = [as_float(w, name, ndim=(2,)) for w, name in zip(W, names, strict=True)]
    for w, name in zip(W, names, strict=True):
        if w.shape[0] != X.shape[-1]:
            raise ValueError(f"{name} must have {X.shape[-1]} rows (X's width), got {w.shape}")
    if W and W[0].shape[1] != W[1].shape[1]:
        raise ValueError(f"W_q and W_k must have as many columns, got {W[0].shape}, {W[1].shape}")
    return X, W


def dot_product_attention(X):
    r"""Step 1, no weights to learn: :math:`Z = \operatorname{softmax}(XX^\top)X`.

    Args:
        X: inputs ``[..., T, d]``.
    Returns:
        ``(Z, A)``: context vectors ``[..., T, d]``, weights ``[..., T, T]``.
    Raises:
        ValueError: ``X`` not 2- to 4-D, empty, or not finite.
    """
    X, _ = _inputs(X)
    S = X @ X.swapaxes(-1, -2)  # [..., T, T]: s_ij = x_i . x_j
    A = softmax(S)  # [..., T, T]: a_ij, each row sums to 1
    Z = A @ X  # [..., T, d]: z_i = sum_j a_ij x_j
    return Z, A


def projected_attention(X, W_q, W_k, W_v):
    r"""Step 2, projections: :math:`O = \operatorname{softmax}(QK^\top)V`.

    :math:`Q = XW_Q`, :math:`K = XW_K`, :math:`V = XW_V`.

    Args:
        X: inputs ``[..., T, d]``; W_q, W_k: ``[d, d_k]``; W_v: ``[d, d_v]``.
    Returns:
        ``(O, A)``: outputs ``[..., T, d_v]``, weights ``[..., T, T]``.
    Raises:
        ValueError: bad shapes or non-finite numbers.
    """
    X, (W_q, W_k, W_v) = _inputs(X, W_q, W_k, W_v)
    Q, K, V = X @ W_q, X @ W_k, X @ W_v  # [..., T, d_k], [.., d_k], [.., d_v]
    S = Q @ K.swapaxes(-1, -2)  # [..., T, T]: s_ij = q_i . k_j
    A = softmax(S)  # [..., T, T]
    return A @ V, A  # O [..., T, d_v]: o_i = sum_j a_ij v_j


def scaled_attention(X, W_q, W_k, W_v):
    r"""Step 3, scaled: :math:`O = \operatorname{softmax}(QK^\top/\sqrt{d_k})V`.

    Arguments, returns and errors as :func:`projected_attention`.
    """
    X, (W_q, W_k, W_v) = _inputs(X, W_q, W_k, W_v)
    Q, K, V = X @ W_q, X @ W_k, X @ W_v  # [..., T, d_k], [.., d_k], [.., d_v]
    d_k = K.shape[-1]
    S = Q @ K.swapaxes(-1, -2) / math.sqrt(d_k)  # [..., T, T]: variance ~1
    A = softmax(S)  # [..., T, T]
    return A @ V, A  # [..., T, d_v]


def causal_attention(X, W_q, W_k, W_v):
    r"""Step 4, causal: :math:`O = \operatorname{softmax}(QK^\top/\sqrt{d_k} + M)V`.

    :math:`M_{ij} = -\infty` for :math:`j > i`, so ``A`` is lower-triangular.
    Arguments, returns and errors as :func:`projected_attention`.
    """
    X, (W_q, W_k, W_v) = _inputs(X, W_q, W_k, W_v)
    Q, K, V = X @ W_q, X @ W_k, X @ W_v  # [..., T, d_k], [.., d_k], [.., d_v]
    T, d_k = X.shape[-2], K.shape[-1]
    S = Q @ K.swapaxes(-1, -2) / math.sqrt(d_k)  # [..., T, T]
    S = np.where(causal(T, T), S, -np.inf)  # M_ij = -inf where j > i
    A = softmax(S)  # [..., T, T]: a_ij = 0 for j > i
    return A @ V, A  # [..., T, d_v]


def _heads(X, p, h):
    X = as_float(X, "X", ndim=(2, 3, 4))
    _check_params(p, X.shape[-1], h)
    return X


def causal_multi_head_attention(X, p: dict, h: int):
    r"""Step 5, :math:`h` causal heads of width :math:`d_h = d/h`, mixed by W_O.

    :math:`\mathrm{head}_j = \mathrm{softmax}(Q^{(j)}K^{(j)\top}/\sqrt{d_h}
    + M)V^{(j)}`, :math:`Y = [\mathrm{head}_1, \dots, \mathrm{head}_h]
    W_O + \mathbf b_O`.

    Args:
        X: inputs ``[..., T, d]``; p: weights as from
        :func:`llmbook.attention.init_attention_params`; h: heads, dividing d.
    Returns:
        ``(Y, A)``: outputs ``[..., T, d]``, weights ``[..., h, T, T]``.
    Raises:
        TypeError, ValueError: bad shapes, parameters or ``h``.
    """
    X = _heads(X, p, h)
    Q = split_heads(matmul(X, p["W_q"]) + p["b_q"], h)  # [..., h, T, d_h]
    K = split_heads(matmul(X, p["W_k"]) + p["b_k"], h)  # [..., h, T, d_h]
    V = split_heads(matmul(X, p["W_v"]) + p["b_v"], h)  # [..., h, T, d_h]
    T, d_h = X.shape[-2], Q.shape[-1]
    S = Q @ K.swapaxes(-1, -2) / math.sqrt(d_h)  # [..., h, T, T]: all heads
    A = softmax(np.where(causal(T, T), S, -np.inf))  # [..., h, T, T]
    heads = merge_heads(A @ V)  # [..., T, d]: [head_1, ..., head_h]
    return matmul(heads, p["W_o"]) + p["b_o"], A  # Y [..., T, d]


def causal_multi_head_attention_dropout(X, p: dict, h: int, rate: float, seed=0):
    r"""Step 6, dropout on the weights: :math:`M \odot A / (1 - r)` replaces A.

    In training each weight :math:`a_{ij}` is kept with probability 1 - r and
    scaled by 1/(1 - r) (:func:`llmbook.regularization.dropout`); ``rate=0``
    is step 5.

    Args:
        X, p, h: as :func:`causal_multi_head_attention`; rate: the drop
        probability r, in [0, 1); seed: seeds the keep-mask :math:`M`.
    Returns:
        ``(Y, A_drop)``: outputs ``[..., T, d]``, weights after dropout
        ``[..., h, T, T]``.
    Raises:
        TypeError, ValueError: as step 5, or ``rate`` outside [0, 1).
    """
    X = _heads(X, p, h)
    Q = split_heads(matmul(X, p["W_q"]) + p["b_q"], h)  # [..., h, T, d_h]
    K = split_heads(matmul(X, p["W_k"]) + p["b_k"], h)  # [..., h, T, d_h]
    V = split_heads(matmul(X, p["W_v"]) + p["b_v"], h)  # [..., h, T, d_h]
    T, d_h = X.shape[-2], Q.shape[-1]
    S = Q @ K.swapaxes(-1, -2) / math.sqrt(d_h)  # [..., h, T, T]
    A = softmax(np.where(causal(T, T), S, -np.inf))  # [..., h, T, T]
    M = dropout_mask(A.shape, rate, seed)  # [..., h, T, T]: 1 keep, 0 drop
    A = dropout(A, M, rate)  # [..., h, T, T]: M * A / (1 - r)
    heads = merge_heads(A @ V)  # [..., T, d]
    return matmul(heads, p["W_o"]) + p["b_o"], A  # Y [..., T, d]
