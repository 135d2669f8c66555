"""Tokens per second of the tiny GPT: training and generation, numpy against Keras, two sizes.

Run: .venv/bin/python bench/transformer.py [--quick]

Training: Adam steps on random batches of 16 windows of n_ctx characters of the People's
Daily corpus (float32 in both libraries; the Keras step is compiled with tf.function).
Generation: 56 new tokens after an 8-token prompt (64 = n_ctx in all), one sequence, greedy; numpy with and
without the KV cache, Keras without a cache (the Keras model recomputes the prefix, as
``model(idx)`` does). Timings are wall-clock on this machine and vary with its load; the
numbers are printed, never asserted.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np

from llmbook import gpt, keras_gpt, optim, tiny_gpt

SIZES = {
    "small (d=64, L=2)": dict(d_model=64, n_head=4, n_layer=2),
    "medium (d=128, L=4)": dict(d_model=128, n_head=4, n_layer=4),
}


def numpy_train(cfg, data, steps, batch):
    params = gpt.init_params(cfg, 0, np.float32)
    leaves = [a for _, a in gpt.tree_leaves(params)]
    opt = optim.Adam(1e-3, beta_2=0.99, epsilon=1e-8, epsilon_hat=False)  # as gpt.train
    rng = np.random.default_rng(0)
    x, y = gpt.batches(data, batch, cfg.n_ctx, rng)
    gpt.loss_and_grads(params, cfg, x, y)  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        x, y = gpt.batches(data, batch, cfg.n_ctx, rng)
        _, g = gpt.loss_and_grads(params, cfg, x, y)
        opt.apply(leaves, [a for _, a in gpt.tree_leaves(g)])
    return steps * batch * cfg.n_ctx / (time.perf_counter() - t0), params


def keras_train(cfg, data, steps, batch):
    model = keras_gpt.build(cfg)
    keras_gpt.train_steps(model, data, 2, batch, cfg.n_ctx)  # compile
    t0 = time.perf_counter()
    keras_gpt.train_steps(model, data, steps, batch, cfg.n_ctx, seed=1)
    return steps * batch * cfg.n_ctx / (time.perf_counter() - t0), model


def numpy_generate(params, cfg, prompt, n_new, use_cache):
    t0 = time.perf_counter()
    gpt.generate(params, cfg, prompt, n_new, temperature=0, use_cache=use_cache)
    return n_new / (time.perf_counter() - t0)


def keras_generate(model, prompt, n_new):
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def last_logits(idx):
        return model(idx)[:, -1]

    seq = prompt.astype("int32")
    last_logits(seq)  # trace
    t0 = time.perf_counter()
    for _ in range(n_new):
        nxt = np.argmax(last_logits(seq).numpy(), axis=-1).astype("int32")
        seq = np.concatenate([seq, nxt[:, None]], axis=1)
    return n_new / (time.perf_counter() - t0)


def main():
    quick = "--quick" in sys.argv
    steps, n_new = (5, 16) if quick else (30, 56)  # 8 + 56 = 64 = n_ctx tokens at most
    data = tiny_gpt.prepare()
    V = data.tokenizer.vocab_size
    prompt = data.val_ids[:8][None, :]
    print(f"vocabulary {V}, n_ctx 64, batch 16; {steps} training steps, {n_new} generated tokens")
    header = (
        f"{'model':<20} {'params':>9} {'train np':>9} {'train keras':>11}"
        f" {'gen np cache':>12} {'gen np no cache':>15} {'gen keras':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, size in SIZES.items():
        cfg = gpt.GPTConfig(n_vocab=V, n_ctx=64, **size)
        tps_np, params = numpy_train(cfg, data.train_ids, steps, 16)
        tps_k, model = keras_train(cfg, data.train_ids, steps, 16)
        g_cache = numpy_generate(params, cfg, prompt, n_new, True)
        g_plain = numpy_generate(params, cfg, prompt, n_new, False)
        g_keras = keras_generate(model, prompt, n_new)
        print(
            f"{name:<20} {gpt.n_params(params):>9,} {tps_np:>9,.0f} {tps_k:>11,.0f}"
            f" {g_cache:>12,.1f} {g_plain:>15,.1f} {g_keras:>10,.1f}"
        )
    print("(tokens per second; higher is faster)")


if __name__ == "__main__":
    main()
