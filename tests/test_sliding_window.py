"""Sliding-window attention: the mask counted by hand, the receptive field of stacked layers
checked by perturbing inputs of a real stack, and the rolling buffer against full attention."""

import numpy as np
import pytest

from llmbook import attention as att
from llmbook import sliding_window as sw


def test_mask_by_hand():
    """T = 5, W = 2: each position sees itself and the one before it."""
    expected = np.array(
        [
            [1, 0, 0, 0, 0],
            [1, 1, 0, 0, 0],
            [0, 1, 1, 0, 0],
            [0, 0, 1, 1, 0],
            [0, 0, 0, 1, 1],
        ],
        dtype=bool,
    )
    np.testing.assert_array_equal(sw.sliding_window_mask(5, 2), expected)


@pytest.mark.parametrize(("T", "W"), [(1, 1), (7, 1), (9, 3), (10, 4), (6, 6), (5, 12)])
def test_each_query_sees_at_most_W_keys(T, W):
    m = sw.sliding_window_mask(T, W)
    counts = m.sum(axis=1)
    # query i sees keys max(0, i-W+1) .. i: min(i+1, W) of them
    np.testing.assert_array_equal(counts, np.minimum(np.arange(T) + 1, W))
    assert counts.max() <= W
    assert not np.triu(m, 1).any()  # causal: nothing from the future
    if W >= T:
        np.testing.assert_array_equal(m, att.causal_mask(T))


@pytest.mark.parametrize(("W", "L"), [(2, 1), (2, 3), (3, 2), (4, 3), (5, 4)])
def test_receptive_field_of_stacked_masks(W, L):
    """Position i after L layers depends on j exactly when i - L(W-1) <= j <= i."""
    T = 30
    r = sw.reachable(sw.sliding_window_mask(T, W), L)
    span = sw.receptive_field(W, L)
    assert span == L * (W - 1) + 1
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    np.testing.assert_array_equal(r, (j <= i) & (j >= i - L * (W - 1)))
    assert r.sum(axis=1).max() == span


def test_receptive_field_in_a_real_stack(rng):
    """Stack L attention layers (with residuals) and perturb one input: only outputs within
    L(W-1) positions after it change, and the farthest of them does change."""
    T, d, h, W, L = 16, 8, 2, 3, 3
    params = [att.init_attention_params(d, rng, scale=0.2) for _ in range(L)]  # soft weights
    mask = sw.sliding_window_mask(T, W)

    def stack(x):
        for p in params:
            x = x + att.multi_head_attention(x, x, p, h, mask=mask)[0]
        return x

    x = rng.normal(size=(T, d))
    j = 2
    x2 = x.copy()
    x2[j] += 1.0
    diff = np.abs(stack(x2) - stack(x)).max(axis=1)
    inside = (np.arange(T) >= j) & (np.arange(T) <= j + L * (W - 1))
    assert np.all(diff[~inside] == 0)  # outside the field the arithmetic is identical
    assert np.all(diff[inside] > 1e-3)  # inside, including its far end j + L(W-1), it changes


@pytest.mark.parametrize(("T", "W"), [(9, 3), (8, 8), (5, 1), (4, 10)])
def test_rolling_buffer_equals_masked_attention(rng, T, W):
    Q, K, V = rng.normal(size=(T, 4)), rng.normal(size=(T, 4)), rng.normal(size=(T, 3))
    out, peak = sw.rolling_buffer_attention(Q, K, V, W)
    ref, _ = att.scaled_dot_product_attention(Q, K, V, mask=sw.sliding_window_mask(T, W))
    np.testing.assert_allclose(out, ref, atol=1e-13, rtol=0)
    assert peak == min(T, W)


def test_bad_input_is_rejected(rng):
    with pytest.raises(ValueError, match="W"):
        sw.sliding_window_mask(4, 0)
    with pytest.raises(ValueError, match="T"):
        sw.sliding_window_mask(2.5, 2)
    with pytest.raises(TypeError, match="square boolean"):
        sw.reachable(np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="see itself"):
        sw.reachable(np.zeros((3, 3), dtype=bool), 2)
    with pytest.raises(ValueError, match="n_layer"):
        sw.receptive_field(4, 0)
    with pytest.raises(ValueError, match="rows"):
        sw.rolling_buffer_attention(
            rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2)), 2
        )
