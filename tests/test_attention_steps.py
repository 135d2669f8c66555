"""The six steps of chapter 13, each against its formula: small cases derived by hand,
TensorFlow ops on random inputs, a one-head Keras MultiHeadAttention, and, for the last
steps, ``llmbook.attention.multi_head_attention``."""

import math

import numpy as np
import pytest

import llmbook  # noqa: F401  (silences TensorFlow before it is imported)
from llmbook import attention as att
from llmbook import attention_steps as st
from llmbook import regularization as reg


@pytest.fixture(scope="module")
def tf():
    import tensorflow as tf

    return tf


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _params(rng, d):
    p = att.init_attention_params(d, rng, scale=0.4)
    for n in "qkvo":
        p[f"b_{n}"] = rng.normal(size=d)
    return p


def test_step1_by_hand():
    """X = [[1, 0], [0, 1], [1, 1]]: the scores x_i . x_j are [[1, 0, 1], [0, 1, 1], [1, 1, 2]].

    Row 0: softmax([1, 0, 1]) = [e, 1, e] / (2e + 1), so z_0 = (e [1, 0] + 1 [0, 1] +
    e [1, 1]) / (2e + 1) = [2e, e + 1] / (2e + 1).
    Row 2: softmax([1, 1, 2]) = [1, 1, e] / (e + 2), so z_2 = [1 + e, 1 + e] / (e + 2).
    """
    e = math.e
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    Z, A = st.dot_product_attention(X)
    np.testing.assert_allclose(A[0], np.array([e, 1, e]) / (2 * e + 1), rtol=1e-14)
    np.testing.assert_allclose(A[2], np.array([1, 1, e]) / (e + 2), rtol=1e-14)
    np.testing.assert_allclose(Z[0], np.array([2 * e, e + 1]) / (2 * e + 1), rtol=1e-14)
    np.testing.assert_allclose(Z[2], np.array([1 + e, 1 + e]) / (e + 2), rtol=1e-14)
    np.testing.assert_allclose(A.sum(axis=-1), 1.0, rtol=1e-15)


def test_steps_1_to_3_against_tensorflow(tf, rng):
    X = rng.normal(size=(2, 5, 6))
    W_q, W_k, W_v = rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    Xt = tf.constant(X)
    A1 = tf.nn.softmax(tf.matmul(Xt, Xt, transpose_b=True))
    Z, A = st.dot_product_attention(X)
    np.testing.assert_allclose(A, A1.numpy(), atol=1e-13)
    np.testing.assert_allclose(Z, tf.matmul(A1, Xt).numpy(), atol=1e-13)
    Q, K, V = Xt @ W_q, Xt @ W_k, Xt @ W_v
    for step, scale in ((st.projected_attention, 1.0), (st.scaled_attention, 1 / math.sqrt(4))):
        At = tf.nn.softmax(tf.matmul(Q, K, transpose_b=True) * scale)
        out, A = step(X, W_q, W_k, W_v)
        np.testing.assert_allclose(A, At.numpy(), atol=1e-13)
        np.testing.assert_allclose(out, tf.matmul(At, V).numpy(), atol=1e-12)


def test_step2_with_identity_projections_is_step1(rng):
    X = rng.normal(size=(4, 3))
    I3 = np.eye(3)
    out, A = st.projected_attention(X, I3, I3, I3)
    Z, A1 = st.dot_product_attention(X)
    np.testing.assert_array_equal(A, A1)
    np.testing.assert_array_equal(out, Z)


def test_step3_is_step2_with_queries_divided_by_sqrt_dk(rng):
    """(X W_q / sqrt(d_k)) . k_j = q_i . k_j / sqrt(d_k): scaling the scores is scaling W_q."""
    X, W_q, W_k, W_v = (rng.normal(size=s) for s in ((5, 6), (6, 16), (6, 16), (6, 2)))
    O3, A3 = st.scaled_attention(X, W_q, W_k, W_v)
    O2, A2 = st.projected_attention(X, W_q / 4.0, W_k, W_v)  # sqrt(16) = 4
    np.testing.assert_allclose(A3, A2, rtol=1e-12)
    np.testing.assert_allclose(O3, O2, rtol=1e-12, atol=1e-14)


def test_step3_keeps_score_variance_near_one_and_step2_does_not(rng):
    """With N(0, 1) inputs and W_q = W_k = I, the score q . k is a sum of d_k products of
    variance 1 (variance d_k); log a_ij = s_ij - logsumexp_j s_ij, so the variance of log A
    over the keys is the scores' variance: about d_k for step 2, about 1 for step 3."""
    d_k = 64
    X = rng.normal(size=(400, d_k))
    eye = np.eye(d_k)
    _, A2 = st.projected_attention(X, eye, eye, eye)
    _, A3 = st.scaled_attention(X, eye, eye, eye)
    off = ~np.eye(400, dtype=bool)  # x_i . x_i (a squared norm, mean d_k) is not a q . k
    var3 = np.mean([np.var(np.log(A3[i][off[i]])) for i in range(400)])
    assert var3 == pytest.approx(1.0, rel=0.1)
    # step 2's softmax is saturated: the largest weight is nearly 1, on the query's own key
    assert np.mean(A2.max(axis=-1)) > 0.999


