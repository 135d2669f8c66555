"""Numpy layers against Keras 3 layers (float64, same weights) and their backward passes
against tf.GradientTape and finite differences (llmbook.gradcheck)."""

import numpy as np
import pytest

from llmbook.gradcheck import check_gradient
from llmbook.layers import Conv1D, Dense, Embedding, SimpleRNN


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _keras_layer(keras, layer, input_shape):
    """Build a Keras layer on an input shape so its weights exist."""
    layer.build(input_shape)
    return layer


def _tape_grads(tf, klayer, x, R, wrt_input=True):
    """Gradients of sum(R * klayer(x)) with respect to x and the layer's weights."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        if wrt_input:
            tape.watch(xt)
        out = klayer(xt)
        value = tf.reduce_sum(tf.constant(R) * out)
    targets = ([xt] if wrt_input else []) + list(klayer.trainable_weights)
    return [
        g.numpy() if not hasattr(g, "values") else tf.convert_to_tensor(g).numpy()
        for g in tape.gradient(value, targets)
    ]


def _randomize(layer, rng, scale=0.5):
    layer.set_weights([rng.normal(scale=scale, size=p.shape) for p in layer.params.values()])


# ----- Dense -------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu"])
def test_dense_matches_keras_forward_and_gradient_tape(tf, keras, rng, activation):
    x = rng.normal(size=(5, 4))
    ours = Dense(4, 3, activation=activation, seed=1)
    _randomize(ours, rng)
    k = _keras_layer(
        keras, keras.layers.Dense(3, activation=activation, dtype="float64"), (None, 4)
    )
    k.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.forward(x), k(x).numpy(), rtol=1e-12, atol=1e-14)
    R = rng.normal(size=(5, 3))
    dx = ours.backward(R)
    gx, gW, gb = _tape_grads(tf, k, x, R)
    np.testing.assert_allclose(dx, gx, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ours.grads["W"], gW, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ours.grads["b"], gb, rtol=1e-10, atol=1e-13)


def test_dense_on_sequences_uses_the_last_axis(tf, keras, rng):
    x = rng.normal(size=(2, 6, 4))  # [batch, seq, features]
    ours = Dense(4, 3, activation="tanh", seed=2)
    k = _keras_layer(keras, keras.layers.Dense(3, activation="tanh", dtype="float64"), (None, 6, 4))
    k.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.forward(x), k(x).numpy(), rtol=1e-12)
    R = rng.normal(size=(2, 6, 3))
    dx = ours.backward(R)
    gx, gW, gb = _tape_grads(tf, k, x, R)
    np.testing.assert_allclose(dx, gx, rtol=1e-10)
    np.testing.assert_allclose(ours.grads["W"], gW, rtol=1e-10)
    np.testing.assert_allclose(ours.grads["b"], gb, rtol=1e-10)


def test_dense_gradients_by_finite_differences(rng):
    x = rng.normal(size=(3, 4))
    layer = Dense(4, 2, activation="sigmoid", seed=3)
    R = rng.normal(size=(3, 2))

    def loss_of_W(W):
        saved = layer.W.copy()
        layer.W[...] = W
        value = float(np.sum(R * layer.forward(x)))
        layer.W[...] = saved
        return value

    def grad_W(W):
        layer.forward(x)
        layer.backward(R)
        return layer.grads["W"]

    assert check_gradient(loss_of_W, grad_W, layer.W.copy()) < 1e-7

    def loss_of_x(xx):
        return float(np.sum(R * layer.forward(xx)))

    def grad_x(xx):
        layer.forward(xx)
        return layer.backward(R)

    assert check_gradient(loss_of_x, grad_x, x) < 1e-7


def test_dense_by_hand():
    """x = [1, 2], W = [[0.5], [0.3]], b = [0.2]: z = 0.5 + 0.6 + 0.2 = 1.3 (the article's neuron)."""
    layer = Dense(2, 1)
    layer.set_weights([np.array([[0.5], [0.3]]), np.array([0.2])])
    assert layer.forward(np.array([[1.0, 2.0]]))[0, 0] == pytest.approx(1.3, abs=1e-15)
    # dL/dA = 1: dL/dW = x^T = [[1], [2]], dL/db = 1, dL/dx = W^T = [0.5, 0.3].
    dx = layer.backward(np.array([[1.0]]))
    np.testing.assert_allclose(layer.grads["W"], [[1.0], [2.0]])
    np.testing.assert_allclose(dx, [[0.5, 0.3]])


def test_dense_errors():
    layer = Dense(3, 2)
    with pytest.raises(ValueError, match=r"X must have shape \[\.\.\., 3\]"):
        layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="finite"):
        layer.forward(np.array([[1.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="n_out"):
        Dense(3, 0)
    with pytest.raises(ValueError, match="unknown activation"):
        Dense(3, 2, activation="swish")
    with pytest.raises(RuntimeError, match="forward"):
        Dense(3, 2).backward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="weights must hold 2 arrays"):
        layer.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"weights\[W\] must have shape"):
        layer.set_weights([np.ones((2, 3)), np.ones(2)])
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="dA must have"):
        layer.backward(np.ones((4, 3)))


