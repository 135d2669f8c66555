r"""The online softmax and tiled attention: attention without the :math:`T \times T` matrix.

The softmax of a row :math:`z_1, \dots, z_n` needs its maximum :math:`m` (for stability) and
its normaliser :math:`\ell = \sum_j e^{z_j - m}`. Milakov & Gimelshein (2018) compute both in
one pass over blocks of the row: after the block :math:`z_{B}`,

.. math::
    m' = \max\big(m, \max_{j \in B} z_j\big), \qquad
    \ell' = \ell\, e^{m - m'} + \sum_{j \in B} e^{z_j - m'} ,

the old sum being rescaled to the new maximum. Attention needs :math:`\sum_j p_j \mathbf v_j`,
not the :math:`p_j` themselves, so an unnormalised accumulator :math:`\mathbf a` can be rescaled
the same way, :math:`\mathbf a' = \mathbf a\, e^{m - m'} + \sum_{j\in B} e^{z_j - m'}\mathbf v_j`,
and divided by :math:`\ell` at the end. FlashAttention (Dao et al. 2022) runs this loop over
blocks of keys and values for each block of queries, so the scores exist only one
:math:`B_q \times B_k` tile at a time: memory :math:`O(T d)` instead of :math:`O(T^2)`. (Its speed
on a GPU comes from keeping the tiles in on-chip SRAM and reading each block of :math:`K, V`
from HBM once per query block; numpy has no such memory hierarchy, so here the tiling saves
memory, not time.)
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from ._checks import as_array
from .attention import scaled_dot_product_attention

__all__ = ["attention_memory", "memory_figure", "online_softmax", "tiled_attention"]


def _block(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def online_softmax(z, block: int):
    r"""Softmax of the last axis with its maximum and normaliser found in one pass over blocks.

    .. math:: m' = \max(m, \max_{j\in B} z_j),\quad \ell' = \ell\,e^{m-m'} + \sum_{j\in B} e^{z_j-m'},
              \quad p_j = e^{z_j - m}/\ell

    Args:
        z: array ``[..., n]``.
        block: block size along the last axis (need not divide ``n``).
    Returns:
        ``(p, m, ell)``: the softmax ``[..., n]``, the maxima and normalisers ``[...]``.
    Raises:
        TypeError, ValueError: bad ``z``, a 0-d ``z`` or a bad ``block``.
    """
    z = as_array(z, "z")
    if z.ndim == 0:
        raise ValueError("z must have at least one dimension for softmax, got a scalar")
    block = _block(block, "block")
    m = np.full(z.shape[:-1], -np.inf)  # running maximum
    ell = np.zeros(z.shape[:-1])  # running sum of exp(z - m)
    for j0 in range(0, z.shape[-1], block):
        zb = z[..., j0 : j0 + block]  # [..., B]
        m_new = np.maximum(m, zb.max(axis=-1))
        ell = ell * np.exp(m - m_new) + np.exp(zb - m_new[..., None]).sum(axis=-1)
        m = m_new
    return np.exp(z - m[..., None]) / ell[..., None], m, ell


def _tiled_attention(Q, K, V, block_q, block_k, causal):
    """The kernel of :func:`tiled_attention`, without checks."""
    T_q, T_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    out = np.empty((*Q.shape[:-1], V.shape[-1]))  # [..., T_q, d_v]
    for i0 in range(0, T_q, block_q):
        Qi = Q[..., i0 : i0 + block_q, :] * scale  # [..., B_q, d_k]
        rows = np.arange(i0, i0 + Qi.shape[-2])[:, None] + (T_k - T_q)  # last key each sees
        m = np.full((*Qi.shape[:-1], 1), -np.inf)  # running max, [..., B_q, 1]
        ell = np.zeros((*Qi.shape[:-1], 1))  # running sum, [..., B_q, 1]
        acc = np.zeros((*Qi.shape[:-1], V.shape[-1]))  # unnormalised output, [..., B_q, d_v]
        for j0 in range(0, T_k, block_k):
            if causal and j0 > rows[-1, 0]:
                break  # this key block and all later ones are in every query's future
            S = Qi @ np.swapaxes(K[..., j0 : j0 + block_k, :], -1, -2)  # [..., B_q, B_k]
            if causal:
                S = np.where(np.arange(j0, j0 + S.shape[-1]) <= rows, S, -np.inf)
            m_new = np.maximum(m, S.max(axis=-1, keepdims=True))
            alpha = np.exp(m - m_new)  # rescales what was summed under the old max
            P = np.exp(S - m_new)  # [..., B_q, B_k], unnormalised weights
            ell = alpha * ell + P.sum(axis=-1, keepdims=True)
            acc = alpha * acc + P @ V[..., j0 : j0 + block_k, :]
            m = m_new
        out[..., i0 : i0 + block_q, :] = acc / ell
    return out


def tiled_attention(Q, K, V, block_k: int = 64, block_q: int | None = None, causal: bool = False):
    r"""Attention :math:`\operatorname{softmax}(QK^\top/\sqrt{d_k})V`, tile by tile with the online softmax.

    For each block of queries, the blocks of keys and values are visited in order, keeping a
    running maximum :math:`m`, normaliser :math:`\ell` and unnormalised output :math:`\mathbf a`
    per query; the output is :math:`\mathbf a / \ell`. Never forms the ``[T_q, T_k]`` scores.

    Args:
        Q: queries ``[..., T_q, d_k]``; K: keys ``[..., T_k, d_k]``; V: values ``[..., T_k, d_v]``.
        block_k: keys per tile (need not divide ``T_k``).
        block_q: queries per tile (default: all queries at once).
        causal: mask as :func:`llmbook.attention.causal_mask` (query ``i`` of ``T_q`` is
            position ``i + T_k - T_q``; needs ``T_k >= T_q``).
    Returns:
        output ``[..., T_q, d_v]``, equal to :func:`llmbook.attention.scaled_dot_product_attention`'s.
    Raises:
        TypeError, ValueError: bad arrays or shapes, bad block sizes, causal with ``T_k < T_q``.
    """
    Q, K, V = (as_array(a, n, ndim=(2, 3, 4)) for a, n in ((Q, "Q"), (K, "K"), (V, "V")))
    if Q.shape[-1] != K.shape[-1] or K.shape[-2] != V.shape[-2]:
        raise ValueError(f"shapes do not fit: Q {Q.shape}, K {K.shape}, V {V.shape}")
    if causal and K.shape[-2] < Q.shape[-2]:
        raise ValueError(f"causal attention needs T_k >= T_q, got {K.shape[-2]} < {Q.shape[-2]}")
    block_k = _block(block_k, "block_k")
    block_q = Q.shape[-2] if block_q is None else _block(block_q, "block_q")
    return _tiled_attention(Q, K, V, block_q, block_k, bool(causal))


def _peak_bytes(f, *args, **kwargs):
    """Peak memory allocated while ``f(*args, **kwargs)`` runs (tracemalloc sees numpy's
    arrays), its time in seconds and its result."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        result = f(*args, **kwargs)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, seconds, result


