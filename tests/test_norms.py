"""RMSNorm against Keras's RMSNormalization, tf.GradientTape and finite differences."""

import numpy as np
import pytest

from llmbook import block, gradcheck, norms


@pytest.mark.parametrize("shape", [(5,), (3, 8), (2, 4, 16)])
@pytest.mark.parametrize("eps", [1e-6, 1e-5, 0.5])
def test_rms_norm_equals_keras(shape, eps, rng, tf):
    """keras.layers.RMSNormalization(axis=-1, epsilon): x * rsqrt(mean(x^2) + eps) * scale.

    eps = 0.5 makes the placement of epsilon (inside the square root, added to the mean
    square) visible: adding it outside would change the result by far more than 1e-12.
    """
    import keras

    x = rng.normal(size=shape)
    gamma = rng.normal(size=shape[-1])
    layer = keras.layers.RMSNormalization(axis=-1, epsilon=eps, dtype="float64")
    layer.build(shape)
    layer.set_weights([gamma])
    expected = np.asarray(layer(x))
    y, _ = norms.rms_norm(x, gamma, eps)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_keras_default_epsilon_is_ours():
    import keras

    assert keras.layers.RMSNormalization().epsilon == 1e-6
    import inspect

    assert inspect.signature(norms.rms_norm).parameters["eps"].default == 1e-6


def test_rms_norm_by_hand():
    """x = (3, 4): mean square (9 + 16)/2 = 12.5; with eps = 0.0 + 1e-300 ~ 0, y = x / sqrt(12.5)."""
    y, _ = norms.rms_norm(np.array([3.0, 4.0]), np.ones(2), eps=1e-300)
    np.testing.assert_allclose(y, np.array([3.0, 4.0]) / np.sqrt(12.5), rtol=1e-15)


def test_output_has_unit_rms_and_is_scale_invariant(rng):
    x = rng.normal(size=(4, 32)) * 7 + 3
    y, _ = norms.rms_norm(x, np.ones(32), eps=1e-12)
    np.testing.assert_allclose(np.sqrt(np.mean(y * y, axis=-1)), 1.0, rtol=1e-9)
    y2, _ = norms.rms_norm(10 * x, np.ones(32), eps=1e-12)
    np.testing.assert_allclose(y2, y, rtol=1e-9)
    # Unlike layer norm, RMSNorm keeps the mean: its output is not centred.
    assert np.all(np.abs(y.mean(-1)) > 0.1)


def test_rms_norm_equals_layer_norm_on_centred_input(rng):
    """When the mean is 0, variance = mean square, so layer norm (beta = 0) equals RMSNorm."""
    x = rng.normal(size=(3, 10))
    x -= x.mean(-1, keepdims=True)
    gamma = rng.normal(size=10)
    ln, _ = block.layer_norm(x, gamma, np.zeros(10), eps=1e-5)
    rms, _ = norms.rms_norm(x, gamma, eps=1e-5)
    np.testing.assert_allclose(rms, ln, rtol=1e-12)


def test_backward_equals_gradient_tape(rng, tf):
    x = rng.normal(size=(2, 3, 6))
    gamma = rng.normal(size=6)
    dy = rng.normal(size=x.shape)
    _, cache = norms.rms_norm(x, gamma, 1e-5)
    dx, grads = norms.rms_norm_backward(dy, cache)
    xt, gt = tf.Variable(x), tf.Variable(gamma)
    with tf.GradientTape() as tape:
        ms = tf.reduce_mean(xt * xt, axis=-1, keepdims=True)
        yt = gt * xt / tf.sqrt(ms + 1e-5)
        loss = tf.reduce_sum(yt * dy)
    tdx, tdg = tape.gradient(loss, [xt, gt])
    np.testing.assert_allclose(dx, tdx.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads["gamma"], tdg.numpy(), rtol=1e-10, atol=1e-12)


def test_backward_equals_finite_differences(rng):
    x = rng.normal(size=(3, 5))
    gamma = rng.normal(size=5)
    dy = rng.normal(size=x.shape)

    def loss_x(z):
        return np.sum(norms.rms_norm(z, gamma, 1e-5)[0] * dy)

    def grad_x(z):
        return norms.rms_norm_backward(dy, norms.rms_norm(z, gamma, 1e-5)[1])[0]

    def loss_g(g):
        return np.sum(norms.rms_norm(x, g, 1e-5)[0] * dy)

    def grad_g(g):
        return norms.rms_norm_backward(dy, norms.rms_norm(x, g, 1e-5)[1])[1]["gamma"]

    assert gradcheck.check_gradient(loss_x, grad_x, x) < 1e-7
    assert gradcheck.check_gradient(loss_g, grad_g, gamma) < 1e-7


def test_float32_stays_float32(rng):
    x = rng.normal(size=(2, 8)).astype(np.float32)
    y, _ = norms.rms_norm(x, np.ones(8, np.float32))
    assert y.dtype == np.float32


@pytest.mark.parametrize(
    "args, err",
    [
        ((np.ones(3), np.ones(4)), ValueError),
        ((np.ones(3), np.ones((3, 1))), ValueError),
        ((np.array(1.0), np.ones(1)), ValueError),
        ((np.array([1.0, np.nan]), np.ones(2)), ValueError),
        ((np.ones(2), np.ones(2), 0.0), ValueError),
        ((np.ones(2), np.ones(2), -1e-6), ValueError),
        (("ab", np.ones(2)), TypeError),
    ],
)
def test_bad_input(args, err):
    with pytest.raises(err):
        norms.rms_norm(*args)


def test_backward_checks_shape():
    _, cache = norms.rms_norm(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="dy"):
        norms.rms_norm_backward(np.ones((3, 2)), cache)


def test_zero_input_gives_zero_not_nan():
    y, cache = norms.rms_norm(np.zeros((2, 4)), np.ones(4))
    assert np.all(y == 0)
    dx, _ = norms.rms_norm_backward(np.ones((2, 4)), cache)
    assert np.all(np.isfinite(dx))


def test_time_per_call_measures_and_checks():
    calls = []
    t = norms.time_per_call(lambda: calls.append(1), repeat=3, number=2)
    assert t >= 0 and len(calls) == 1 + 3 * 2
    with pytest.raises(TypeError):
        norms.time_per_call(3)
    with pytest.raises(ValueError):
        norms.time_per_call(lambda: None, repeat=0)
