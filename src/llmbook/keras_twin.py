"""The Keras twin of a numpy model: the same network in Keras 3, float64, same weights.

Used to show (and test) that :mod:`llmbook.mlp` and :mod:`llmbook.optim` compute what
Keras computes. TensorFlow and Keras are imported only when a function here is called.
"""

from __future__ import annotations

import numpy as np

from .mlp import MLP
from .optim import SGD, Adam, Optimizer

__all__ = ["keras_loss", "keras_mlp", "keras_optimizer", "loss_curves"]


def keras_mlp(net: MLP):
    """A ``keras.Sequential`` of float64 ``Dense`` layers equal to ``net``, with its weights."""
    import keras

    layers = [keras.Input((net.sizes[0],), dtype="float64")]
    layers += [
        keras.layers.Dense(layer.n_out, activation=layer.activation, dtype="float64")
        for layer in net.layers
    ]
    model = keras.Sequential(layers)
    model.set_weights(net.get_weights())
    return model


def keras_loss(name: str):
    """The Keras 3 loss object (computing in float64) for an :data:`llmbook.mlp.LOSSES` name."""
    import keras

    if name == "mse":
        return keras.losses.MeanSquaredError(dtype="float64")
    if name == "binary_cross_entropy":
        return keras.losses.BinaryCrossentropy(dtype="float64")
    if name == "softmax_cross_entropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    raise ValueError(f"unknown loss {name!r}")


def keras_optimizer(opt: Optimizer):
    """A fresh Keras optimizer with the same hyperparameters as ``opt`` (an SGD or Adam)."""
    import keras

    if isinstance(opt, Adam):
        return keras.optimizers.Adam(
            opt.learning_rate, beta_1=opt.beta_1, beta_2=opt.beta_2, epsilon=opt.epsilon
        )
    if isinstance(opt, SGD):
        return keras.optimizers.SGD(opt.learning_rate, momentum=opt.momentum, nesterov=opt.nesterov)
    raise TypeError(f"opt must be an llmbook SGD or Adam, got {type(opt).__name__}")


def loss_curves(net: MLP, X, y, opt: Optimizer, steps: int):
    """Train ``net`` and its Keras twin side by side, full batch, for ``steps`` steps.

    The Keras model starts from ``net``'s weights and uses the same hyperparameters
    (via :func:`keras_optimizer`); ``net`` is trained with ``opt``. The Keras losses are
    the float64 loss of the Keras model before each ``train_on_batch`` step (Keras's own
    reported value passes through a float32 metric).

    Returns:
        ``(ours, theirs)``: two float arrays of shape ``[steps]``.
    """
    import tensorflow as tf

    model = keras_mlp(net)
    loss = keras_loss(net.loss_name)
    model.compile(optimizer=keras_optimizer(opt), loss=loss)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    theirs = []
    for _ in range(int(steps)):
        theirs.append(float(loss(tf.constant(y), model(X))))
        model.train_on_batch(X, y)
    ours = [net.train_step(X, y, opt) for _ in range(int(steps))]
    return np.array(ours), np.array(theirs)
