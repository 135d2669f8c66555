r"""The tiny GPT of :mod:`llmbook.gpt`, built from Keras layers, for comparison.

Same architecture, same parameter names in spirit: ``keras.layers.Embedding`` for the
tokens, a learned position table, pre-norm blocks of ``LayerNormalization(epsilon=1e-5)``,
``MultiHeadAttention`` (causal) and two ``Dense`` layers with the tanh-form GELU, a final
layer norm, and logits from the tied embedding matrix. :func:`set_numpy_params` copies a
numpy model's weights in, so both compute the same logits (checked in the tests).

TensorFlow/Keras is imported only when a function here is called.
"""

from __future__ import annotations

import numpy as np

from .gpt import GPTConfig

__all__ = ["build", "set_numpy_params", "train_steps"]


def build(cfg: GPTConfig, dtype: str = "float32", seed: int = 0):
    """A Keras model mapping token ids ``[B, T]`` to logits ``[B, T, V]``.

    Args:
        cfg: the :class:`llmbook.gpt.GPTConfig`.
        dtype: ``"float32"`` or ``"float64"``.
        seed: seed for Keras's initialisers.
    Returns:
        a built ``keras.Model``.
    """
    import keras
    from keras import layers, ops

    keras.utils.set_random_seed(seed)
    d, h = cfg.d_model, cfg.n_head

    class Block(layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.ln1 = layers.LayerNormalization(epsilon=1e-5, dtype=dtype)
            self.attn = layers.MultiHeadAttention(num_heads=h, key_dim=d // h, dtype=dtype)
            self.ln2 = layers.LayerNormalization(epsilon=1e-5, dtype=dtype)
            self.fc1 = layers.Dense(cfg.d_ff, dtype=dtype)
            self.fc2 = layers.Dense(d, dtype=dtype)

        def call(self, x):
            u = self.ln1(x)
            x = x + self.attn(u, u, use_causal_mask=True)
            v = self.fc1(self.ln2(x))
            return x + self.fc2(keras.activations.gelu(v, approximate=True))

    class TinyGPT(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.wte = layers.Embedding(
                cfg.n_vocab,
                d,
                embeddings_initializer=keras.initializers.RandomNormal(0, 0.02),
                dtype=dtype,
            )
            self.blocks = [Block(dtype=dtype) for _ in range(cfg.n_layer)]
            self.ln_f = layers.LayerNormalization(epsilon=1e-5, dtype=dtype)

        def build(self, input_shape):
            self.wpe = self.add_weight(
                shape=(cfg.n_ctx, d),
                initializer=keras.initializers.RandomNormal(0, 0.01),
                name="wpe",
                dtype=dtype,
            )
            super().build(input_shape)

        def call(self, idx):
            T = ops.shape(idx)[1]
            x = self.wte(idx) + self.wpe[:T]
            for blk in self.blocks:
                x = blk(x)
            x = self.ln_f(x)
            return ops.matmul(x, ops.transpose(self.wte.embeddings))

    model = TinyGPT(dtype=dtype)
    model(np.zeros((1, cfg.n_ctx), dtype="int32"))
    return model


def set_numpy_params(model, params: dict, cfg: GPTConfig) -> None:
    """Copy the arrays of a numpy model (:func:`llmbook.gpt.init_params`) into ``model``."""
    d, h = cfg.d_model, cfg.n_head
    dh = d // h
    model.wte.set_weights([params["wte"]])
    model.wpe.assign(params["wpe"])
    for blk, p in zip(model.blocks, params["blocks"], strict=True):
        a = p["attn"]
        blk.ln1.set_weights([p["ln1"]["gamma"], p["ln1"]["beta"]])
        blk.ln2.set_weights([p["ln2"]["gamma"], p["ln2"]["beta"]])
        blk.attn.set_weights(
            [a["W_q"].reshape(d, h, dh), a["b_q"].reshape(h, dh),
             a["W_k"].reshape(d, h, dh), a["b_k"].reshape(h, dh),
             a["W_v"].reshape(d, h, dh), a["b_v"].reshape(h, dh),
             a["W_o"].reshape(h, dh, d), a["b_o"]]
        )  # fmt: skip
        blk.fc1.set_weights([p["ffn"]["W_1"], p["ffn"]["b_1"]])
        blk.fc2.set_weights([p["ffn"]["W_2"], p["ffn"]["b_2"]])
    model.ln_f.set_weights([params["ln_f"]["gamma"], params["ln_f"]["beta"]])


def train_steps(model, data, steps: int, batch_size: int, block_size: int, lr=3e-3, seed=0):
    """Run ``steps`` Adam steps of next-token cross-entropy on random windows of ``data``.

    The step is compiled with ``tf.function`` (graph mode, as ``model.fit`` would).

    Returns:
        list of the training losses (floats).
    """
    import keras
    import tensorflow as tf

    from .gpt import batches

    opt = keras.optimizers.Adam(learning_rate=lr, beta_2=0.99, epsilon=1e-8)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        x, y = batches(data, batch_size, block_size, rng)
        losses.append(float(step(x.astype("int32"), y.astype("int32"))))
    return losses
