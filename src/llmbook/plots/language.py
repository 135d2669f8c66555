"""Figures of language before neural networks (chapter 1): how sparse n-gram counts get."""

from __future__ import annotations

import numpy as np

from ._base import new_figure

__all__ = ["ngram_sparsity_figure"]


def ngram_sparsity_figure(orders, unseen, distinct, vocab_size: int, n_train: int):
    r"""Left: the share of validation n-grams never seen in training, per order :math:`n`.
    Right: distinct n-grams seen, against the :math:`|V|^n` possible and the training size.

    Args:
        orders: the orders :math:`n`, ``[k]``.
        unseen: fraction (0 to 1) of validation n-grams unseen, per order, ``[k]``.
        distinct: number of distinct n-grams in training, per order, ``[k]``.
        vocab_size: :math:`|V|`.
        n_train: number of training characters (no order can see more n-grams).
    Returns:
        a :class:`matplotlib.figure.Figure` with two axes.
    Raises:
        ValueError: arrays of different lengths, fractions outside [0, 1].
    """
    orders = np.asarray(orders)
    unseen, distinct = np.asarray(unseen, dtype=float), np.asarray(distinct, dtype=float)
    if not orders.shape == unseen.shape == distinct.shape or orders.ndim != 1:
        raise ValueError("orders, unseen and distinct must be 1-D of one length")
    if np.any((unseen < 0) | (unseen > 1)):
        raise ValueError("unseen must hold fractions in [0, 1]")
    fig = new_figure((9, 3.2))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(orders, 100 * unseen, marker="o")
    ax1.set(xlabel="order n", ylabel="% of validation n-grams unseen", ylim=(0, 100))
    ax2.plot(orders, distinct, marker="o", label="distinct n-grams seen")
    ax2.plot(orders, float(vocab_size) ** orders, ls=":", label="possible, |V|^n")
    ax2.axhline(n_train, color="gray", ls="--", label="training characters")
    ax2.set(xlabel="order n", yscale="log", ylabel="count")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig
