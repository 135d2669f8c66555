"""Chapter 18's fine-tuning: time per step of each way of training, and validation accuracy
for a few learning rates (one seed), to choose ``llmbook.finetune.METHODS``.

Run: .venv/bin/python bench/finetune.py [--quick]

Steps are measured on batches of 32 training reviews (float32, two BLAS threads, as the
chapter trains). Timings are wall-clock on this machine and vary with its load; the
numbers are printed, never asserted. Only validation accuracy is used to choose; the test
reviews are left alone.
"""

import copy
import dataclasses
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from llmbook import finetune, optim, tiny_gpt


def step_seconds(body, cfg, reviews, mode, batch_size=32, steps=20):
    model = {"body": copy.deepcopy(body), "head": finetune.init_head(cfg.d_model)}
    opt = optim.Adam(1e-4)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(steps):
        i = rng.choice(reviews.train, size=batch_size, replace=False)
        T = int(reviews.lengths[i].max())
        t0 = time.perf_counter()
        finetune.train_step(model, cfg, opt, reviews.ids[i, :T], reviews.lengths[i],
                            reviews.y[i], mode, 1e-4)  # fmt: skip
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(quick=False):
    data = tiny_gpt.prepare()
    cfg, res = tiny_gpt.trained(data, cache=True)
    reviews = finetune.encode_reviews(data.tokenizer, cfg.n_ctx)
    print(f"n_ctx {cfg.n_ctx}: {reviews.n_cut} of {len(reviews.y)} reviews cut; "
          f"unknown characters {100 * reviews.unknown:.2f} %")  # fmt: skip
    with threadpool_limits(limits=tiny_gpt.THREADS, user_api="blas"):
        for mode in finetune.MODES:
            print(f"step, {mode:10s}: {1000 * step_seconds(res.params, cfg, reviews, mode):.1f} ms")
    grid = {
        "head only": [3e-3, 1e-2, 3e-2],
        "last block + head": [3e-4, 1e-3, 3e-3],
        "all weights": [1e-4, 3e-4, 1e-3],
        "all weights, from scratch": [3e-4, 1e-3, 3e-3],
    }
    for name, lrs in grid.items():
        for lr in lrs[1:2] if quick else lrs:
            m = dataclasses.replace(finetune.METHODS[name], lr=lr)
            t0 = time.perf_counter()
            with threadpool_limits(limits=tiny_gpt.THREADS, user_api="blas"):
                r = finetune.fine_tune(res.params, cfg, reviews, m, seed=0)
            print(f"{name:26s} lr {lr:g}: validation {100 * r['val_accuracy']:.1f} %, "
                  f"last loss {np.mean(r['train_loss'][-20:]):.3f}, "
                  f"{time.perf_counter() - t0:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
