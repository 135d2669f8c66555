"""Matrix-form backpropagation of a linear layer, against tf.GradientTape."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import tensorflow as tf

from llmbook import compgraph


@pytest.mark.parametrize("m, n_in, n_out, seed", [(1, 1, 1, 0), (5, 4, 3, 1), (7, 2, 6, 2)])
def test_linear_backward_matches_gradient_tape(m, n_in, n_out, seed):
    # Reference: L = sum(G * Z) has dL/dZ = G exactly, so the tape's gradients of L with
    # respect to X, W, b are what linear_backward must return for that G.
    rng = np.random.default_rng(seed)
    X, W, b, G = (rng.normal(size=s) for s in [(m, n_in), (n_in, n_out), (n_out,), (m, n_out)])
    Xt, Wt, bt = (tf.Variable(a, dtype=tf.float64) for a in (X, W, b))
    with tf.GradientTape() as tape:
        Z = tf.matmul(Xt, Wt) + bt
        L = tf.reduce_sum(tf.constant(G) * Z)
    ref = tape.gradient(L, [Xt, Wt, bt])
    ours = compgraph.linear_backward(X, W, G)
    for a, r in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, r.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(compgraph.linear_forward(X, W, b), Z.numpy(), rtol=1e-12)


def test_linear_backward_by_hand():
    # X = [[1, 2]], W = [[3], [4]], G = [[5]]:
    # dX = G W^T = [[15, 20]], dW = X^T G = [[5], [10]], db = [5].
    dX, dW, db = compgraph.linear_backward([[1.0, 2.0]], [[3.0], [4.0]], [[5.0]])
    np.testing.assert_array_equal(dX, [[15.0, 20.0]])
    np.testing.assert_array_equal(dW, [[5.0], [10.0]])
    np.testing.assert_array_equal(db, [5.0])


@pytest.mark.parametrize(
    "X, W, G, match",
    [
        (np.ones((2, 3)), np.ones((4, 2)), np.ones((2, 2)), "n_in"),
        (np.ones((2, 3)), np.ones((3, 2)), np.ones((3, 2)), "G must have"),
        (np.ones(3), np.ones((3, 2)), np.ones((1, 2)), "dimension"),
        (np.full((2, 3), np.nan), np.ones((3, 2)), np.ones((2, 2)), "finite"),
    ],
)
def test_linear_backward_rejects_bad_input(X, W, G, match):
    with pytest.raises(ValueError, match=match):
        compgraph.linear_backward(X, W, G)


def test_linear_forward_rejects_bad_bias():
    with pytest.raises(ValueError, match="n_out"):
        compgraph.linear_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3))


def test_graph_figure_labels_every_gradient():
    fig = compgraph.graph_figure()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for needle in [r"X^\top G", r"GW^\top", r"\sum_i G_{i,:}", "f'(Z)"]:
        assert needle in texts
    matplotlib.pyplot.close(fig)
