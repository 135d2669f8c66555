"""Dropout, the L2 penalty and early stopping, against Keras and tf.GradientTape."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from llmbook import regularization as reg
from llmbook.gradcheck import check_gradient


def test_dropout_matches_keras_in_expectation_and_values():
    # Keras's Dropout(rate) in training keeps each entry with probability 1 - rate and
    # scales it by 1 / (1 - rate). Compare the two on the same input, many draws.
    rate, A = 0.3, np.random.default_rng(0).normal(size=(200, 50))
    k = keras.layers.Dropout(rate, seed=1)(A, training=True).numpy()
    ours = reg.dropout(A, reg.dropout_mask(A.shape, rate, seed=1), rate)
    for out in (k, ours):
        kept = out != 0
        # every kept entry is A / (1 - rate), exactly
        np.testing.assert_allclose(out[kept], A[kept] / (1 - rate), rtol=1e-6)
        # the share of dropped entries is rate, within 4 standard errors
        se = np.sqrt(rate * (1 - rate) / A.size)
        assert abs((~kept).mean() - rate) < 4 * se
    # expectation: the average over many masks approaches A (the mean of M / (1-p) is 1)
    means = np.mean(
        [reg.dropout(A, reg.dropout_mask(A.shape, rate, s), rate) for s in range(400)], axis=0
    )
    kmeans = np.mean(
        [keras.layers.Dropout(rate, seed=s)(A[:20], training=True).numpy() for s in range(400)],
        axis=0,
    )
    # standard error of each mean is |A| sqrt(p / (1-p) / 400) < 0.033 |A|; 5 of them
    tol = 5 * np.abs(A) * np.sqrt(rate / (1 - rate) / 400) + 1e-12
    assert np.all(np.abs(means - A) < tol)
    assert np.all(np.abs(kmeans - A[:20]) < tol[:20])


def test_dropout_rate_zero_is_identity_and_keras_inference_too():
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(reg.dropout(A, np.ones_like(A), 0.0), A)
    np.testing.assert_array_equal(keras.layers.Dropout(0.5)(A, training=False).numpy(), A)


def test_dropout_backward_fixed_mask_against_finite_differences_and_tape():
    rng = np.random.default_rng(2)
    rate, A, C = 0.4, rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    M = reg.dropout_mask(A.shape, rate, seed=3)

    def loss(a):  # L = sum(C * dropout(a)), so dL/d(dropout) = C
        return float(np.sum(C * reg.dropout(a, M, rate)))

    assert check_gradient(loss, lambda a: reg.dropout_backward(C, M, rate), A) < 1e-7
    At = tf.Variable(A)
    with tf.GradientTape() as tape:
        L = tf.reduce_sum(tf.constant(C) * tf.constant(M) * At / (1 - rate))
    np.testing.assert_allclose(
        reg.dropout_backward(C, M, rate), tape.gradient(L, At).numpy(), rtol=1e-12
    )


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.ones(3), np.ones(2), 0.5), "shape"),
        ((np.ones(3), np.full(3, 0.5), 0.5), "0 and 1"),
        ((np.ones(3), np.ones(3), 1.0), "rate"),
        ((np.ones(3), np.ones(3), -0.1), "rate"),
    ],
)
def test_dropout_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        reg.dropout(*args)


def test_l2_penalty_matches_keras_regularizer_and_tape():
    # Keras's L2(l2) is l2 * sum(W^2); ours is lam / 2 * sum(W^2), so L2(lam / 2) is the twin.
    rng = np.random.default_rng(4)
    Ws, lam = [rng.normal(size=(3, 4)), rng.normal(size=(4,))], 0.01
    ref = sum(float(keras.regularizers.L2(lam / 2)(W)) for W in Ws)
    assert reg.l2_penalty(Ws, lam) == pytest.approx(ref, rel=1e-6)
    vs = [tf.Variable(W) for W in Ws]
    with tf.GradientTape() as tape:
        R = lam / 2 * tf.add_n([tf.reduce_sum(v * v) for v in vs])
    for g, r in zip(reg.l2_penalty_grad(Ws, lam), tape.gradient(R, vs), strict=True):
        np.testing.assert_allclose(g, r.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="lam"):
        reg.l2_penalty(Ws, -1.0)


def test_l2_gradient_step_is_keras_sgd_weight_decay():
    # One SGD step on L + R with R's gradient lam * w equals Keras's SGD(weight_decay=lam),
    # which first multiplies w by (1 - lr * lam), then subtracts lr * g.
    w0, g, lr, lam = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.1, -0.2]), 0.1, 0.3
    ours = w0 - lr * (g + reg.l2_penalty_grad([w0], lam)[0])
    v = keras.Variable(w0, dtype="float64")
    keras.optimizers.SGD(lr, weight_decay=lam).apply([tf.constant(g)], [v])
    np.testing.assert_allclose(ours, np.asarray(v), rtol=1e-6)


def _keras_early_stopping(losses, patience, min_delta):
    cb = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    cb.set_model(model)
    model.stop_training = False
    cb.on_train_begin()
    for epoch, v in enumerate(losses):
        cb.on_epoch_end(epoch, {"val_loss": float(v)})
        if model.stop_training:
            return cb.best_epoch, epoch
    return cb.best_epoch, len(losses) - 1


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("patience, min_delta", [(1, 0.0), (2, 0.0), (3, 0.05)])
def test_early_stopping_matches_keras_callback(seed, patience, min_delta):
    rng = np.random.default_rng(seed)
    losses = 1.0 / (1 + np.arange(12)) + rng.uniform(0, 0.3, size=12) * np.arange(12) / 12
    assert reg.early_stopping(losses, patience, min_delta) == _keras_early_stopping(
        losses, patience, min_delta
    )


def test_early_stopping_by_hand():
    # best at epoch 1 (0.5); epochs 2 and 3 do not improve; patience 2 stops at epoch 3
    assert reg.early_stopping([0.9, 0.5, 0.6, 0.55, 0.4], patience=2) == (1, 3)
    assert reg.early_stopping([3.0, 2.0, 1.0], patience=1) == (2, 2)
    with pytest.raises(ValueError, match="patience"):
        reg.early_stopping([1.0], patience=0)
