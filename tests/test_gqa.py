"""Grouped-query attention against keras.layers.GroupQueryAttention (same weights, float64),
multi-head attention (n_kv_head = n_head), tf.GradientTape and finite differences.

Tolerance: both sides compute in float64, but Keras 3.15 casts its scale 1/sqrt(d_h) from a
Python float to a tensor through float32 (ops.cast of a Python float), so for d_h = 2 its scale
is 0.70710677 instead of 0.7071067811865475, a relative error of 1.7e-8 that shows up as
differences of about 2e-8 in the outputs. With head widths d_h = 1, 4 or 16, whose 1/sqrt(d_h)
is exact in float32, the two agree to rounding: we test those at 1e-12 (values of order 1, so a
few hundred float64 ulps of summation-order difference), and d_h = 2 at 1e-6, explaining the gap.
A wrong head-to-group assignment or a missing scale gives errors of order 0.1.
"""

import numpy as np
import pytest

import llmbook  # noqa: F401  (silences TensorFlow before it is imported)
from llmbook import attention as att
from llmbook import gqa
from llmbook.gradcheck import check_gradient

TOL = 1e-12  # head widths whose 1/sqrt(d_h) is exact in float32
TOL_FLOAT32_SCALE = 1e-6  # d_h = 2: Keras rounds its scale to float32


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _params(rng, d, h, g):
    p = gqa.init_gqa_params(d, h, g, rng, scale=0.4)
    for n in "qkvo":
        p[f"b_{n}"] = rng.normal(size=p[f"b_{n}"].shape)
    return p


def _keras_gqa(keras, p, d, h, g, seq=4):
    """A Keras GroupQueryAttention layer carrying our weights.

    Keras's EinsumDense kernels: query "bqm,muh->bquh" so [d, h, d_h] with bias [h, d_h];
    key and value "bkm,mvh->bkvh" so [d, g, d_h] with bias [g, d_h]; output
    "bquh,uhm->bqm" so [h, d_h, d] with bias [d]. Our [d, h*d_h] matrices keep head j in
    columns j*d_h:(j+1)*d_h, so a reshape converts one layout into the other. Keras repeats
    each key/value head r = h/g times along the head axis (ops.repeat), so query head j reads
    key head j // r, as ours does.
    """
    dh = d // h
    layer = keras.layers.GroupQueryAttention(
        head_dim=dh, num_query_heads=h, num_key_value_heads=g, dtype="float64"
    )
    x = np.zeros((1, seq, d))
    layer(x, x)  # build
    names = [w.path.split("/")[-2] + "/" + w.path.split("/")[-1] for w in layer.weights]
    assert names == [
        "query/kernel", "query/bias", "key/kernel", "key/bias",
        "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias",
    ]  # fmt: skip
    layer.set_weights(
        [
            p["W_q"].reshape(d, h, dh),
            p["b_q"].reshape(h, dh),
            p["W_k"].reshape(d, g, dh),
            p["b_k"].reshape(g, dh),
            p["W_v"].reshape(d, g, dh),
            p["b_v"].reshape(g, dh),
            p["W_o"].reshape(h, dh, d),
            p["b_o"],
        ]
    )
    return layer


CONFIGS = [(16, 4, 4), (16, 4, 2), (16, 4, 1), (32, 8, 2), (32, 8, 1), (8, 8, 4), (48, 12, 3)]


@pytest.mark.parametrize(("d", "h", "g"), CONFIGS)
@pytest.mark.parametrize("causal", [False, True])
def test_gqa_matches_keras(keras, rng, d, h, g, causal):
    B, T = 2, 5
    x_q = rng.normal(size=(B, T, d))
    x_kv = x_q if causal else rng.normal(size=(B, T, d))
    p = _params(rng, d, h, g)
    layer = _keras_gqa(keras, p, d, h, g)
    mask = att.causal_mask(T) if causal else None
    ours, weights = gqa.grouped_query_attention(x_q, x_kv, p, h, g, mask=mask)
    theirs, scores = layer(x_q, x_kv, use_causal_mask=causal, return_attention_scores=True)
    np.testing.assert_allclose(ours, np.asarray(theirs), atol=TOL, rtol=0)
    np.testing.assert_allclose(weights, np.asarray(scores), atol=TOL, rtol=0)


def test_cross_attention_of_different_lengths_matches_keras(keras, rng):
    d, h, g = 24, 6, 2
    x_q, x_kv = rng.normal(size=(3, 4, d)), rng.normal(size=(3, 7, d))
    p = _params(rng, d, h, g)
    layer = _keras_gqa(keras, p, d, h, g)
    ours, _ = gqa.grouped_query_attention(x_q, x_kv, p, h, g)
    np.testing.assert_allclose(ours, np.asarray(layer(x_q, x_kv)), atol=TOL, rtol=0)


def test_head_width_two_agrees_to_keras_float32_scale(keras, rng):
    d, h, g, T = 12, 6, 2, 5
    x = rng.normal(size=(2, T, d))
    p = _params(rng, d, h, g)
    ours, _ = gqa.grouped_query_attention(x, x, p, h, g, mask=att.causal_mask(T))
    theirs = np.asarray(_keras_gqa(keras, p, d, h, g)(x, x, use_causal_mask=True))
    np.testing.assert_allclose(ours, theirs, atol=TOL_FLOAT32_SCALE, rtol=0)


