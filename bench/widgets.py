"""Update time of each live explorer: computation plus redraw, per control change.

Drives every explorer through a fixed sequence of control changes (as a reader dragging
sliders would) and prints, per explorer, the median and 95th percentile of the time from
setting a control to the new PNG being in the image widget. Targets on a 2-core machine:
median <= 50 ms, p95 <= 100 ms. Printed, never asserted.

    .venv/bin/python bench/widgets.py [repeats]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np

from llmbook import widgets

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
}


def bench(name: str, repeats: int) -> list[float]:
    ex = getattr(widgets, f"{name}_explorer")(kernel_free_strip=False)
    times = []
    for _ in range(repeats):
        for change in SEQUENCES[name]:
            t0 = time.perf_counter()
            ex.live.set(**change)
            times.append((time.perf_counter() - t0) * 1000)
            assert ex.live.error is None, ex.live.error
    return times


def main(repeats: int = 3) -> None:
    print(f"{'explorer':<15}{'updates':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for name in SEQUENCES:
        t = np.array(bench(name, repeats))
        print(
            f"{name:<15}{len(t):>8}{np.median(t):>11.1f}{np.percentile(t, 95):>9.1f}{t.max():>9.1f}"
        )
    print(f"(cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
