"""Losses and their gradients, against Keras losses, TensorFlow autodiff and finite differences."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from llmbook import activations as A
from llmbook import losses as L
from llmbook.gradcheck import check_gradient


def _tf_grad(tf, fn, *args, wrt=1):
    """Value and gradient of fn(*args) with respect to args[wrt], in float64."""
    vs = [tf.Variable(np.asarray(a, dtype=np.float64)) for a in args]
    with tf.GradientTape() as tape:
        out = fn(*vs)
    return float(out.numpy()), tape.gradient(out, vs[wrt]).numpy()


def _distributions(rng, shape):
    return A.softmax(rng.normal(scale=2.0, size=shape))


@pytest.mark.parametrize("shape", [(1,), (6,), (3, 4)])
def test_mse_matches_tensorflow(tf, rng, shape):
    y, y_hat = rng.normal(size=shape), rng.normal(size=shape)
    value, grad = _tf_grad(tf, lambda a, b: tf.reduce_mean((a - b) ** 2), y, y_hat)
    assert L.mse(y, y_hat) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(L.mse_grad(y, y_hat), grad, rtol=1e-10)
    assert check_gradient(lambda v: L.mse(y, v), lambda v: L.mse_grad(y, v), y_hat) < 1e-6


def test_mse_matches_keras_for_a_batch(tf, rng):
    import keras

    y, y_hat = rng.normal(size=(5,)), rng.normal(size=(5,))
    ref = keras.losses.MeanSquaredError(dtype="float64")(y, y_hat)
    assert L.mse(y, y_hat) == pytest.approx(float(ref), rel=1e-12)


@pytest.mark.parametrize("shape", [(), (4,)])
def test_squared_error_matches_tensorflow(tf, rng, shape):
    y, y_hat = rng.normal(size=shape), rng.normal(size=shape)
    value, grad = _tf_grad(tf, lambda a, b: tf.reduce_sum((a - b) ** 2), y, y_hat)
    assert L.squared_error(y, y_hat) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(L.squared_error_grad(y, y_hat), grad, rtol=1e-10)


def test_mse_hand_derived():
    """Article example: ((2-2.5)^2 + (4-4.2)^2) / 2 = (0.25 + 0.04) / 2 = 0.145."""
    assert L.mse([2, 4], [2.5, 4.2]) == pytest.approx(0.145, abs=1e-15)


@pytest.mark.parametrize("shape", [(2,), (5,), (3, 4)])
@pytest.mark.parametrize("base", [math.e, 2.0, 10.0])
def test_cross_entropy_matches_tensorflow(tf, rng, shape, base):
    p, q = _distributions(rng, shape), _distributions(rng, shape)

    def ref(a, b):
        return -tf.reduce_sum(a * tf.math.log(b)) / math.log(base)

    value, grad = _tf_grad(tf, ref, p, q)
    assert np.sum(L.cross_entropy(p, q, base=base)) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(L.cross_entropy_grad(p, q, base=base), grad, rtol=1e-10)


def test_cross_entropy_matches_keras_categorical(tf, rng):
    import keras

    p, q = _distributions(rng, (4, 3)), _distributions(rng, (4, 3))
    ref = keras.losses.categorical_crossentropy(p, q)
    np.testing.assert_allclose(L.cross_entropy(p, q), np.asarray(ref), rtol=1e-6)


def test_cross_entropy_hand_derived():
    """-(1 ln 0.8 + 0 ln 0.2) = -ln 0.8 = 0.22314 nats; in bits -log2 0.8 = 0.32193."""
    assert L.cross_entropy([1, 0], [0.8, 0.2]) == pytest.approx(-math.log(0.8), rel=1e-15)
    assert L.cross_entropy([1, 0], [0.8, 0.2], base=2) == pytest.approx(
        0.3219280948873623, rel=1e-12
    )
    # Entropy of a fair coin is ln 2 nats = 1 bit.
    assert L.cross_entropy([0.5, 0.5], [0.5, 0.5], base=2) == pytest.approx(1.0, rel=1e-15)


def test_cross_entropy_zero_probability_gives_inf_not_nan():
    with np.errstate(all="raise"):
        assert L.cross_entropy([1, 0], [0.0, 1.0]) == math.inf
        assert L.cross_entropy([0, 1], [0.0, 1.0]) == 0.0
        assert np.all(np.isfinite(L.cross_entropy_grad([0, 1], [0.0, 1.0])))


@pytest.mark.parametrize("shape", [(1,), (8,), (2, 3)])
def test_binary_cross_entropy_matches_tensorflow(tf, rng, shape):
    y = rng.integers(0, 2, size=shape).astype(float)
    p = rng.uniform(0.05, 0.95, size=shape)

    def ref(a, b):
        return -tf.reduce_mean(a * tf.math.log(b) + (1 - a) * tf.math.log(1 - b))

    value, grad = _tf_grad(tf, ref, y, p)
    assert L.binary_cross_entropy(y, p) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(L.binary_cross_entropy_grad(y, p), grad, rtol=1e-10)
    f = lambda v: L.binary_cross_entropy(y, v)  # noqa: E731
    assert check_gradient(f, lambda v: L.binary_cross_entropy_grad(y, v), p) < 1e-6


def test_binary_cross_entropy_matches_keras(tf, rng):
    import keras

    y = rng.integers(0, 2, size=(6,)).astype(float)
    p = rng.uniform(0.05, 0.95, size=(6,))
    ref = keras.losses.BinaryCrossentropy(dtype="float64")(y, p)
    assert L.binary_cross_entropy(y, p) == pytest.approx(float(ref), rel=1e-6)


def test_binary_cross_entropy_edges():
    """Certain and right: loss 0. Certain and wrong: inf. p=0, y=0 gradient: 1/(1-0)/n = 1."""
    assert L.binary_cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert L.binary_cross_entropy([1.0], [0.0]) == math.inf
    np.testing.assert_array_equal(L.binary_cross_entropy_grad([0.0], [0.0]), [1.0])


@pytest.mark.parametrize("shape", [(5,), (4, 3)])
def test_softmax_cross_entropy_matches_tensorflow(tf, rng, shape):
    logits = rng.normal(scale=3.0, size=shape)
    labels = _distributions(rng, shape)

    def ref(y, z):
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z))

    value, grad = _tf_grad(tf, ref, labels, logits)
    assert L.softmax_cross_entropy(labels, logits) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(
        L.softmax_cross_entropy_grad(labels, logits), grad, rtol=1e-9, atol=1e-15
    )
    f = lambda z: L.softmax_cross_entropy(labels, z)  # noqa: E731
    assert check_gradient(f, lambda z: L.softmax_cross_entropy_grad(labels, z), logits) < 1e-6


def test_softmax_cross_entropy_integer_labels_match_keras_sparse(tf, rng):
    import keras

    logits = rng.normal(scale=3.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    ref = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(
        labels, logits
    )
    assert L.softmax_cross_entropy(labels, logits) == pytest.approx(float(ref), rel=1e-10)
    np.testing.assert_allclose(
        L.softmax_cross_entropy_grad(labels, logits),
        L.softmax_cross_entropy_grad(np.eye(4)[labels], logits),
    )


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    """Logits 1e4 apart: the loss is exactly the gap for the wrong class, 0 for the right one."""
    assert L.softmax_cross_entropy([0, 1], [1e4, 0.0]) == pytest.approx(1e4)
    assert L.softmax_cross_entropy([1, 0], [1e4, 0.0]) == 0.0
    assert np.all(np.isfinite(L.softmax_cross_entropy_grad([0, 1], [1e4, -1e4])))


probs = arrays(np.float64, st.integers(1, 10), elements=st.floats(0, 1))


@given(probs, probs)
def test_losses_are_non_negative_and_zero_when_perfect(y, p):
    n = min(len(y), len(p))
    y, p = y[:n], p[:n]
    assert L.mse(y, p) >= 0
    assert L.mse(y, y) == 0
    assert L.binary_cross_entropy(y, p) >= 0
    hard = np.round(y)
    assert L.binary_cross_entropy(hard, hard) == 0


@given(arrays(np.float64, st.integers(2, 10), elements=st.floats(-50, 50)))
def test_cross_entropy_is_at_least_the_entropy(z):
    """Gibbs' inequality: H(p, q) >= H(p, p), with equality at q = p."""
    p = A.softmax(z)
    q = A.softmax(z[::-1])
    assert L.cross_entropy(p, q) >= L.cross_entropy(p, p) - 1e-12