@pytest.mark.parametrize("causal", [False, True])
def test_n_kv_head_equal_to_n_head_is_multi_head_attention(rng, causal):
    d, h, T = 12, 3, 6
    x = rng.normal(size=(2, T, d))
    p = _params(rng, d, h, h)
    mask = att.causal_mask(T) if causal else None
    y_gqa, a_gqa = gqa.grouped_query_attention(x, x, p, h, h, mask=mask)
    y_mha, a_mha = att.multi_head_attention(x, x, p, h, mask=mask)
    np.testing.assert_allclose(y_gqa, y_mha, atol=1e-13, rtol=0)
    np.testing.assert_allclose(a_gqa, a_mha, atol=1e-13, rtol=0)


def test_gqa_is_mha_with_each_kv_head_copied_to_its_group(rng):
    """A hand construction: copying key head k's columns to query heads k*r .. k*r+r-1 gives an
    MHA layer whose output is the GQA output (this is how GQA is built from an MHA checkpoint
    in reverse: Ainslie et al. mean-pool the heads of a group)."""
    d, h, g, T = 12, 6, 2, 5
    dh, r = d // h, h // g
    x = rng.normal(size=(1, T, d))
    p = _params(rng, d, h, g)
    mha = dict(p)
    for n in "kv":
        cols = [p[f"W_{n}"][:, (j // r) * dh : (j // r + 1) * dh] for j in range(h)]
        mha[f"W_{n}"] = np.concatenate(cols, axis=1)
        mha[f"b_{n}"] = np.concatenate(
            [p[f"b_{n}"][(j // r) * dh : (j // r + 1) * dh] for j in range(h)]
        )
    y_gqa, _ = gqa.grouped_query_attention(x, x, p, h, g, mask=att.causal_mask(T))
    y_mha, _ = att.multi_head_attention(x, x, mha, h, mask=att.causal_mask(T))
    np.testing.assert_allclose(y_gqa, y_mha, atol=1e-13, rtol=0)


@pytest.mark.parametrize(("d", "h", "g"), [(16, 4, 2), (16, 4, 1), (24, 6, 3), (8, 2, 2)])
@pytest.mark.parametrize("causal", [False, True])
def test_backward_matches_gradient_tape(keras, tf, rng, d, h, g, causal):
    B, T_q = 2, 5
    T_k = T_q if causal else 6
    x_q = rng.normal(size=(B, T_q, d))
    x_kv = x_q.copy() if causal else rng.normal(size=(B, T_k, d))
    p = _params(rng, d, h, g)
    dY = rng.normal(size=(B, T_q, d))
    mask = att.causal_mask(T_q) if causal else None
    _, cache = gqa.gqa_forward(x_q, x_kv, p, h, g, mask=mask)
    dx_q, dx_kv, grads = gqa.gqa_backward(dY, cache)

    layer = _keras_gqa(keras, p, d, h, g)
    tq, tkv = tf.Variable(x_q), tf.Variable(x_kv)
    with tf.GradientTape() as tape:
        y = layer(tq, tkv, use_causal_mask=causal)
        loss = tf.reduce_sum(y * dY)
    wanted = [tq, tkv, *layer.trainable_variables]
    got = tape.gradient(loss, wanted)
    np.testing.assert_allclose(dx_q, got[0].numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(dx_kv, got[1].numpy(), atol=TOL, rtol=0)
    dh = d // h
    keras_shapes = [(d, h, dh), (h, dh), (d, g, dh), (g, dh), (d, g, dh), (g, dh), (h, dh, d), (d,)]
    for name, ref, shape in zip(gqa._param_shapes(d, h, g), got[2:], keras_shapes, strict=True):
        ours = grads[name].reshape(shape)
        np.testing.assert_allclose(ours, ref.numpy(), atol=TOL, rtol=0, err_msg=name)


def test_backward_matches_finite_differences(rng):
    d, h, g, T = 6, 3, 1, 4
    x = rng.normal(size=(T, d))
    p = _params(rng, d, h, g)
    dY = rng.normal(size=(T, d))
    mask = att.causal_mask(T)

    def loss_of(name):
        def f(v):
            q = dict(p, **{name: v})
            return float(np.sum(gqa.grouped_query_attention(x, x, q, h, g, mask=mask)[0] * dY))

        return f

    _, cache = gqa.gqa_forward(x, x, p, h, g, mask=mask)
    _, _, grads = gqa.gqa_backward(dY, cache)
    for name in ("W_k", "b_v", "W_q"):
        gr = grads[name]
        assert check_gradient(loss_of(name), lambda _v, gr=gr: gr, p[name]) < 1e-7, name


def test_bad_input_is_rejected(rng):
    x = rng.normal(size=(2, 3, 8))
    p = gqa.init_gqa_params(8, 4, 2, rng)
    with pytest.raises(ValueError, match="divisible by n_kv_head"):
        gqa.init_gqa_params(8, 4, 3)
    with pytest.raises(ValueError, match="divisible by n_head"):
        gqa.init_gqa_params(10, 4, 2)
    with pytest.raises(ValueError, match="W_k must have shape"):
        gqa.grouped_query_attention(x, x, p, 4, 1)
    with pytest.raises(ValueError, match="n_kv_head"):
        gqa.grouped_query_attention(x, x, p, 4, 0)
    with pytest.raises(ValueError, match="finite"):
        gqa.grouped_query_attention(np.full((2, 3, 8), np.nan), x, p, 4, 2)
    with pytest.raises(ValueError, match="share batch axes"):
        gqa.grouped_query_attention(x, x[:1], p, 4, 2)
    _, cache = gqa.gqa_forward(x, x, p, 4, 2)
    with pytest.raises(ValueError, match="output's shape"):
        gqa.gqa_backward(np.zeros((2, 3, 4)), cache)
