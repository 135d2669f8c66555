"""The toy data sets have the shapes, balance and geometry their docstrings promise."""

import numpy as np
import pytest

from llmbook import toydata


@pytest.mark.parametrize("name", toydata.NAMES)
def test_shapes_balance_and_determinism(name):
    X, y = toydata.get(name)(100, seed=3)
    assert X.shape == (100, 2) and y.shape == (100,) and X.dtype == np.float64
    assert np.sum(y == 0) == 50 and np.sum(y == 1) == 50
    X2, y2 = toydata.get(name)(100, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_xor_labels_are_the_sign_of_the_product():
    X, y = toydata.xor(400)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    assert np.all(np.abs(X) >= 0.1) and np.all(np.abs(X) <= 1.0)


def test_circles_radii():
    X, y = toydata.circles(400)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all(r[y == 1] <= 0.5) and np.all((r[y == 0] >= 0.9) & (r[y == 0] <= 1.3))


def test_moons_lie_on_their_half_circles():
    X, y = toydata.moons(400)
    a = X[y == 0] + [0.5, 0.25]  # back to (cos t, sin t)
    b = [1.0, 0.5] - (X[y == 1] + [0.5, 0.25])  # back to (cos t, sin t)
    for pts in (a, b):
        np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), 1.0, rtol=1e-12)
        assert np.all(pts[:, 1] >= 0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must"):
        toydata.xor(3)
    with pytest.raises(ValueError, match="noise"):
        toydata.circles(10, noise=-1)
    with pytest.raises(ValueError, match="unknown data set"):
        toydata.get("spiral")
