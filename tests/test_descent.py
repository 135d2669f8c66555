"""Gradient descent on quadratics, checked against the closed form derived by hand.

On f(x) = a x^2 / 2 the gradient is a x, so one step gives x - alpha a x = (1 - alpha a) x
and, by induction, x_k = (1 - alpha a)^k x_0. The error shrinks iff |1 - alpha a| < 1,
i.e. 0 < alpha < 2 / a; it flips sign iff 1 - alpha a < 0, i.e. alpha > 1 / a.
"""

import numpy as np
import pytest

from llmbook import descent
from llmbook.gradcheck import check_gradient


@pytest.mark.parametrize("a, lr", [(1.0, 0.1), (4.0, 0.3), (4.0, 0.6), (10.0, 0.05)])
def test_1d_iterates_follow_the_closed_form(a, lr):
    surface = descent.Quadratic([a])
    traj = descent.gradient_descent(surface, 2.0, lr, steps=15)
    k = np.arange(16)
    np.testing.assert_allclose(traj.points[:, 0], (1 - lr * a) ** k * 2.0, rtol=1e-12)
    np.testing.assert_allclose(traj.values, 0.5 * a * ((1 - lr * a) ** k * 2.0) ** 2, rtol=1e-12)
    assert not traj.diverged


def test_2d_coordinates_are_independent():
    # f(x, y) = (x^2 + 4 y^2) / 2: x_k = (1 - lr)^k x0, y_k = (1 - 4 lr)^k y0.
    surface = descent.Quadratic([1.0, 4.0])
    traj = descent.gradient_descent(surface, [1.5, -1.0], 0.2, steps=10)
    k = np.arange(11)
    np.testing.assert_allclose(traj.points[:, 0], 0.8**k * 1.5, rtol=1e-12)
    np.testing.assert_allclose(traj.points[:, 1], 0.2**k * -1.0, atol=1e-15)


def test_gradient_matches_finite_differences(rng):
    surface = descent.Quadratic([0.5, 3.0, 7.0])
    x = rng.normal(size=3)
    assert check_gradient(surface.value, surface.grad, x) < 1e-8


@pytest.mark.parametrize("a", [0.5, 1.0, 4.0])
def test_diverges_iff_lr_above_two_over_a(a):
    surface = descent.Quadratic([a])
    below = descent.gradient_descent(surface, 1.0, 0.99 * 2 / a, steps=200)
    above = descent.gradient_descent(surface, 1.0, 1.01 * 2 / a, steps=200)
    assert abs(below.points[-1, 0]) < 1.0  # |1 - 1.98| = 0.98 < 1
    assert abs(above.points[-1, 0]) > 1.0  # |1 - 2.02| = 1.02 > 1
    assert descent.regime(0.99 * 2 / a, a) == "oscillating"
    assert descent.regime(1.01 * 2 / a, a) == "diverging"


@pytest.mark.parametrize(
    "lr, expected",
    # a = 4: r = 1 - 4 lr. lr = 0.01: r = 0.96 > 0.9 slow; 0.1: r = 0.6 good; 0.25: r = 0 good
    # (one step to the minimum); 0.3: r = -0.2 oscillating; 0.5: r = -1 oscillating for ever;
    # 0.6: r = -1.4 diverging.
    [
        (0.01, "slow"),
        (0.1, "good"),
        (0.25, "good"),
        (0.3, "oscillating"),
        (0.5, "oscillating"),
        (0.6, "diverging"),
    ],
)
def test_regime_1d(lr, expected):
    assert descent.regime(lr, 4.0) == expected


@pytest.mark.parametrize(
    "lr, expected",
    # curvatures (1, 4): r = (1 - lr, 1 - 4 lr). 0.05: (0.95, 0.8) slow; 0.2: (0.8, 0.2) good;
    # 0.45: (0.55, -0.8), the larger |r| is negative: oscillating; 0.55: (0.45, -1.2) diverging.
    [(0.05, "slow"), (0.2, "good"), (0.45, "oscillating"), (0.55, "diverging")],
)
def test_regime_2d(lr, expected):
    assert descent.regime(lr, [1.0, 4.0]) == expected


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.3, 0.45, 0.6])
def test_regime_agrees_with_the_run(lr):
    surface = descent.Quadratic([1.0, 4.0])
    traj = descent.gradient_descent(surface, [1.0, 1.0], lr, steps=60)
    name = descent.regime(lr, surface.curvatures)
    grows = traj.values[-1] > traj.values[0]
    assert grows == (name == "diverging")
    if name == "oscillating":  # the stiff coordinate dominates and flips sign every step
        signs = np.sign(traj.points[:, 1])
        assert np.all(signs[1:] == -signs[:-1])


def test_huge_learning_rate_stops_without_overflow():
    traj = descent.gradient_descent(descent.Quadratic([4.0]), 1.0, 1e300, steps=50)
    assert traj.diverged
    assert np.all(np.isfinite(traj.values))
    assert len(traj.points) < 51


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_learning_rate_is_refused(lr):
    with pytest.raises(ValueError, match="lr"):
        descent.gradient_descent(descent.Quadratic([1.0]), 1.0, lr)
    with pytest.raises(ValueError, match="lr"):
        descent.regime(lr, 1.0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="curvatures"):
        descent.Quadratic([1.0, 0.0])
    with pytest.raises(ValueError, match="curvatures"):
        descent.Quadratic([])
    with pytest.raises(ValueError, match="x0"):
        descent.gradient_descent(descent.Quadratic([1.0, 2.0]), [1.0], 0.1)
    with pytest.raises(ValueError, match="steps"):
        descent.gradient_descent(descent.Quadratic([1.0]), 1.0, 0.1, steps=0)
    with pytest.raises(ValueError, match="slow_rate"):
        descent.regime(0.1, 1.0, slow_rate=1.0)
