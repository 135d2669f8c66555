"""Update time of each live explorer: computation plus redraw, per control change.

Drives every explorer through a fixed sequence of control changes (as a reader dragging
sliders would) and prints, per explorer, the median and 95th percentile of the time from
setting a control to the new PNG being in the image widget, and the medians of its two
parts: the package's computation and the rendering (drawing the figure with Agg, then the
palette PNG, :func:`llmbook.widgets.figure_png`). Targets on a 2-core machine:
median <= 50 ms, p95 <= 100 ms. Printed, never asserted.

    .venv/bin/python bench/widgets.py [repeats]

A 16 ms frame (60 updates a second) is out of reach of this design, for three reasons the
columns show. (1) A full Agg draw of a figure with tick labels and text costs 30 to 100 ms
here, so every update must be a blit: axes that stay still, only the moving artists
redrawn over a saved background, which the explorers do except when an axis range or the
labels change (then the p95 column is a full draw). (2) The computation must be a look-up:
training runs and model forward passes cached or precomputed for every value a control
can reach (the playground's first visit of a setting trains for several times 16 ms).
(3) Even a blit costs 5 to 13 ms (the render column: restoring the background, drawing the
artists, the palette PNG), and the kernel-to-browser round trip of the image (a comm
message over the websocket, then decoding in the browser), not counted here, comes on top.
Drawing in the browser (a canvas or SVG fed with the numbers, as the kernel-free strips
switch precomputed frames) is what a 16 ms budget would need.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np

from llmbook import widgets
from llmbook.widgets import core

SEQUENCES = {
    "neuron": [{"w1": v} for v in np.linspace(-3, 3, 13)]
    + [{"b": v} for v in np.linspace(-2, 2, 9)]
    + [{"activation": a} for a in ("tanh", "relu", "sigmoid")],
    "activation": [{"z": v} for v in np.linspace(-8, 8, 17)]
    + [{"threshold": t} for t in (0.001, 0.05, 0.01)],
    "loss": [{"z": v} for v in np.linspace(-8, 8, 17)] + [{"y_true": y} for y in (0.0, 0.5, 1.0)],
    "backprop": [{"k": k} for k in range(0, 60, 3)]
    + [{"lr": v} for v in (0.5, 1.0, 2.0)]
    + [{"w": v} for v in (-1.0, 2.0)],
    "learning_rate": [{"lr": v} for v in (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6)]
    + [{"steps": s} for s in (10, 50, 25)],
    # Each change retrains the network from scratch (the run is cached per setting).
    "playground": [{"lr": v} for v in (0.3, 0.5, 1.0)]
    + [{"activation": a} for a in ("sigmoid", "relu", "tanh")]
    + [{"depth": d} for d in (1, 3, 2)],
    "sampling": [{"temperature": v} for v in (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)]
    + [{"top_k": k} for k in (1, 5, 20, 50, 0)]
    + [{"top_p": p} for p in (0.5, 0.8, 0.95, 1.0)]
    + [{"prompt": p} for p in ("p1", "p2", "p0")],
    "attention": [{"block": b, "head": h} for b in (1, 2) for h in (1, 2, 3, 4)]
    + [{"temperature": t} for t in (0.5, 2.0, 1.0)]
    + [{"mask": m} for m in ("none", "causal")]
    + [{"sentence": s} for s in ("中国人民", "经济发展是硬道理。" * 7, "新年好")],
    "rope": [{"m": m} for m in range(8)]
    + [{"n": n} for n in (0, 3, 6, 7)]
    + [{"pair": i} for i in (1, 2, 3, 0)]
    + [{"seed": s} for s in (1, 2, 0)],
    "moe": [{"capacity_factor": c} for c in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0, 4.0)]
    + [{"k": k} for k in (1, 3, 2)]
    + [{"seed": s} for s in (1, 2, 0)]
    + [{"limit": v} for v in (False, True)]
    + [{"n_tokens": n} for n in (64, 32)],
}


def _part_two(name: str):
    """The Part II explorers at the size of chapters 15 and 17 (random weights and logits:
    the cost does not depend on their values)."""
    from llmbook import gpt
    from llmbook.text import Vocabulary

    rng = np.random.default_rng(0)
    if name == "sampling":  # the GPT's logits after three prompts, as in chapter 17
        V = 2905
        table = {f"p{i}": rng.normal(size=V) * 3 for i in range(3)}
        return widgets.sampling_explorer(
            table, [f"t{i}" for i in range(V)], kernel_free_strip=False
        )
    tok = Vocabulary.of_characters("中国人民经济发展是硬道理。新年好")
    cfg = gpt.GPTConfig(n_vocab=1931, n_ctx=64, d_model=96, n_head=4, n_layer=2)
    params = gpt.init_params(cfg, seed=0, dtype=np.float32)
    return widgets.attention_explorer(params, cfg, tok, ["中国人民"], kernel_free_strip=False)


def _timed(f, times: list):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        out = f(*args, **kwargs)
        times.append((time.perf_counter() - t0) * 1000)
        return out

    return wrapper


def bench(name: str, repeats: int) -> tuple[list[float], list[float], list[float]]:
    """Times (ms) of each update, of its computation and of its rendering."""
    if name in ("sampling", "attention"):
        ex = _part_two(name)
    else:
        ex = getattr(widgets, f"{name}_explorer")(kernel_free_strip=False)
    times, compute, render = [], [], []
    ex.live._compute = _timed(ex.live._compute, compute)
    png = core.figure_png
    core.figure_png = _timed(png, render)
    try:
        for _ in range(repeats):
            for change in SEQUENCES[name]:
                t0 = time.perf_counter()
                ex.live.set(**change)
                times.append((time.perf_counter() - t0) * 1000)
                assert ex.live.error is None, ex.live.error
    finally:
        core.figure_png = png
    return times, compute, render


def main(repeats: int = 3) -> None:
    print(
        f"{'explorer':<15}{'updates':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}"
        f"{'compute':>9}{'render':>8}"
    )
    for name in SEQUENCES:
        t, c, r = (np.array(x) for x in bench(name, repeats))
        print(
            f"{name:<15}{len(t):>8}{np.median(t):>11.1f}{np.percentile(t, 95):>9.1f}{t.max():>9.1f}"
            f"{np.median(c):>9.1f}{np.median(r):>8.1f}"
        )
    print(f"(cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
