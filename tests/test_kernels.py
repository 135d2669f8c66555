"""The shared kernels against TensorFlow: softmax, log-softmax, and the cross-entropy from
logits with its gradient (by tf.GradientTape), for integer and distribution targets, in
float64 and float32 (the dtype is kept)."""

import numpy as np
import pytest

from llmbook import kernels


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax_match_tensorflow(tf, rng, dtype, axis):
    z = (rng.normal(size=(4, 6)) * 30).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    p, lp = kernels.softmax(z, axis), kernels.log_softmax(z, axis)
    assert p.dtype == dtype and lp.dtype == dtype
    np.testing.assert_allclose(p, tf.nn.softmax(z, axis=axis).numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(lp, tf.nn.log_softmax(z, axis=axis).numpy(), rtol=tol, atol=tol)


def test_softmax_of_masked_scores_gives_exact_zeros():
    z = np.array([[0.0, -np.inf, 1.0]])
    p = kernels.softmax(z)
    assert p[0, 1] == 0.0
    np.testing.assert_allclose(p[0, [0, 2]], [1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("targets", ["indices", "one_hot", "soft"])
def test_cross_entropy_from_logits_and_its_gradient_match_tensorflow(tf, rng, dtype, targets):
    z = (rng.normal(size=(2, 3, 5)) * 4).astype(dtype)  # [B, T, V]
    t = rng.integers(0, 5, size=(2, 3))
    y = {"indices": t, "one_hot": np.eye(5)[t], "soft": rng.dirichlet(np.ones(5), size=(2, 3))}[
        targets
    ]
    loss, dz = kernels.softmax_cross_entropy(z, y)
    assert dz.dtype == dtype and dz.shape == z.shape
    zt = tf.constant(z.astype(np.float64))
    with tf.GradientTape() as tape:
        tape.watch(zt)
        if targets == "indices":
            per = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=zt)
        else:
            per = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=zt)
        ref = tf.reduce_mean(per)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert loss == pytest.approx(float(ref), rel=tol)
    np.testing.assert_allclose(dz, tape.gradient(ref, zt).numpy(), rtol=tol, atol=tol)


def test_heads_split_and_merge_are_inverse():
    x = np.arange(2 * 3 * 8.0).reshape(2, 3, 8)  # [B, T, d]
    h = kernels.split_heads(x, 4)  # [B, 4, T, 2]
    assert h.shape == (2, 4, 3, 2)
    np.testing.assert_array_equal(h[1, 2, 0], x[1, 0, 4:6])  # head 2 holds columns 4:6
    np.testing.assert_array_equal(kernels.merge_heads(h), x)
    W = np.arange(8.0 * 5).reshape(8, 5)
    np.testing.assert_array_equal(kernels.matmul(x, W), np.einsum("btd,dm->btm", x, W))
