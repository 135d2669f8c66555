"""The online softmax and tiled attention against the package's softmax and standard attention
(float64, to 1e-12), and the measured memory: quadratic for standard, linear for tiled."""

import numpy as np
import pytest

from llmbook import activations
from llmbook import attention as att
from llmbook import tiled_attention as ta


@pytest.mark.parametrize("n", [1, 5, 16, 33])
@pytest.mark.parametrize("block", [1, 4, 16, 100])
def test_online_softmax_equals_softmax(rng, n, block):
    z = rng.normal(scale=5, size=(3, n))
    p, m, ell = ta.online_softmax(z, block)
    np.testing.assert_allclose(p, activations.softmax(z), atol=1e-15, rtol=0)
    np.testing.assert_array_equal(m, z.max(axis=-1))
    np.testing.assert_allclose(ell, np.exp(z - z.max(-1, keepdims=True)).sum(-1), rtol=1e-14)


def test_online_softmax_by_hand():
    """z = [0, ln 3] in blocks of 1. After block 1: m = 0, ell = 1. Block 2: m' = ln 3,
    ell' = 1 * e^(0 - ln 3) + e^0 = 1/3 + 1 = 4/3; p = e^(z - ln 3) / (4/3) = [1/4, 3/4]."""
    p, m, ell = ta.online_softmax([0.0, np.log(3.0)], 1)
    np.testing.assert_allclose(p, [0.25, 0.75], rtol=1e-15)
    assert m == pytest.approx(np.log(3.0), rel=1e-15)
    assert ell == pytest.approx(4 / 3, rel=1e-15)


def test_online_softmax_does_not_overflow():
    z = np.array([1000.0, 999.0, -1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p, _, _ = ta.online_softmax(z, 1)
    np.testing.assert_allclose(p, activations.softmax(z), atol=1e-15)


@pytest.mark.parametrize(("T_q", "T_k"), [(1, 1), (7, 7), (16, 16), (5, 13), (13, 13)])
@pytest.mark.parametrize(("block_q", "block_k"), [(None, 1), (None, 4), (3, 5), (4, 4), (16, 64)])
@pytest.mark.parametrize("causal", [False, True])
def test_tiled_equals_standard_attention(rng, T_q, T_k, block_q, block_k, causal):
    Q = rng.normal(scale=2, size=(2, T_q, 8))
    K = rng.normal(scale=2, size=(2, T_k, 8))
    V = rng.normal(size=(2, T_k, 5))
    ours = ta.tiled_attention(Q, K, V, block_k=block_k, block_q=block_q, causal=causal)
    mask = att.causal_mask(T_q, T_k) if causal else None
    ref, _ = att.scaled_dot_product_attention(Q, K, V, mask=mask)
    np.testing.assert_allclose(ours, ref, atol=1e-12, rtol=0)


def test_tiled_attention_with_heads_axis(rng):
    Q, K, V = (rng.normal(size=(2, 3, 10, 4)) for _ in range(3))
    ours = ta.tiled_attention(Q, K, V, block_k=3, block_q=4, causal=True)
    ref, _ = att.scaled_dot_product_attention(Q, K, V, mask=att.causal_mask(10))
    np.testing.assert_allclose(ours, ref, atol=1e-12, rtol=0)


def test_memory_grows_quadratically_for_standard_and_linearly_for_tiled():
    """Peak memory at T = 128, 256, 512. A quadratic a + cT^2 has increments 3c*128^2 and
    12c*128^2 between successive doublings (ratio 4); a linear a + bT has increments 128b and
    256b (ratio 2). Standard attention holds several T x T float64 matrices (scores, their
    exponentials, the weights); tiled attention holds O(T d) arrays and one B x B tile."""
    m = ta.attention_memory([128, 256, 512], d=32, block=32)

    def increment_ratio(peaks):
        return (peaks[2] - peaks[1]) / (peaks[1] - peaks[0])

    assert 3.5 < increment_ratio(m["standard"]) < 4.5
    assert 1.5 < increment_ratio(m["tiled"]) < 2.5
    assert m["standard"][-1] > 2 * m["scores"][-1]  # standard holds more than one T x T matrix
    assert m["tiled"][-1] < m["scores"][-1]  # tiled holds less than one
    assert np.all(m["max_abs_diff"] < 1e-12)


def test_memory_figure_plots_the_measured_values():
    import matplotlib.pyplot as plt

    m = ta.attention_memory([64, 128], d=16, block=32)
    fig = ta.memory_figure(m)
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_xdata(), m["T"])
    np.testing.assert_allclose(lines[0].get_ydata(), m["standard"] / 2**20)
    np.testing.assert_allclose(lines[1].get_ydata(), m["tiled"] / 2**20)
    plt.close(fig)


def test_bad_input_is_rejected(rng):
    Q = rng.normal(size=(4, 3))
    with pytest.raises(ValueError, match="block_k"):
        ta.tiled_attention(Q, Q, Q, block_k=0)
    with pytest.raises(ValueError, match="block_q"):
        ta.tiled_attention(Q, Q, Q, block_q=1.5)
    with pytest.raises(ValueError, match="shapes do not fit"):
        ta.tiled_attention(Q, Q[:, :2], Q)
    with pytest.raises(ValueError, match="T_k >= T_q"):
        ta.tiled_attention(Q, Q[:2], Q[:2], causal=True)
    with pytest.raises(ValueError, match="finite"):
        ta.tiled_attention(np.full((4, 3), np.inf), Q, Q)
    with pytest.raises(ValueError, match="scalar"):
        ta.online_softmax(1.0, 2)
    with pytest.raises(ValueError, match="empty"):
        ta.attention_memory([])


def test_tiled_attention_at_extreme_scores_warns_nothing(rng):
    """Scores of order 1e4: exp would overflow without the running maximum."""
    Q, K, V = (
        rng.normal(scale=100, size=(9, 4)),
        rng.normal(scale=100, size=(9, 4)),
        rng.normal(size=(9, 2)),
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ours = ta.tiled_attention(Q, K, V, block_k=2, block_q=4, causal=True)
    ref, _ = att.scaled_dot_product_attention(Q, K, V, mask=att.causal_mask(9))
    np.testing.assert_allclose(ours, ref, atol=1e-12, rtol=0)