@pytest.mark.parametrize(
    ("call", "exc", "word"),
    [
        (lambda: L.mse([1, 2], [1, 2, 3]), ValueError, "y and y_hat"),
        (lambda: L.mse([], []), ValueError, "y"),
        (lambda: L.mse([1.0], [np.nan]), ValueError, "y_hat"),
        (lambda: L.binary_cross_entropy([1.0], [1.5]), ValueError, "p"),
        (lambda: L.binary_cross_entropy([2.0], [0.5]), ValueError, "y"),
        (lambda: L.cross_entropy([0.5, 0.4], [0.5, 0.5]), ValueError, "p must sum to 1"),
        (lambda: L.cross_entropy([1.0, 0.0], [-0.1, 1.1]), ValueError, "q"),
        (lambda: L.cross_entropy([1.0, 0.0], [0.5, 0.5], base=1), ValueError, "base"),
        (lambda: L.softmax_cross_entropy([0, 3], np.zeros((2, 3))), ValueError, "labels"),
        (lambda: L.softmax_cross_entropy([[1.0, 0.0]], np.zeros((1, 3))), ValueError, "labels"),
        (lambda: L.softmax_cross_entropy([0], np.zeros((1, 3, 2))), ValueError, "logits"),
        (lambda: L.get("hinge"), ValueError, "loss"),
    ],
)
def test_bad_input_raises_a_clear_error(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
