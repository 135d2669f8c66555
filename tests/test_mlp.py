"""The numpy MLP against the same Keras model: gradients (tf.GradientTape), loss curves with
SGD and Adam (model.train_on_batch), finite differences, and errors.

Hyperparameters are exact in float32 (see tests/test_optim.py: Keras rounds them to float32),
so the curves agree to rounding; one test uses Keras's default Adam and agrees to 1e-6.
``train_on_batch`` reports the loss through a float32 metric, so the curves are taken
from the Keras model's float64 loss before each step, and the reported values are
checked to float32 precision.
"""

import numpy as np
import pytest

from llmbook.gradcheck import check_gradient
from llmbook.mlp import MLP
from llmbook.optim import SGD, Adam


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _keras_model(keras, net):
    layers = [keras.Input((net.sizes[0],), dtype="float64")]
    layers += [
        keras.layers.Dense(layer.n_out, activation=layer.activation, dtype="float64")
        for layer in net.layers
    ]
    model = keras.Sequential(layers)
    model.set_weights(net.get_weights())
    return model


def _keras_loss(keras, name):
    return {
        "mse": keras.losses.MeanSquaredError(dtype="float64"),
        "binary_cross_entropy": keras.losses.BinaryCrossentropy(dtype="float64"),
        "softmax_cross_entropy": keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, dtype="float64"
        ),
    }[name]


def _data(rng, loss, n=32, n_in=3, n_out=1):
    X = rng.normal(size=(n, n_in))
    if loss == "mse":
        y = rng.normal(size=(n, n_out))
    elif loss == "binary_cross_entropy":
        y = (X[:, :1] + 0.5 * X[:, 1:2] > 0).astype(float)
    else:
        y = rng.integers(0, n_out, size=n)
    return X, y


CASES = [
    ("mse", [3, 8, 4, 2], "tanh"),
    ("binary_cross_entropy", [3, 6, 6, 1], "relu"),
    ("softmax_cross_entropy", [3, 7, 4], "sigmoid"),
]


@pytest.mark.parametrize(("loss", "sizes", "activation"), CASES)
def test_gradients_match_gradient_tape(tf, keras, rng, loss, sizes, activation):
    net = MLP(sizes, activation=activation, loss=loss, seed=1)
    X, y = _data(rng, loss, n_out=sizes[-1])
    model = _keras_model(keras, net)
    value, grads = net.gradients(X, y)
    loss_fn = _keras_loss(keras, loss)
    with tf.GradientTape() as tape:
        ref = loss_fn(tf.constant(y), model(X))
    ref_grads = tape.gradient(ref, model.trainable_weights)
    assert value == pytest.approx(float(ref), rel=1e-10)
    ours = [g for d in grads for g in d.values()]
    for a, b in zip(ours, ref_grads, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize(("loss", "sizes", "activation"), CASES)
@pytest.mark.parametrize(
    "make_opt",
    [
        lambda m: m.SGD(learning_rate=0.25),
        lambda m: m.SGD(learning_rate=0.125, momentum=0.75),
        lambda m: m.Adam(learning_rate=2**-6, beta_1=0.875, beta_2=1 - 2**-10, epsilon=2**-23),
    ],
    ids=["sgd", "sgd-momentum", "adam"],
)
def test_loss_curve_matches_keras_train_on_batch(tf, keras, rng, loss, sizes, activation, make_opt):
    import llmbook.optim as optim

    net = MLP(sizes, activation=activation, loss=loss, seed=2)
    X, y = _data(rng, loss, n_out=sizes[-1])
    model = _keras_model(keras, net)
    model.compile(optimizer=make_opt(keras.optimizers), loss=_keras_loss(keras, loss))
    loss_fn = _keras_loss(keras, loss)
    ref, reported = [], []
    for _ in range(30):
        ref.append(float(loss_fn(tf.constant(y), model(X))))
        reported.append(float(model.train_on_batch(X, y)))
    opt = make_opt(optim)
    ours = [net.train_step(X, y, opt) for _ in range(30)]
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours, reported, rtol=2e-7)
    assert ours[-1] < ours[0]  # it really trained
    for a, b in zip(net.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-11)


def test_loss_curve_with_keras_default_adam(tf, keras, rng):
    net = MLP([4, 16, 16, 1], activation="relu", loss="binary_cross_entropy", seed=3)
    X, y = _data(rng, "binary_cross_entropy", n=64, n_in=4)
    model = _keras_model(keras, net)
    model_start = net.get_weights()
    model.compile(
        optimizer=keras.optimizers.Adam(), loss=_keras_loss(keras, "binary_cross_entropy")
    )
    loss_fn = _keras_loss(keras, "binary_cross_entropy")
    ref = []
    for _ in range(50):
        ref.append(float(loss_fn(tf.constant(y), model(X))))
        model.train_on_batch(X, y)
    opt = Adam()
    ours = [net.train_step(X, y, opt) for _ in range(50)]
    np.testing.assert_allclose(ours, ref, rtol=1e-5)
    # Rounding the hyperparameters to float32 as Keras does removes even that difference.
    net.set_weights(model_start)
    opt = Adam(keras_float32=True)
    exact = [net.train_step(X, y, opt) for _ in range(50)]
    np.testing.assert_allclose(exact, ref, rtol=1e-10)


