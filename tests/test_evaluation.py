"""Metrics by hand, and the split's guarantees."""

import numpy as np
import pytest

from llmbook import evaluation as ev


def test_split_is_a_seeded_partition():
    parts = ev.split_indices(100, (0.7, 0.15, 0.15), seed=3)
    assert [len(p) for p in parts] == [70, 15, 15]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(100))
    again = ev.split_indices(100, (0.7, 0.15, 0.15), seed=3)
    for a, b in zip(parts, again, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="sum to 1"):
        ev.split_indices(10, (0.5, 0.2))
    with pytest.raises(ValueError, match="empty"):
        ev.split_indices(3, (0.9, 0.05, 0.05))
    with pytest.raises(ValueError, match="n must"):
        ev.split_indices(0)


def test_metrics_by_hand():
    """y = [1, 1, 1, 0, 0], p = [0.9, 0.6, 0.2, 0.7, 0.1]. At 0.5: predictions [1, 1, 0, 1, 0]:
    TP = 2, FN = 1, FP = 1, TN = 1; accuracy 3/5, precision 2/3, recall 2/3.
    At 0.65: predictions [1, 0, 0, 1, 0]: TP = 1, FP = 1, FN = 2: precision 1/2, recall 1/3."""
    y = np.array([1, 1, 1, 0, 0])
    p = np.array([0.9, 0.6, 0.2, 0.7, 0.1])
    pred = (p > 0.5).astype(int)
    assert ev.accuracy(y, pred) == pytest.approx(0.6)
    np.testing.assert_array_equal(ev.confusion_matrix(y, pred), [[1, 1], [1, 2]])
    assert ev.precision_recall(y, p, 0.5) == pytest.approx((2 / 3, 2 / 3))
    assert ev.precision_recall(y, p, 0.65) == pytest.approx((1 / 2, 1 / 3))
    assert ev.precision_recall(y, p, 1.0) == (1.0, 0.0)


def test_metric_errors():
    with pytest.raises(ValueError, match="same length"):
        ev.accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="labels 0 and 1"):
        ev.confusion_matrix([0, 2], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        ev.accuracy([], [])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ev.precision_recall([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="threshold"):
        ev.precision_recall([0, 1], [0.5, 0.5], threshold=2)
