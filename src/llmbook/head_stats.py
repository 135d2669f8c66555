r"""What each attention head of a trained GPT looks at, measured: weight on itself, on the previous token, entropy.

For a head's causal attention weights :math:`A_{ij}` (query :math:`i`, key :math:`j \le i`,
rows summing to 1), averaged over query positions :math:`i \ge 1` and over windows:

.. math::
    \text{self} = \overline{A_{ii}},\qquad
    \text{previous} = \overline{A_{i,i-1}},\qquad
    H = \overline{-\textstyle\sum_{j \le i} A_{ij}\ln A_{ij}}\ \text{nats}.

A *previous-token head* puts most of its weight on :math:`j = i-1`; a head that spreads its
weight evenly over the :math:`i+1` keys it may read has :math:`\text{self} =
\text{previous} = \overline{1/(i+1)}` and :math:`H = \overline{\ln(i+1)}`, the reference
:func:`uniform_statistics` gives.
"""

from __future__ import annotations

import numpy as np

from . import gpt

__all__ = ["attention_statistics", "head_statistics", "uniform_statistics"]


def attention_statistics(A) -> dict[str, np.ndarray]:
    """Per-head means of the weight on self, on the previous key, and of the entropy.

    Args:
        A: causal attention weights ``[B, h, T, T]``, ``T >= 2``.
    Returns:
        ``{"self": [h], "previous": [h], "entropy": [h]}``, means over windows and query
        positions ``1 .. T-1``.
    Raises:
        ValueError: a bad shape, or rows that do not sum to 1.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 4 or A.shape[-1] != A.shape[-2] or A.shape[-1] < 2:
        raise ValueError(f"A must have shape [B, h, T, T] with T >= 2, got {A.shape}")
    if not np.allclose(A.sum(-1), 1.0, atol=1e-5):
        raise ValueError("each row of A must sum to 1")
    T = A.shape[-1]
    i = np.arange(1, T)
    diag = A[..., i, i]  # [B, h, T-1]
    prev = A[..., i, i - 1]  # [B, h, T-1]
    plogp = np.where(A > 0, A * np.log(np.where(A > 0, A, 1.0)), 0.0)
    ent = -plogp.sum(-1)[..., 1:]  # [B, h, T-1]
    return {
        "self": diag.mean(axis=(0, 2)),
        "previous": prev.mean(axis=(0, 2)),
        "entropy": ent.mean(axis=(0, 2)),
    }


def uniform_statistics(T: int) -> dict[str, float]:
    r"""The same statistics for weights spread evenly over the keys, :math:`A_{ij} = 1/(i+1)`."""
    i = np.arange(1, T)
    return {"self": float(np.mean(1 / (i + 1))), "previous": float(np.mean(1 / (i + 1))),
            "entropy": float(np.mean(np.log(i + 1)))}  # fmt: skip


def head_statistics(params, cfg: gpt.GPTConfig, ids, n_windows=20) -> list[dict]:
    """:func:`attention_statistics` of every head of every block on consecutive windows of ``ids``.

    Args:
        params, cfg: the model.
        ids: token ids ``[L]``, ``L >= n_windows * n_ctx``.
        n_windows: how many windows of ``n_ctx`` tokens, from the start of ``ids``.
    Returns:
        one dict per head: ``block``, ``head`` (both from 1), ``self``, ``previous``,
        ``entropy``.
    """
    ids = np.asarray(ids)
    T = cfg.n_ctx
    if ids.ndim != 1 or ids.size < n_windows * T:
        raise ValueError(f"ids must be 1-D with at least {n_windows * T} tokens")
    x = ids[: n_windows * T].reshape(n_windows, T)
    _, cache = gpt.forward(params, cfg, x, logits=False)
    rows = []
    for b, c in enumerate(cache["blocks"], start=1):
        st = attention_statistics(c["attn"]["A"])
        for h in range(cfg.n_head):
            rows.append({"block": b, "head": h + 1, **{k: float(v[h]) for k, v in st.items()}})
    return rows
