"""Attention against keras.layers.MultiHeadAttention (same weights, float64) and hand derivations."""

import numpy as np
import pytest

import llmbook  # noqa: F401  (silences TensorFlow before it is imported)
from llmbook import attention as att
from llmbook.gradcheck import check_gradient


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _keras_mha(keras, p, d, h, seq=4):
    """A Keras MHA layer of h heads of width d/h, carrying our weights.

    Keras stores query/key/value kernels as [d, h, d/h] (biases [h, d/h]) and the output
    kernel as [h, d/h, d]; ours are the same numbers as [d, d] matrices whose columns
    j*d_h:(j+1)*d_h belong to head j, so a reshape converts one into the other.
    """
    dh = d // h
    layer = keras.layers.MultiHeadAttention(num_heads=h, key_dim=dh, dtype="float64")
    x = np.zeros((1, seq, d))
    layer(x, x)  # build
    layer.set_weights(
        [
            p["W_q"].reshape(d, h, dh),
            p["b_q"].reshape(h, dh),
            p["W_k"].reshape(d, h, dh),
            p["b_k"].reshape(h, dh),
            p["W_v"].reshape(d, h, dh),
            p["b_v"].reshape(h, dh),
            p["W_o"].reshape(h, dh, d),
            p["b_o"],
        ]
    )
    return layer


def _random_params(rng, d):
    p = att.init_attention_params(d, rng, scale=0.4)
    for n in "qkvo":
        p[f"b_{n}"] = rng.normal(size=d)
    return p


@pytest.mark.parametrize(("d", "h"), [(8, 1), (12, 3), (16, 4)])
@pytest.mark.parametrize("causal", [False, True])
def test_mha_matches_keras(keras, rng, d, h, causal):
    B, T_q, T_k = 2, 5, 5
    x_q = rng.normal(size=(B, T_q, d))
    x_kv = rng.normal(size=(B, T_k, d)) if not causal else x_q
    p = _random_params(rng, d)
    layer = _keras_mha(keras, p, d, h)
    mask = att.causal_mask(T_q) if causal else None
    ours, weights = att.multi_head_attention(x_q, x_kv, p, h, mask=mask)
    theirs, scores = layer(x_q, x_kv, use_causal_mask=causal, return_attention_scores=True)
    np.testing.assert_allclose(ours, np.asarray(theirs), atol=1e-6, rtol=0)
    np.testing.assert_allclose(weights, np.asarray(scores), atol=1e-6, rtol=0)


@pytest.mark.parametrize(("d", "h", "T_q", "T_k"), [(12, 2, 4, 7), (16, 4, 6, 3), (8, 1, 1, 5)])
def test_cross_attention_with_different_lengths_matches_keras(keras, rng, d, h, T_q, T_k):
    """Queries from one sequence, keys and values from another (T_q != T_k), as a decoder
    reads an encoder: Keras's ``layer(query, value)`` uses ``value`` as the keys too.

    Tolerance. Both sides run in float64, but Keras multiplies Q by ``ops.cast(1/sqrt(d_h),
    float64)``, and a Python float becomes a float32 tensor before that cast: its scale is
    1/sqrt(d_h) rounded to float32 (relative error up to 6e-8; exact when d_h is a power of
    4, e.g. 1/sqrt(4) = 0.5). So (1) with our temperature set to undo that rounding, the two
    agree to 1e-12 (what is left is float64 rounding in another order of sums, about
    1e-15); (2) as they stand, to 1e-6, scores of order 1 times 6e-8. A wrong scale, head
    split or a swap of the two inputs changes the outputs by order 0.1 (the last check).
    """
    x_q, x_kv = rng.normal(size=(3, T_q, d)), rng.normal(size=(3, T_k, d))
    p = _random_params(rng, d)
    layer = _keras_mha(keras, p, d, h)
    theirs, scores = layer(x_q, x_kv, return_attention_scores=True)
    theirs, scores = np.asarray(theirs), np.asarray(scores)
    d_h = d // h
    keras_scale = float(np.float32(1 / np.sqrt(d_h)))  # the scale Keras multiplies by
    tau = 1 / (np.sqrt(d_h) * keras_scale)  # our scale 1/(tau sqrt(d_h)) is then keras_scale
    ours, weights = att.multi_head_attention(x_q, x_kv, p, h, temperature=tau)
    assert weights.shape == scores.shape == (3, h, T_q, T_k)
    np.testing.assert_allclose(ours, theirs, atol=1e-12, rtol=0)
    np.testing.assert_allclose(weights, scores, atol=1e-12, rtol=0)
    ours, weights = att.multi_head_attention(x_q, x_kv, p, h)
    np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)
    np.testing.assert_allclose(weights, scores, atol=1e-6, rtol=0)
    # the test can tell the inputs apart: self-attention on x_q is a different output
    if T_k > 1:
        selfish, _ = att.multi_head_attention(x_q, x_q, p, h)
        assert np.max(np.abs(selfish - theirs)) > 1e-2


