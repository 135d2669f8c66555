"""Time per training step of chapter 15's models, and the training time it projects (printed).

For the page's model (``tiny_gpt.DEFAULTS``) and the long one (``tiny_gpt.RUNS["long"]``):
the median time of a training step (forward, backward, Adam) over ``--steps`` steps after a
short warm-up, with one and with two BLAS threads, and the time the run's full number of
steps would take at that speed, evaluations not counted. Budgets: about two minutes for the
page's model, at most fifteen for the long one, on an idle two-core machine.

    python bench/tiny_gpt.py [--steps 60]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from llmbook import gpt, optim, tiny_gpt


def step_times(s: tiny_gpt.Settings, train_ids, V: int, steps: int, threads: int) -> list[float]:
    """Seconds of each of ``steps`` training steps (after 5 untimed ones) with ``threads`` BLAS threads."""
    cfg = gpt.GPTConfig(n_vocab=V, n_ctx=s.n_ctx, d_model=s.d_model, n_head=s.n_head,
                        n_layer=s.n_layer)  # fmt: skip
    params = gpt.init_params(cfg, s.seed, np.float32)
    opt = optim.Adam(s.lr, beta_1=0.9, beta_2=0.99, epsilon=1e-8, epsilon_hat=False)
    rng = np.random.default_rng(0)
    out = []
    with threadpool_limits(limits=threads, user_api="blas"):
        for i in range(steps + 5):
            t0 = time.perf_counter()
            x, y = gpt.batches(train_ids, s.batch_size, s.n_ctx, rng)
            gpt.train_step(params, cfg, opt, x, y, s.lr * 0.1, s.clip_norm)
            if i >= 5:
                out.append(time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=60)
    args = ap.parse_args()
    data = tiny_gpt.prepare()
    V = data.tokenizer.vocab_size
    print(f"{'run':10s} {'threads':>7s} {'ms/step':>8s} {'steps':>6s} {'projected':>10s}")
    for name in ("default", "long"):
        s = tiny_gpt.settings_of(name)
        for threads in (1, 2):
            ms = 1000 * statistics.median(step_times(s, data.train_ids, V, args.steps, threads))
            print(f"{name:10s} {threads:7d} {ms:8.1f} {s.steps:6d} {ms * s.steps / 60000:8.1f} min")


if __name__ == "__main__":
    main()
