"""One neuron's forward and backward pass, against tf.GradientTape and a hand derivation."""

import itertools
import math

import numpy as np
import pytest

from llmbook.backprop import single_neuron_step, train_single_neuron


def _tape(tf, x, w, b, y_true, activation, loss):
    xt = tf.constant(np.atleast_1d(x), dtype=tf.float64)
    wt = tf.Variable(np.atleast_1d(w), dtype=tf.float64)
    bt = tf.Variable(b, dtype=tf.float64)
    act = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu, "linear": tf.identity}
    with tf.GradientTape() as tape:
        z = tf.reduce_sum(wt * xt) + bt
        y = act[activation](z)
        if loss == "squared_error":
            value = (y_true - y) ** 2
        else:
            value = -(y_true * tf.math.log(y) + (1 - y_true) * tf.math.log(1 - y))
    gw, gb = tape.gradient(value, [wt, bt])
    return float(z), float(y), float(value), gw.numpy(), float(gb)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("n", [1, 3, 10])
def test_step_matches_gradient_tape(tf, rng, activation, n):
    x, w = rng.normal(size=n), rng.normal(size=n)
    b, y_true, lr = float(rng.normal()), float(rng.uniform()), 0.05
    s = single_neuron_step(x, w, b, y_true, lr, activation=activation)
    z, y, value, gw, gb = _tape(tf, x, w, b, y_true, activation, "squared_error")
    assert s.z == pytest.approx(z, rel=1e-12)
    assert s.y == pytest.approx(y, rel=1e-12)
    assert s.loss == pytest.approx(value, rel=1e-10)
    np.testing.assert_allclose(s.grad_w, gw, rtol=1e-9, atol=1e-15)
    assert s.grad_b == pytest.approx(gb, rel=1e-9, abs=1e-15)
    np.testing.assert_allclose(s.w_new, w - lr * gw, rtol=1e-12)
    assert s.b_new == pytest.approx(b - lr * gb, rel=1e-12)


def test_binary_cross_entropy_loss_matches_gradient_tape(tf, rng):
    x, w = rng.normal(size=4), rng.normal(size=4)
    s = single_neuron_step(x, w, 0.1, 1.0, 0.5, loss="binary_cross_entropy")
    _, _, value, gw, _ = _tape(tf, x, w, 0.1, 1.0, "sigmoid", "binary_cross_entropy")
    assert s.loss == pytest.approx(value, rel=1e-10)
    np.testing.assert_allclose(s.grad_w, gw, rtol=1e-9)
    # With sigmoid + cross-entropy, dL/dz simplifies to y - y_true.
    assert s.dloss_dz == pytest.approx(s.y - 1.0, rel=1e-10)


def test_article_example_by_hand():
    """x=1, w=0.5, b=0.2, y_true=0.8, lr=0.1, sigmoid, L = (y_true - y)^2.

    z = 0.5*1 + 0.2 = 0.7
    y = 1/(1 + e^-0.7) = 1/(1 + 0.496585) = 0.668188
    L = (0.8 - 0.668188)^2 = 0.131812^2 = 0.0173745
    dL/dy = -2 (0.8 - 0.668188) = -0.263624
    dy/dz = y (1 - y) = 0.668188 * 0.331812 = 0.221713
    dL/dz = -0.263624 * 0.221713 = -0.0584489
    dL/dw = dL/dz * x = -0.0584489, dL/db = -0.0584489
    w_new = 0.5 + 0.1 * 0.0584489 = 0.505845, b_new = 0.205845
    """
    s = single_neuron_step(1.0, 0.5, 0.2, 0.8, 0.1)
    y = 1 / (1 + math.exp(-0.7))
    assert s.z == pytest.approx(0.7, abs=1e-15)
    assert s.y == pytest.approx(0.668188, abs=1e-6) == y
    assert s.loss == pytest.approx(0.0173745, abs=1e-7)
    assert s.dloss_dy == pytest.approx(-0.263624, abs=1e-6)
    assert s.dy_dz == pytest.approx(0.221713, abs=1e-6)
    assert s.dloss_dz == pytest.approx(-0.0584489, abs=1e-7)
    assert s.grad_w[0] == pytest.approx(-0.0584489, abs=1e-7)
    assert s.grad_b == pytest.approx(-0.0584489, abs=1e-7)
    assert s.w_new[0] == pytest.approx(0.505845, abs=1e-6)
    assert s.b_new == pytest.approx(0.205845, abs=1e-6)


def test_training_reduces_the_loss_towards_zero():
    history = train_single_neuron(1.0, 0.5, 0.2, 0.8, lr=1.0, steps=200)
    losses = [s.loss for s in history]
    assert len(history) == 200
    assert all(b <= a for a, b in itertools.pairwise(losses))
    assert losses[-1] < 1e-4
    assert history[1].w[0] == history[0].w_new[0]


def test_the_trace_is_frozen():
    s = single_neuron_step(1.0, 0.5, 0.2, 0.8, 0.1)
    with pytest.raises(AttributeError):
        s.loss = 0.0


def test_extreme_weights_do_not_produce_nan():
    s = single_neuron_step([1.0, -2.0], [1e4, 1e4], 0.0, 1.0, 0.1)
    assert all(np.isfinite(v).all() for v in (s.y, s.loss, s.grad_w, s.w_new))
    assert s.dy_dz == 0.0  # saturated sigmoid: the gradient vanishes, it does not blow up


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"lr": math.nan}, ValueError, "lr"),
        ({"x": [1.0, 2.0]}, ValueError, "x and w"),
        ({"x": []}, ValueError, "x"),
        ({"b": [0.1, 0.2]}, ValueError, "b"),
        ({"y_true": "one"}, TypeError, "y_true"),
        ({"activation": "softplus"}, ValueError, "activation"),
        ({"loss": "hinge"}, ValueError, "loss"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, exc, word):
    args = {"x": 1.0, "w": 0.5, "b": 0.2, "y_true": 0.8, "lr": 0.1} | kwargs
    with pytest.raises(exc, match=word):
        single_neuron_step(**args)


def test_train_refuses_non_positive_steps():
    with pytest.raises(ValueError, match="steps"):
        train_single_neuron(1.0, 0.5, 0.2, 0.8, 0.1, steps=0)