# ----- Embedding ---------------------------------------------------------------------------


def test_embedding_matches_keras_and_gradient_tape(tf, keras, rng):
    ids = rng.integers(0, 10, size=(4, 7))
    ours = Embedding(10, 5, seed=4)
    k = keras.layers.Embedding(10, 5, dtype="float64")
    k.build((None, 7))
    k.set_weights(ours.get_weights())
    np.testing.assert_array_equal(ours.forward(ids), k(ids).numpy())
    R = rng.normal(size=(4, 7, 5))
    assert ours.backward(R) is None
    (gE,) = _tape_grads(tf, k, ids, R, wrt_input=False)
    np.testing.assert_allclose(ours.grads["E"], gE, rtol=1e-12, atol=1e-15)


def test_embedding_gradient_sums_repeated_tokens():
    """Token 2 appears twice: its row's gradient is the sum of both output gradients."""
    emb = Embedding(4, 2)
    emb.forward(np.array([[2, 0, 2]]))
    emb.backward(np.array([[[1.0, 2.0], [5.0, 5.0], [10.0, 20.0]]]))
    np.testing.assert_array_equal(emb.grads["E"], [[5, 5], [0, 0], [11, 22], [0, 0]])


def test_embedding_errors():
    emb = Embedding(5, 3)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 4\]"):
        emb.forward(np.array([[1, 5]]))
    with pytest.raises(ValueError, match=r"ids must lie"):
        emb.forward(np.array([-1]))
    with pytest.raises(TypeError, match="integers"):
        emb.forward(np.array([0.5]))
    with pytest.raises(ValueError, match="empty"):
        emb.forward(np.zeros((0,), dtype=int))


# ----- SimpleRNN ---------------------------------------------------------------------------


@pytest.mark.parametrize("return_sequences", [False, True])
def test_simple_rnn_matches_keras_and_gradient_tape(tf, keras, rng, return_sequences):
    x = rng.normal(size=(3, 6, 4))  # [batch, T, n_in]
    ours = SimpleRNN(4, 5, return_sequences=return_sequences, seed=5)
    _randomize(ours, rng, scale=0.4)
    k = keras.layers.SimpleRNN(5, return_sequences=return_sequences, dtype="float64")
    k.build((None, 6, 4))
    k.set_weights(ours.get_weights())
    out = ours.forward(x)
    np.testing.assert_allclose(out, k(x).numpy(), rtol=1e-10, atol=1e-12)
    R = rng.normal(size=out.shape)
    dx = ours.backward(R)
    gx, gW, gU, gb = _tape_grads(tf, k, x, R)
    np.testing.assert_allclose(dx, gx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["W"], gW, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["U"], gU, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["b"], gb, rtol=1e-9, atol=1e-12)