def test_step4_by_hand_and_against_keras(keras, rng):
    """Row 0 sees only key 0, so a_00 = 1 and o_0 = v_0 = x_0 W_v. Row 1 sees keys 0 and 1:
    a_1 = softmax([s_10, s_11]) with s_1j = q_1 . k_j / sqrt(d_k)."""
    d, d_k, T = 6, 4, 5
    X = rng.normal(size=(T, d))
    W_q, W_k, W_v = rng.normal(size=(d, d_k)), rng.normal(size=(d, d_k)), rng.normal(size=(d, d))
    out, A = st.causal_attention(X, W_q, W_k, W_v)
    np.testing.assert_array_equal(A[0], [1, 0, 0, 0, 0])
    np.testing.assert_allclose(out[0], X[0] @ W_v, rtol=1e-14)
    s = (X[1] @ W_q) @ (X[:2] @ W_k).T / 2.0  # sqrt(4) = 2
    np.testing.assert_allclose(A[1, :2], np.exp(s) / np.exp(s).sum(), rtol=1e-14)
    np.testing.assert_array_equal(np.triu(A, 1), 0.0)
    # Keras's layer with one head, no biases and the identity as output map is this step
    layer = keras.layers.MultiHeadAttention(
        num_heads=1, key_dim=d_k, value_dim=d, use_bias=False, dtype="float64"
    )
    layer(X[None], X[None])  # build
    layer.set_weights([W_q[:, None], W_k[:, None], W_v[:, None], np.eye(d)[None]])
    theirs, scores = layer(X[None], X[None], use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(out, np.asarray(theirs)[0], atol=1e-12, rtol=0)
    np.testing.assert_allclose(A, np.asarray(scores)[0, 0], atol=1e-12, rtol=0)
    O3, _ = st.scaled_attention(X, W_q, W_k, W_v)  # without the mask the outputs differ
    assert np.max(np.abs(O3 - out)) > 1e-2


@pytest.mark.parametrize(("d", "h"), [(8, 1), (12, 3), (16, 4)])
def test_step5_and_step6_without_dropout_are_multi_head_attention(rng, d, h):
    X = rng.normal(size=(2, 7, d))
    p = _params(rng, d)
    Y, A = att.multi_head_attention(X, X, p, h, mask=att.causal_mask(7))
    Y5, A5 = st.causal_multi_head_attention(X, p, h)
    Y6, A6 = st.causal_multi_head_attention_dropout(X, p, h, rate=0.0)
    for ours, ref in ((Y5, Y), (A5, A), (Y6, Y), (A6, A)):
        np.testing.assert_allclose(ours, ref, atol=1e-12, rtol=0)


def test_step5_with_one_head_is_step4_plus_the_output_map(rng):
    d = 6
    X, p = rng.normal(size=(5, d)), _params(rng, d)
    for n in "qkv":
        p[f"b_{n}"] = np.zeros(d)
    O4, A4 = st.causal_attention(X, p["W_q"], p["W_k"], p["W_v"])
    Y5, A5 = st.causal_multi_head_attention(X, p, 1)
    np.testing.assert_allclose(A5[0], A4, rtol=1e-13)
    np.testing.assert_allclose(Y5, O4 @ p["W_o"] + p["b_o"], rtol=1e-12, atol=1e-13)


def test_step6_dropout_by_hand(rng):
    """One head, W_o = I and zero biases, so Y = M * A / (1 - p) @ V with V = X W_v.

    With the keep-mask of seed s, every kept weight is a_ij / (1 - p) and every dropped
    one is 0; the weights of step 5 give A, and Y is that matrix times V.
    """
    d, rate = 4, 0.5
    X, p = rng.normal(size=(6, d)), _params(rng, d)
    p.update(W_o=np.eye(d), b_o=np.zeros(d), b_v=np.zeros(d))
    _, A = st.causal_multi_head_attention(X, p, 1)
    Y, A_drop = st.causal_multi_head_attention_dropout(X, p, 1, rate, seed=3)
    M = reg.dropout_mask(A.shape, rate, seed=3)
    assert 0 < M.sum() < M.size  # some weights dropped, some kept
    np.testing.assert_array_equal(A_drop[M == 0], 0.0)
    np.testing.assert_allclose(A_drop[M == 1], A[M == 1] * 2.0, rtol=1e-15)  # 1/(1 - 0.5)
    np.testing.assert_allclose(Y, A_drop[0] @ (X @ p["W_v"]), rtol=1e-12, atol=1e-14)


def test_step6_dropout_keeps_the_output_in_expectation(rng):
    """E[M / (1 - p)] = 1, so the mean output over many masks tends to step 5's output.
    Each mask's output differs from it; the mean over 2000 masks within 5 standard errors."""
    d, h, rate, n = 8, 2, 0.2, 2000
    X, p = rng.normal(size=(5, d)), _params(rng, d)
    Y, _ = st.causal_multi_head_attention(X, p, h)
    Ys = np.array(
        [st.causal_multi_head_attention_dropout(X, p, h, rate, seed=s)[0] for s in range(n)]
    )
    se = Ys.std(axis=0) / math.sqrt(n)
    assert np.all(np.abs(Ys.mean(axis=0) - Y) < 5 * se + 1e-12)
    assert np.max(np.abs(Ys[0] - Y)) > 1e-3


def test_bad_input_is_rejected(rng):
    X = rng.normal(size=(4, 3))
    with pytest.raises(ValueError, match="X must have"):
        st.dot_product_attention(np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        st.dot_product_attention(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="W_k must have 3 rows"):
        st.scaled_attention(X, np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="as many columns"):
        st.causal_attention(X, np.ones((3, 2)), np.ones((3, 5)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="divisible"):
        st.causal_multi_head_attention(X, att.init_attention_params(3), 2)
    with pytest.raises(ValueError, match="rate"):
        st.causal_multi_head_attention_dropout(X, att.init_attention_params(3), 1, rate=1.0)
