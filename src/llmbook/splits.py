"""A seeded split of a data set into a training part and a held-out part."""

from __future__ import annotations

import numpy as np

from ._checks import as_scalar

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
    f = as_scalar(test_fraction, "test_fraction")
    if not 0 < f < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {f}")
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
