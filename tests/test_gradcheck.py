"""Finite differences against gradients derived by hand."""

import numpy as np
import pytest

from llmbook.gradcheck import check_gradient, numerical_gradient


def test_numerical_gradient_of_a_cubic(rng):
    """f(x) = sum x^3 has gradient 3 x^2 (central differences are exact up to eps^2 * x's 3rd derivative)."""
    x = rng.normal(size=(3, 2))
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-8)


def test_numerical_gradient_of_a_quadratic_form(rng):
    """f(x) = x^T M x has gradient (M + M^T) x."""
    m = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    np.testing.assert_allclose(numerical_gradient(lambda v: v @ m @ v, x), (m + m.T) @ x, rtol=1e-7)


def test_check_gradient_separates_right_from_wrong(rng):
    x = rng.normal(size=5)
    f = lambda v: np.sum(np.sin(v))  # noqa: E731
    assert check_gradient(f, np.cos, x) < 1e-8
    assert check_gradient(f, lambda v: np.cos(v) * 2, x) == pytest.approx(1 / 3, rel=1e-5)
    assert check_gradient(f, lambda v: -np.cos(v), x) == pytest.approx(1.0, rel=1e-6)


def test_zero_gradients_give_zero_error():
    assert check_gradient(lambda v: 0.0, np.zeros_like, np.ones(3)) == 0.0


def test_x_is_not_modified(rng):
    x = rng.normal(size=3)
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    ("call", "exc", "word"),
    [
        (lambda: numerical_gradient(3, [1.0]), TypeError, "f must be callable"),
        (lambda: numerical_gradient(np.sum, [1.0], eps=0), ValueError, "eps"),
        (lambda: numerical_gradient(lambda v: v, [1.0, 2.0]), TypeError, "single number"),
        (lambda: numerical_gradient(np.sum, []), ValueError, "x"),
        (lambda: check_gradient(np.sum, lambda v: np.ones(4), np.ones(3)), ValueError, "grad_f"),
    ],
)
def test_bad_input_raises_a_clear_error(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
