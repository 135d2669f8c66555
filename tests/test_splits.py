"""llmbook.splits: every item on exactly one side, reproducible under a seed."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmbook.splits import train_test_split


@given(st.integers(2, 300), st.floats(0.01, 0.99), st.integers(0, 2**32 - 1))
def test_partition_sizes_and_alignment(n, f, seed):
    items = list(range(n))
    labels = np.arange(n) * 10
    if int(np.ceil(f * n)) >= n:
        with pytest.raises(ValueError, match="empty"):
            train_test_split(items, labels, test_fraction=f, seed=seed)
        return
    tr, te, ltr, lte = train_test_split(items, labels, test_fraction=f, seed=seed)
    assert sorted(tr + te) == items  # a partition: nothing lost, nothing twice
    assert len(te) == int(np.ceil(f * n))
    np.testing.assert_array_equal(ltr, np.array(tr) * 10)  # parallel lists stay aligned
    np.testing.assert_array_equal(lte, np.array(te) * 10)


def test_same_seed_same_split_other_seed_other_split():
    items = list(range(100))
    assert train_test_split(items, seed=3) == train_test_split(items, seed=3)
    assert train_test_split(items, seed=3) != train_test_split(items, seed=4)


def test_errors():
    with pytest.raises(ValueError, match="at least one"):
        train_test_split()
    with pytest.raises(ValueError, match="same length"):
        train_test_split([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split([1, 2, 3], test_fraction=1.0)
    with pytest.raises(ValueError, match="empty"):
        train_test_split([1])


def test_selection_optimism_by_hand():
    from llmbook.splits import selection_optimism

    # Two complementary configurations on 4 examples, test sets of 2:
    # S = {0,1}: config 0 scores 1 on S, 0 on the rest; S = {2,3}: config 1, same;
    # mixed S: both score 0.5, config 0 is chosen and scores 0.5 on the rest.
    correct = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    chosen, on_s, on_rest = selection_optimism(correct, 2, repeats=50, seed=0)
    gaps = set(np.round(on_s - on_rest, 12))
    assert gaps <= {0.0, 1.0} and 1.0 in gaps
    assert np.all(on_s >= 0.5)
    assert set(chosen.tolist()) == {0, 1}


def test_selection_optimism_is_positive_for_equally_good_configurations():
    from llmbook.splits import selection_optimism

    rng = np.random.default_rng(0)
    correct = rng.random((20, 2000)) < 0.8  # 20 configurations, all 80 % accurate
    _, on_s, on_rest = selection_optimism(correct, 100, repeats=300, seed=1)
    # the best of 20 noisy scores on 100 examples exceeds the truth by about
    # 1.87 standard deviations, sqrt(0.8 * 0.2 / 100) = 0.04: about 0.075
    assert 0.05 < (on_s - on_rest).mean() < 0.1
    assert abs(on_rest.mean() - 0.8) < 0.01


def test_selection_optimism_errors():
    from llmbook.splits import selection_optimism

    with pytest.raises(ValueError, match="correct"):
        selection_optimism(np.zeros(5), 2)
    with pytest.raises(ValueError, match="subset_size"):
        selection_optimism(np.zeros((2, 5)), 5)
    with pytest.raises(ValueError, match="repeats"):
        selection_optimism(np.zeros((2, 5)), 2, repeats=0)
