"""A seeded split of a data set into a training part and a held-out part."""

from __future__ import annotations

import numpy as np

from ._checks import fraction, integer, positive_int

__all__ = ["train_test_split"]


def train_test_split(*arrays, test_fraction: float = 0.1, seed: int = 0):
    r"""Shuffle with a seed and cut off a held-out part, keeping parallel lists aligned.

    The same permutation of the :math:`N` items is applied to every argument; the first
    :math:`\lceil f N \rceil` items of the permutation are held out (:math:`f` =
    ``test_fraction``), so each item lands on exactly one side.

    Args:
        *arrays: one or more lists (or arrays) of the same length :math:`N \ge 2`.
        test_fraction: :math:`f`, in the open interval (0, 1).
        seed: the seed of ``numpy.random.default_rng``; the same seed gives the same split.
    Returns:
        ``(train, test)`` for one argument, ``(train_1, test_1, train_2, test_2, ...)``
        for several; each part is a list (or an array if the input was an array).
    Raises:
        ValueError: no arrays, lengths differ, fewer than 2 items, or ``test_fraction``
            outside (0, 1), or a split that would leave one side empty.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one list to split")
    f = fraction(test_fraction, "test_fraction")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"all arrays must have the same length, got {[len(a) for a in arrays]}")
    n_test = int(np.ceil(f * n))
    if n < 2 or n_test >= n:
        raise ValueError(f"cannot split {n} item(s) with test_fraction={f}: one side is empty")
    perm = np.random.default_rng(seed).permutation(n)
    test_idx, train_idx = perm[:n_test], perm[n_test:]
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            out += [a[train_idx], a[test_idx]]
        else:
            out += [[a[i] for i in train_idx], [a[i] for i in test_idx]]
    return tuple(out)


def selection_optimism(correct, subset_size: int, repeats: int = 200, seed: int = 0):
    r"""How much choosing a configuration *on the test set* overstates its accuracy.

    ``correct[k, i]`` says whether configuration :math:`k` got example :math:`i` right.
    Each repeat draws a "test set" :math:`S` of ``subset_size`` examples without
    replacement, picks :math:`k^* = \arg\max_k \mathrm{acc}_S(k)` (ties: the first), and
    records :math:`\mathrm{acc}_S(k^*)` and the accuracy of the same :math:`k^*` on the
    examples outside :math:`S`, which played no part in the choice. The mean gap is the
    optimism of reporting the score used for choosing.

    Args:
        correct: array ``[K, N]`` of booleans (or 0/1), ``K >= 1`` configurations.
        subset_size: :math:`1 \le |S| < N`.
        repeats: the number of random test sets, >= 1.
        seed: seed of ``numpy.random.default_rng``.
    Returns:
        ``(chosen, on_subset, on_rest)``: arrays ``[repeats]`` of the chosen index, its
        accuracy on :math:`S` and its accuracy on the rest.
    Raises:
        ValueError: ``correct`` not 2-D or empty, or sizes out of range.
    """
    c = np.asarray(correct, dtype=np.float64)
    if c.ndim != 2 or c.size == 0:
        raise ValueError(f"correct must be a non-empty 2-D array [K, N], got shape {c.shape}")
    n = c.shape[1]
    subset_size = integer(subset_size, "subset_size", minimum=1, maximum=n - 1)
    repeats = positive_int(repeats, "repeats")
    rng = np.random.default_rng(seed)
    chosen = np.empty(repeats, dtype=np.int64)
    on_subset, on_rest = np.empty(repeats), np.empty(repeats)
    total = c.sum(axis=1)  # [K]
    for r in range(repeats):
        subset = rng.choice(n, size=subset_size, replace=False)
        in_s = c[:, subset].sum(axis=1)  # [K]
        k = int(np.argmax(in_s))
        chosen[r] = k
        on_subset[r] = in_s[k] / subset_size
        on_rest[r] = (total[k] - in_s[k]) / (n - subset_size)
    return chosen, on_subset, on_rest