def test_attention_by_hand():
    """One query, two keys. Q = [1, 0], K = [[1, 0], [0, 1]], d_k = 2.

    Scores q.k / sqrt(2) = [1/sqrt 2, 0]; weights = softmax = [e^a, 1] / (e^a + 1) with a = 1/sqrt 2,
    so w_0 = sigmoid(1/sqrt 2). Output = w_0 V_0 + w_1 V_1 with V = [[10], [20]].
    """
    Q = np.array([[1.0, 0.0]])
    K = np.array([[1.0, 0.0], [0.0, 1.0]])
    V = np.array([[10.0], [20.0]])
    out, A = att.scaled_dot_product_attention(Q, K, V)
    w0 = 1 / (1 + np.exp(-1 / np.sqrt(2)))
    np.testing.assert_allclose(A, [[w0, 1 - w0]], rtol=1e-14)
    np.testing.assert_allclose(out, [[10 * w0 + 20 * (1 - w0)]], rtol=1e-14)


def test_causal_mask_by_hand():
    np.testing.assert_array_equal(att.causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    # two new queries after three cached keys: positions 3 and 4 of 5
    np.testing.assert_array_equal(att.causal_mask(2, 5), [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]])


def test_causal_attention_ignores_the_future(rng):
    """Changing token 3 of 5 leaves the outputs at positions 0-2 unchanged."""
    d, h = 8, 2
    p = _random_params(rng, d)
    x = rng.normal(size=(5, d))
    y1, _ = att.multi_head_attention(x, x, p, h, mask=att.causal_mask(5))
    x[3] += 5.0
    y2, _ = att.multi_head_attention(x, x, p, h, mask=att.causal_mask(5))
    np.testing.assert_array_equal(y1[:3], y2[:3])
    assert np.max(np.abs(y1[3:] - y2[3:])) > 1e-3


def test_temperature_scales_scores(rng):
    Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    _, A2 = att.scaled_dot_product_attention(Q, K, V, temperature=2.0)
    _, A1 = att.scaled_dot_product_attention(Q / 2, K, V)
    np.testing.assert_allclose(A2, A1, rtol=1e-14)


def test_sdpa_backward_matches_tensorflow(tf, rng):
    Q, K, V = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 5))
    dO = rng.normal(size=(2, 4, 5))
    mask = att.causal_mask(4, 6)
    out_np, A = att.scaled_dot_product_attention(Q, K, V, mask=mask)
    dQ, dK, dV = att.sdpa_backward(dO, Q, K, V, A)
    tq, tk, tv = (tf.Variable(a) for a in (Q, K, V))
    with tf.GradientTape() as tape:
        s = tf.matmul(tq, tk, transpose_b=True) / np.sqrt(3.0)
        s = tf.where(mask, s, tf.constant(-np.inf, tf.float64))
        out = tf.matmul(tf.nn.softmax(s, axis=-1), tv)
        loss = tf.reduce_sum(out * dO)
    gq, gk, gv = tape.gradient(loss, [tq, tk, tv])
    np.testing.assert_allclose(out_np, out.numpy(), atol=1e-13)
    for ours, theirs in ((dQ, gq), (dK, gk), (dV, gv)):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_mha_backward_against_finite_differences(rng):
    d, h, T = 6, 2, 4
    p = _random_params(rng, d)
    x = rng.normal(size=(T, d))
    G = rng.normal(size=(T, d))
    mask = att.causal_mask(T)

    def loss_x(xv):
        return float(np.sum(att.multi_head_attention(xv, xv, p, h, mask=mask)[0] * G))

    def grad_x(xv):
        _, cache = att.mha_forward(xv, xv, p, h, mask=mask)
        dq, dkv, _ = att.mha_backward(G, cache)
        return dq + dkv

    assert check_gradient(loss_x, grad_x, x) < 1e-7
    _, cache = att.mha_forward(x, x, p, h, mask=mask)
    _, _, grads = att.mha_backward(G, cache)
    # The key bias adds q.b_k to every score of a query: the same constant across the keys,
    # which the softmax ignores. Its gradient is therefore exactly 0 (up to rounding).
    np.testing.assert_allclose(grads["b_k"], 0.0, atol=1e-13)
    for name in (n for n in att.PARAM_NAMES if n != "b_k"):

        def loss_p(v, name=name):
            q = dict(p, **{name: v})
            return float(np.sum(att.multi_head_attention(x, x, q, h, mask=mask)[0] * G))

        assert check_gradient(loss_p, lambda v, name=name: grads[name], p[name]) < 1e-7, name