def attention_memory(T_values, d: int = 64, block: int = 128, seed: int = 0):
    r"""Measured peak memory (bytes) of standard and tiled attention for each sequence length.

    For each :math:`T`: random float64 ``Q, K, V`` ``[T, d]``, then the peak of what
    :func:`llmbook.attention.scaled_dot_product_attention` allocates (scores and weights,
    :math:`O(T^2)`) and what :func:`tiled_attention` with ``block`` queries and keys per tile
    allocates (:math:`O(Td + B^2)`), measured with :mod:`tracemalloc`, both causal.

    Returns:
        dict of arrays: ``T``, ``standard``, ``tiled`` (peak bytes), ``scores`` (the bytes
        of one ``[T, T]`` float64 matrix, :math:`8T^2`), ``standard_s``, ``tiled_s`` (seconds
        measured on this machine), ``max_abs_diff`` (between the two outputs).
    Raises:
        ValueError: bad sizes.
    """
    T_values = [_block(T, "T") for T in T_values]
    if not T_values:
        raise ValueError("T_values must not be empty")
    d, block = _block(d, "d"), _block(block, "block")
    out = {
        k: [] for k in ("T", "standard", "tiled", "scores", "standard_s", "tiled_s", "max_abs_diff")
    }
    rng = np.random.default_rng(seed)
    for T in T_values:
        Q, K, V = (rng.normal(size=(T, d)) for _ in range(3))
        mask = np.tril(np.ones((T, T), dtype=bool))  # made before measuring: an input, as Q, K, V
        std, std_s, s_out = _peak_bytes(scaled_dot_product_attention, Q, K, V, mask=mask)
        til, til_s, t_out = _peak_bytes(tiled_attention, Q, K, V, block, block, causal=True)
        for k, v in zip(
            out,
            (T, std, til, 8 * T * T, std_s, til_s, float(np.abs(s_out[0] - t_out).max())),
            strict=True,
        ):
            out[k].append(v)
    return {k: np.array(v) for k, v in out.items()}


def memory_figure(measured: dict):
    """Log-log plot of the peak memory of standard and tiled attention against ``T``.

    Args:
        measured: the dict returned by :func:`attention_memory`.
    Returns:
        a matplotlib Figure; its lines hold ``measured["standard"]`` and ``measured["tiled"]``
        in MiB against ``measured["T"]``.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    MiB = 2**20
    ax.loglog(measured["T"], measured["standard"] / MiB, "o-", label="standard attention")
    ax.loglog(measured["T"], measured["tiled"] / MiB, "s-", label="tiled (online softmax)")
    ax.loglog(measured["T"], measured["scores"] / MiB, ":", color="gray", label="one T×T matrix")
    ax.set_xticks(measured["T"], [str(T) for T in measured["T"]])
    ax.minorticks_off()
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("peak memory (MiB)")
    ax.legend()
    fig.tight_layout()
    return fig
