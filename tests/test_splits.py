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
