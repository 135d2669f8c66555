"""Activations and their derivatives, against TensorFlow autodiff and finite differences."""

import numpy as np
import pytest
from conftest import SHAPES
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from llmbook import activations as A
from llmbook.gradcheck import check_gradient

ELEMENTWISE = ["sigmoid", "tanh", "relu", "linear"]
TF_FUNCS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
}


@pytest.mark.parametrize("name", list(TF_FUNCS))
@pytest.mark.parametrize("shape", SHAPES)
def test_value_and_derivative_match_tensorflow(tf, rng, name, shape):
    """f(z) equals tf.nn.<f>(z); f'(z) equals the GradientTape derivative of sum f(z)."""
    z = rng.normal(scale=3.0, size=shape)
    f, f_grad = A.get(name)
    zt = tf.Variable(z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        yt = getattr(tf.nn, TF_FUNCS[name])(zt)
        total = tf.reduce_sum(yt)
    np.testing.assert_allclose(f(z), yt.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(f_grad(z), tape.gradient(total, zt).numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(rng, name):
    """Central differences agree with the analytic derivative (away from ReLU's kink)."""
    f, f_grad = A.get(name)
    z = rng.normal(scale=2.0, size=(4, 3))
    z[np.abs(z) < 1e-3] = 0.5  # keep the ReLU kink out of the finite-difference stencil
    assert check_gradient(lambda v: f(v).sum(), f_grad, z) < 1e-6


def test_check_gradient_catches_a_missing_factor(rng):
    """A derivative off by a factor of 2 is far above the 1e-6 tolerance (so the test above can fail)."""
    z = rng.normal(size=5)
    assert check_gradient(lambda v: A.sigmoid(v).sum(), lambda v: 2 * A.sigmoid_grad(v), z) > 0.1


def test_hand_derived_values():
    """sigma(0) = 1/2, sigma'(0) = 1/4, tanh(0) = 0, tanh'(0) = 1, relu(-1.3) = 0, relu(1.3) = 1.3."""
    assert A.sigmoid(0.0) == 0.5
    assert A.sigmoid_grad(0.0) == 0.25
    assert A.tanh(0.0) == 0.0
    assert A.tanh_grad(0.0) == 1.0
    assert A.relu(-1.3) == 0.0
    assert A.relu(1.3) == 1.3
    # sigma(ln 3) = 1 / (1 + 1/3) = 3/4
    assert A.sigmoid(np.log(3.0)) == pytest.approx(0.75, rel=1e-15)


def test_relu_derivative_at_zero_is_zero_like_tensorflow(tf):
    zt = tf.Variable([0.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tf.nn.relu(zt)
    assert tape.gradient(y, zt).numpy()[0] == A.relu_grad(0.0) == 0.0


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_matches_tensorflow_and_its_jacobian(tf, rng, axis):
    z = rng.normal(scale=4.0, size=(3, 5))
    np.testing.assert_allclose(
        A.softmax(z, axis=axis), tf.nn.softmax(z, axis=axis).numpy(), rtol=1e-12
    )
    # The Jacobian of softmax is diag(s) - s s^T; check one row against TF autodiff.
    v = rng.normal(size=5)
    s = A.softmax(v)
    zt = tf.Variable(v)
    with tf.GradientTape() as tape:
        out = tf.nn.softmax(zt)
    jac = tape.jacobian(out, zt).numpy()
    np.testing.assert_allclose(jac, np.diag(s) - np.outer(s, s), atol=1e-14)


def test_extreme_inputs_are_stable():
    """No overflow warning (pytest turns RuntimeWarning into errors) and no NaN at |z| = 1e4."""
    z = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    for name in ELEMENTWISE:
        f, f_grad = A.get(name)
        assert np.all(np.isfinite(f(z)))
        assert np.all(np.isfinite(f_grad(z)))
    assert A.sigmoid(-1e4) == 0.0 and A.sigmoid(1e4) == 1.0
    assert A.sigmoid_grad(1e4) == 0.0
    s = A.softmax([1e4, 0.0, -1e4])
    np.testing.assert_array_equal(s, [1.0, 0.0, 0.0])


finite = st.floats(-1e4, 1e4, allow_nan=False)


@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_sigmoid_in_unit_interval_and_symmetric(z):
    s = A.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + A.sigmoid(-z), 1.0, atol=1e-15)


@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_tanh_is_odd_and_twice_a_shifted_sigmoid(z):
    np.testing.assert_allclose(A.tanh(-z), -A.tanh(z))
    # tanh z = 2 sigma(2z) - 1
    np.testing.assert_allclose(A.tanh(z), 2 * A.sigmoid(2 * z) - 1, atol=1e-15)


@given(
    arrays(np.float64, st.integers(1, 20), elements=finite),
    st.floats(-1e3, 1e3, allow_nan=False),
)
def test_softmax_is_a_distribution_and_shift_invariant(z, c):
    s = A.softmax(z)
    assert np.all(s >= 0)
    assert s.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(A.softmax(z + c), s, atol=1e-9)


@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_derivatives_are_bounded(z):
    assert np.all((A.sigmoid_grad(z) >= 0) & (A.sigmoid_grad(z) <= 0.25))
    assert np.all((A.tanh_grad(z) >= 0) & (A.tanh_grad(z) <= 1))
    assert set(np.unique(A.relu_grad(z))) <= {0.0, 1.0}


@pytest.mark.parametrize(
    ("call", "exc", "word"),
    [
        (lambda: A.sigmoid([]), ValueError, "z"),
        (lambda: A.sigmoid([1.0, np.nan]), ValueError, "z"),
        (lambda: A.tanh([np.inf]), ValueError, "z"),
        (lambda: A.relu("abc"), TypeError, "z"),
        (lambda: A.softmax(1.0), ValueError, "z"),
        (lambda: A.softmax([1.0, 2.0], axis=3), ValueError, "axis"),
        (lambda: A.get("swish"), ValueError, "activation"),
        (lambda: A.get(3), TypeError, "activation"),
    ],
)
def test_bad_input_raises_a_clear_error(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_get_is_case_insensitive_and_lists_names():
    assert A.get("ReLU") == (A.relu, A.relu_grad)
    with pytest.raises(ValueError, match="sigmoid, tanh, relu"):
        A.get("gelu2")