def test_sqrt_dk_keeps_score_variance_near_one(rng):
    """The package divides the scores by sqrt(d_k), so their variance stays near 1.

    For a query q and keys k_j with independent N(0, 1) entries, q.k_j has variance |q|^2
    over the keys, and |q|^2 has mean d_k. The scores are not returned, but the weights
    are: log A_ij = S_ij - logsumexp_j S_ij, so the variance of log A_ij over the keys j
    is that of the scores S_ij. Averaged over queries it is 1 with the sqrt(d_k) scaling,
    d_k without any scaling, and 1/d_k when divided by d_k.
    """
    for d_k in (4, 64, 256):
        Q, K = rng.normal(size=(200, d_k)), rng.normal(size=(2000, d_k))
        _, A = att.scaled_dot_product_attention(Q, K, np.zeros((2000, 1)))
        score_var = np.var(np.log(A), axis=1).mean()
        assert score_var == pytest.approx(1.0, rel=0.05)


def test_bad_input_is_rejected(rng):
    Q = rng.normal(size=(3, 4))
    with pytest.raises(ValueError, match="same last dimension"):
        att.scaled_dot_product_attention(Q, rng.normal(size=(3, 5)), rng.normal(size=(3, 2)))
    with pytest.raises(ValueError, match="same number of positions"):
        att.scaled_dot_product_attention(Q, Q, rng.normal(size=(2, 2)))
    with pytest.raises(TypeError, match="mask must be a boolean"):
        att.scaled_dot_product_attention(Q, Q, Q, mask=np.ones((3, 3)))
    with pytest.raises(ValueError, match="at least one key"):
        att.scaled_dot_product_attention(Q, Q, Q, mask=np.zeros((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="Q must hold only finite"):
        att.scaled_dot_product_attention(np.full((3, 4), np.nan), Q, Q)
    with pytest.raises(ValueError, match="temperature"):
        att.scaled_dot_product_attention(Q, Q, Q, temperature=0)
    with pytest.raises(ValueError, match="divisible"):
        att.multi_head_attention(
            rng.normal(size=(3, 6)), rng.normal(size=(3, 6)), att.init_attention_params(6), 4
        )
    with pytest.raises(ValueError, match="n_k must be >= n_q"):
        att.causal_mask(4, 2)


def test_kernels_equal_the_checked_functions(rng):
    """``attend``, ``causal`` and ``mha`` are what the checked functions compute on valid input."""
    Q, K, V = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 7, 3))
    m = att.causal_mask(5, 7)
    for mask, tau in ((None, 1.0), (m, 0.7)):
        out, A = att.scaled_dot_product_attention(Q, K, V, mask=mask, temperature=tau)
        out2, A2 = att.attend(Q, K, V, mask, tau)
        np.testing.assert_array_equal(out2, out)
        np.testing.assert_array_equal(A2, A)
    # float32 stays float32 in the kernel, as the training code needs
    O32, A32 = att.attend(Q.astype(np.float32), K.astype(np.float32), V.astype(np.float32), m)
    assert O32.dtype == A32.dtype == np.float32
    for n_q, n_k in ((1, 1), (3, 3), (2, 6)):
        np.testing.assert_array_equal(att.causal(n_q, n_k), att.causal_mask(n_q, n_k))
    # the causal mask by hand: 2 queries at positions 4 and 5 of 6 keys
    np.testing.assert_array_equal(att.causal(2, 6), [[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]])
    d, h = 8, 2
    p = att.init_attention_params(d, rng, scale=0.5)
    x = rng.normal(size=(3, 5, d))
    Y, cache = att.mha_forward(x, x, p, h, mask=att.causal_mask(5))
    Y2, parts = att.mha(x, x, p, h, att.causal_mask(5))
    np.testing.assert_array_equal(Y2, Y)
    np.testing.assert_array_equal(parts["A"], cache["A"])