def test_simple_rnn_by_hand():
    """One unit, one input, W = 0.5, U = 0.8, b = 0, x = [1, 1]:
    h1 = tanh(0.5) = 0.4621172, h2 = tanh(0.5 + 0.8 * 0.4621172) = tanh(0.8696938);
    e^(2 * 0.8696938) = e^1.7393876 = 5.693862, so h2 = 4.693862 / 6.693862 = 0.701218."""
    rnn = SimpleRNN(1, 1)
    rnn.set_weights([np.array([[0.5]]), np.array([[0.8]]), np.array([0.0])])
    assert rnn.forward(np.ones((1, 2, 1)))[0, 0] == pytest.approx(0.701218, abs=1e-6)


def test_simple_rnn_gradients_by_finite_differences(rng):
    x = rng.normal(size=(2, 4, 3))
    rnn = SimpleRNN(3, 2, seed=6)
    R = rng.normal(size=(2, 2))

    def loss_of_U(U):
        saved = rnn.U.copy()
        rnn.U[...] = U
        value = float(np.sum(R * rnn.forward(x)))
        rnn.U[...] = saved
        return value

    def grad_U(U):
        rnn.forward(x)
        rnn.backward(R)
        return rnn.grads["U"]

    assert check_gradient(loss_of_U, grad_U, rnn.U.copy()) < 1e-7


def test_simple_rnn_errors():
    rnn = SimpleRNN(3, 2)
    with pytest.raises(ValueError, match="3 dimension"):
        rnn.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[batch, T, 3\]"):
        rnn.forward(np.ones((2, 5, 4)))
    rnn.forward(np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match="dOut must have shape"):
        rnn.backward(np.ones((2, 5, 2)))


def test_simple_rnn_is_stable_on_long_sequences(rng):
    """tanh keeps the state in (-1, 1): 2,000 steps with large weights give finite values."""
    rnn = SimpleRNN(2, 3, seed=7)
    _randomize(rnn, rng, scale=5.0)
    out = rnn.forward(rng.normal(size=(1, 2000, 2)))
    assert np.all(np.abs(out) <= 1)
    assert np.all(np.isfinite(rnn.backward(np.ones((1, 3)))))


# ----- Conv1D ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kernel_size", "strides", "padding", "activation"),
    [
        (3, 1, "valid", "linear"),
        (3, 1, "same", "relu"),
        (4, 2, "same", "tanh"),
        (2, 3, "valid", "sigmoid"),
        (5, 2, "same", "linear"),
    ],
)
def test_conv1d_matches_keras_and_gradient_tape(
    tf, keras, rng, kernel_size, strides, padding, activation
):
    x = rng.normal(size=(2, 9, 3))  # [batch, T, n_in]
    ours = Conv1D(
        3, 4, kernel_size, strides=strides, padding=padding, activation=activation, seed=8
    )
    _randomize(ours, rng)
    k = keras.layers.Conv1D(
        4, kernel_size, strides=strides, padding=padding, activation=activation, dtype="float64"
    )
    k.build((None, 9, 3))
    k.set_weights(ours.get_weights())
    out = ours.forward(x)
    np.testing.assert_allclose(out, k(x).numpy(), rtol=1e-10, atol=1e-12)
    R = rng.normal(size=out.shape)
    dx = ours.backward(R)
    gx, gW, gb = _tape_grads(tf, k, x, R)
    np.testing.assert_allclose(dx, gx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["W"], gW, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["b"], gb, rtol=1e-9, atol=1e-12)


def test_conv1d_by_hand():
    """x = [1, 2, 3, 4], kernel [1, 0, -1] (a difference filter), b = 0, 'valid':
    y_t = x_t - x_{t+2} = [1 - 3, 2 - 4] = [-2, -2]."""
    conv = Conv1D(1, 1, 3)
    conv.set_weights([np.array([1.0, 0.0, -1.0]).reshape(3, 1, 1), np.zeros(1)])
    np.testing.assert_allclose(conv.forward(np.arange(1.0, 5.0).reshape(1, 4, 1)).ravel(), [-2, -2])


def test_conv1d_errors():
    with pytest.raises(ValueError, match="padding"):
        Conv1D(2, 2, 3, padding="causal")
    conv = Conv1D(2, 2, 5)
    with pytest.raises(ValueError, match="fewer than kernel_size"):
        conv.forward(np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match=r"\[batch, T, 2\]"):
        conv.forward(np.ones((1, 8, 3)))
