"""Gated feed-forward networks against Keras Dense layers, tf.GradientTape and finite differences."""

import math

import numpy as np
import pytest

from llmbook import glu, gradcheck


def _keras_gate(variant):
    """The gate as Keras/TensorFlow compute it."""
    import keras
    import tensorflow as tf

    return {
        "glu": keras.activations.sigmoid,
        "reglu": keras.activations.relu,
        "geglu": lambda z: tf.nn.gelu(z, approximate=True),
        "swiglu": keras.activations.silu,
    }[variant]


#: TensorFlow's tanh-form GELU agrees with numpy's to about 5e-8 relative in float64, not to the
#: last bit (as in test_block.test_gelu_matches_tensorflow); a wrong constant would be off by 1e-3.
RTOL = {"glu": 1e-11, "reglu": 1e-11, "geglu": 1e-7, "swiglu": 1e-11}


def _weights(rng, d=6, d_ff=10):
    return rng.normal(size=(d, d_ff)), rng.normal(size=(d, d_ff)), rng.normal(size=(d_ff, d))


@pytest.mark.parametrize("variant", sorted(glu.VARIANTS))
def test_forward_equals_keras_dense_layers(variant, rng, tf):
    """Three bias-free keras.layers.Dense: out(gate(x) * value(x)), the gate with f."""
    import keras

    W, V, W2 = _weights(rng)
    x = rng.normal(size=(2, 3, 6))
    gate = keras.layers.Dense(10, use_bias=False, activation=_keras_gate(variant), dtype="float64")
    value = keras.layers.Dense(10, use_bias=False, dtype="float64")
    out = keras.layers.Dense(6, use_bias=False, dtype="float64")
    for layer, w in ((gate, W), (value, V), (out, W2)):
        layer.build((None, w.shape[0]))
        layer.set_weights([w])
    expected = np.asarray(out(gate(x) * value(x)))
    y, _ = glu.glu_ffn(x, W, V, W2, variant)
    np.testing.assert_allclose(y, expected, rtol=RTOL[variant], atol=1e-12)


@pytest.mark.parametrize("variant", sorted(glu.VARIANTS))
def test_backward_equals_gradient_tape(variant, rng, tf):
    W, V, W2 = _weights(rng)
    x = rng.normal(size=(4, 6))
    dy = rng.normal(size=x.shape)
    _, cache = glu.glu_ffn(x, W, V, W2, variant)
    dx, grads = glu.glu_ffn_backward(dy, cache)
    f = _keras_gate(variant)
    xt, Wt, Vt, W2t = (tf.Variable(a) for a in (x, W, V, W2))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(((f(xt @ Wt) * (xt @ Vt)) @ W2t) * dy)
    tdx, tdW, tdV, tdW2 = tape.gradient(loss, [xt, Wt, Vt, W2t])
    for ours, ref in ((dx, tdx), (grads["W"], tdW), (grads["V"], tdV), (grads["W_2"], tdW2)):
        np.testing.assert_allclose(
            ours, ref.numpy(), rtol=max(RTOL[variant], 1e-10), atol=RTOL[variant]
        )


@pytest.mark.parametrize("variant", sorted(glu.VARIANTS))
def test_backward_equals_finite_differences(variant, rng):
    W, V, W2 = _weights(rng, d=4, d_ff=5)
    x = rng.normal(size=(3, 4))
    dy = rng.normal(size=x.shape)

    def loss(z):
        return np.sum(glu.glu_ffn(z, W, V, W2, variant)[0] * dy)

    def grad(z):
        return glu.glu_ffn_backward(dy, glu.glu_ffn(z, W, V, W2, variant)[1])[0]

    def loss_W(w):
        return np.sum(glu.glu_ffn(x, w, V, W2, variant)[0] * dy)

    def grad_W(w):
        return glu.glu_ffn_backward(dy, glu.glu_ffn(x, w, V, W2, variant)[1])[1]["W"]

    assert gradcheck.check_gradient(loss, grad, x) < 1e-7
    assert gradcheck.check_gradient(loss_W, grad_W, W) < 1e-7


def test_silu_by_hand_and_against_keras(rng, tf):
    """silu(0) = 0 * 1/2 = 0; silu'(0) = 1/2 (1 + 0) = 1/2; silu(z) -> z for large z, -> 0 for very negative z."""
    import keras

    assert glu.silu(0.0) == 0.0 and glu.silu_grad(0.0) == 0.5
    np.testing.assert_allclose(
        glu.silu(np.array([50.0, -50.0])), [50.0, -50 * math.exp(-50)], rtol=1e-12
    )
    z = rng.normal(size=20) * 4
    np.testing.assert_allclose(glu.silu(z), np.asarray(keras.activations.silu(z)), rtol=1e-12)
    assert gradcheck.check_gradient(lambda t: glu.silu(t).sum(), glu.silu_grad, z) < 1e-8


def test_no_overflow_at_extreme_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        z = np.array([-1e4, -800.0, 800.0, 1e4])
        assert np.all(np.isfinite(glu.silu(z))) and np.all(np.isfinite(glu.silu_grad(z)))


def test_parameter_count_of_eight_thirds():
    """Three d x (8d/3) matrices hold as many numbers as two d x 4d: 3 * 8/3 = 8 = 2 * 4."""
    d = 3 * 256
    assert 3 * d * (8 * d // 3) == 2 * d * (4 * d)


@pytest.mark.parametrize(
    "d, multiple_of, mult, expected",
    [
        # Llama 2 7B: 2 * 16384 / 3 = 10922.67 -> 10922 -> 43 * 256 = 11008
        (4096, 256, None, 11008),
        # Llama 2 13B: 2 * 20480 / 3 = 13653 -> 54 * 256 = 13824
        (5120, 256, None, 13824),
        # Llama 2 70B: 2 * 32768 / 3 = 21845; * 1.3 = 28398.5 -> 28398 -> 7 * 4096 = 28672
        (8192, 4096, 1.3, 28672),
        # Llama 3 8B: 10922 * 1.3 = 14198.6 -> 14198 -> 14 * 1024 = 14336
        (4096, 1024, 1.3, 14336),
    ],
)
def test_ffn_width_as_llama_rounds(d, multiple_of, mult, expected):
    assert glu.ffn_width(d, multiple_of, mult) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(d_model=0),
        dict(d_model=4.0),
        dict(d_model=8, multiple_of=0),
        dict(d_model=8, ffn_dim_multiplier=-1.0),
    ],
)
def test_ffn_width_bad_input(kwargs):
    with pytest.raises(ValueError):
        glu.ffn_width(**kwargs)


def test_bad_shapes_and_variant(rng):
    W, V, W2 = _weights(rng)
    with pytest.raises(ValueError, match="variant"):
        glu.glu_ffn(np.ones((2, 6)), W, V, W2, "tanhglu")
    with pytest.raises(ValueError, match="W_2"):
        glu.glu_ffn(np.ones((2, 5)), W, V, W2)
    with pytest.raises(ValueError):
        glu.glu_ffn(np.ones((2, 6)), W, V[:, :9], W2)
    with pytest.raises(ValueError):
        glu.glu_ffn(np.full((2, 6), np.inf), W, V, W2)
    _, cache = glu.glu_ffn(np.ones((2, 6)), W, V, W2)
    with pytest.raises(ValueError, match="dy"):
        glu.glu_ffn_backward(np.ones((3, 6)), cache)
