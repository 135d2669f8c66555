"""Per-step training time of the numpy MLP (llmbook.mlp) vs the same Keras model.

For each hidden width, one SGD step (forward, backward, update) on a batch of 64, with
two hidden ReLU layers and a sigmoid output, float64 everywhere:

- numpy: ``MLP.train_step``;
- Keras eager: ``tf.GradientTape`` + ``optimizer.apply_gradients`` called from Python;
- Keras tf.function: the same step compiled into a graph with ``tf.function``.

Prints a table of milliseconds per step (median of several repeats) and the ratio
eager / numpy. Timings depend on the machine and its load; nothing is asserted.

Run: ``.venv/bin/python bench/mlp_numpy_vs_tf.py [--quick]``
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np

from llmbook.keras_twin import keras_loss, keras_mlp
from llmbook.mlp import MLP
from llmbook.optim import SGD


def _median_ms(step, repeats, inner):
    step()  # warm up (and trace, for tf.function)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            step()
        times.append((time.perf_counter() - t0) / inner)
    return 1000 * float(np.median(times))


def bench(width, n_in=64, batch=64, repeats=5, inner=10):
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    X = rng.normal(size=(batch, n_in))
    y = (rng.uniform(size=(batch, 1)) > 0.5).astype(np.float64)
    net = MLP([n_in, width, width, 1], activation="relu", loss="binary_cross_entropy", seed=0)
    opt = SGD(0.01)
    t_np = _median_ms(lambda: net.train_step(X, y, opt), repeats, inner)

    model = keras_mlp(net)
    loss_fn = keras_loss("binary_cross_entropy")
    kopt = keras.optimizers.SGD(0.01)
    Xt, yt = tf.constant(X), tf.constant(y)

    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(yt, model(Xt, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        kopt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    t_eager = _median_ms(step, repeats, inner)
    compiled = tf.function(step)
    t_graph = _median_ms(compiled, repeats, inner)
    return t_np, t_eager, t_graph


def main():
    widths = [8, 64, 512] if "--quick" in sys.argv else [8, 64, 256, 1024, 4096]
    print(
        "| hidden units | numpy (ms) | Keras eager (ms) | Keras tf.function (ms) | eager / numpy |"
    )
    print("|---:|---:|---:|---:|---:|")
    for w in widths:
        t_np, t_eager, t_graph = bench(w, inner=3 if w >= 1024 else 10)
        print(f"| {w} | {t_np:.3f} | {t_eager:.3f} | {t_graph:.3f} | {t_eager / t_np:.1f} |")


if __name__ == "__main__":
    main()