def test_minibatch_fit_matches_keras_fit_without_shuffling(keras, rng):
    """Keras's ``fit`` converts numpy float64 data to float32 (floatx) before training, so
    the data here are float32-exact; the weights and the arithmetic stay float64."""
    net = MLP([3, 5, 1], activation="tanh", loss="mse", seed=4)
    X, y = (a.astype(np.float32).astype(np.float64) for a in _data(rng, "mse", n=40))
    model = _keras_model(keras, net)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.125), loss=_keras_loss(keras, "mse")
    )
    model.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    net.fit(X, y, SGD(learning_rate=0.125), epochs=3, batch_size=8)
    for a, b in zip(net.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_gradients_by_finite_differences(rng):
    net = MLP([3, 4, 4, 1], activation="sigmoid", loss="binary_cross_entropy", seed=5)
    X, y = _data(rng, "binary_cross_entropy", n=10)
    W1 = net.layers[0].W

    def loss_of_W1(W):
        saved = W1.copy()
        W1[...] = W
        value = net.loss(X, y)
        W1[...] = saved
        return value

    def grad_W1(W):
        return net.gradients(X, y)[1][0]["W"]

    assert check_gradient(loss_of_W1, grad_W1, W1.copy()) < 1e-7


def test_gradient_norms_vanish_in_a_deep_sigmoid_stack(rng):
    """sigma' <= 1/4, so with Glorot weights the first layer of a 10-layer sigmoid network
    gets a far smaller gradient than the last; with ReLU the ratio stays moderate."""
    X, y = _data(rng, "binary_cross_entropy", n=64, n_in=8)
    deep = MLP([8] + [16] * 9 + [1], activation="sigmoid", loss="binary_cross_entropy", seed=6)
    deep.gradients(X, y)
    norms = deep.gradient_norms()
    assert norms.shape == (10,)
    assert norms[0] < 1e-3 * norms[-1]
    relu = MLP([8] + [16] * 9 + [1], activation="relu", loss="binary_cross_entropy", seed=6)
    relu.gradients(X, y)
    r = relu.gradient_norms()
    assert r[0] > 1e-2 * r[-1]


def test_bce_with_saturated_output_gives_no_nan():
    """A sigmoid output of exactly 1.0 with target 0: the fused gradient (p - y)/n = 1 stays finite."""
    net = MLP([1, 1], loss="binary_cross_entropy")
    net.set_weights([np.array([[100.0]]), np.array([0.0])])
    value, grads = net.gradients(np.array([[1.0]]), np.array([0.0]))
    assert value == np.inf  # -ln(1 - 1.0): the prediction is certain and wrong
    np.testing.assert_allclose(grads[0]["W"], [[1.0]])


def test_errors(rng):
    with pytest.raises(ValueError, match="at least"):
        MLP([3])
    with pytest.raises(ValueError, match="unknown loss"):
        MLP([3, 1], loss="hinge")
    with pytest.raises(ValueError, match="sigmoid"):
        MLP([3, 1], loss="binary_cross_entropy", output_activation="linear")
    with pytest.raises(ValueError, match="logits"):
        MLP([3, 2], loss="softmax_cross_entropy", output_activation="sigmoid")
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLP([3, 4, 4, 1], activation=["relu"])
    net = MLP([3, 4, 1], seed=0)
    with pytest.raises(RuntimeError, match="forward"):
        net.backward(np.zeros(2))
    with pytest.raises(RuntimeError, match="backward"):
        net.gradient_norms()
    with pytest.raises(ValueError, match=r"X must have shape \[batch, 3\]"):
        net.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="one target per row"):
        net.gradients(np.ones((5, 3)), np.ones(4))
    with pytest.raises(ValueError, match="same number of rows"):
        net.fit(np.ones((5, 3)), np.ones(4), SGD())
    with pytest.raises(TypeError, match="optimizer"):
        net.train_step(np.ones((2, 3)), np.ones(2), "sgd")
    with pytest.raises(ValueError, match="weights must hold 4 arrays"):
        net.set_weights([np.ones((3, 4))])
    soft = MLP([3, 3], loss="softmax_cross_entropy")
    with pytest.raises(TypeError, match="integer class indices"):
        soft.gradients(np.ones((2, 3)), np.array([0.0, 1.0]))


def test_keras_twin_loss_curves(rng):
    from llmbook.keras_twin import keras_optimizer, loss_curves

    net = MLP([3, 6, 1], activation="tanh", loss="binary_cross_entropy", seed=7)
    X, y = _data(rng, "binary_cross_entropy")
    ours, theirs = loss_curves(net, X, y, Adam(0.01, keras_float32=True), steps=20)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    with pytest.raises(TypeError, match="SGD or Adam"):
        keras_optimizer("adam")
