r"""Splitting data and measuring a classifier: accuracy, confusion matrix, precision, recall.

For binary labels :math:`y \in \{0, 1\}` and predictions :math:`\hat y`, with TP, FP,
FN, TN the counts of true/false positives/negatives:

.. math::
    \text{accuracy} = \frac{TP + TN}{n},\qquad
    \text{precision} = \frac{TP}{TP + FP},\qquad
    \text{recall} = \frac{TP}{TP + FN}.

A predicted probability :math:`p` becomes a label with a threshold :math:`\tau`:
:math:`\hat y = [p > \tau]`. Raising :math:`\tau` trades recall for precision; no
particular :math:`\tau` (0.5 included) balances them in general.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, positive_int, probabilities, probability

__all__ = ["accuracy", "confusion_matrix", "precision_recall", "split_indices"]


def split_indices(n: int, fractions=(0.7, 0.15, 0.15), seed=0) -> list[np.ndarray]:
    """Shuffle ``range(n)`` with ``seed`` and cut it into parts of the given fractions.

    Args:
        n: the number of examples (positive integer).
        fractions: positive numbers summing to 1 (e.g. train, validation, test).
        seed: for ``np.random.default_rng``.
    Returns:
        one index array per fraction; together they hold each index once.
    Raises:
        ValueError: bad ``n`` or fractions, or a part that would be empty.
    """
    n = positive_int(n, "n")
    f = as_array(fractions, "fractions", ndim=(1,))
    if np.any(f <= 0) or not np.isclose(f.sum(), 1.0):
        raise ValueError(f"fractions must be positive and sum to 1, got {list(fractions)}")
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.round(np.cumsum(f)[:-1] * n).astype(int)
    parts = np.split(order, cuts)
    if any(len(p) == 0 for p in parts):
        raise ValueError(f"n={n} is too small for fractions {list(fractions)}: a part is empty")
    return parts


def _labels(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError("y_true must not be empty")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.all((y == 0) | (y == 1)):
            raise ValueError(f"{name} must hold labels 0 and 1")
    return y_true.astype(int), y_pred.astype(int)


def accuracy(y_true, y_pred) -> float:
    """The fraction of predictions equal to the labels. Raises ``ValueError`` on bad labels."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred) -> np.ndarray:
    """The 2x2 matrix ``C[i, j]`` = number of examples of true class ``i`` predicted ``j``.

    So ``C = [[TN, FP], [FN, TP]]``.
    """
    y_true, y_pred = _labels(y_true, y_pred)
    C = np.zeros((2, 2), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def precision_recall(y_true, p, threshold: float = 0.5) -> tuple[float, float]:
    """Precision and recall of the labels ``[p > threshold]``.

    Args:
        y_true: 0/1 labels ``[n]``.
        p: predicted probabilities of class 1 ``[n]``.
        threshold: in [0, 1].
    Returns:
        ``(precision, recall)``; precision is ``nan``-free: 1.0 when nothing is predicted
        positive (no false positives were made).
    """
    p = probabilities(as_array(p, "p", ndim=(1,)), "p")
    threshold = probability(threshold, "threshold")
    (_tn, fp), (fn, tp) = confusion_matrix(y_true, (p > threshold).astype(int))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return float(precision), float(recall)
