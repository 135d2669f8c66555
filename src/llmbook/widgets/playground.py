r"""The network playground (chapter 3): a small MLP learning a 2-D data set.

Every number comes from :class:`llmbook.mlp.MLP`, :mod:`llmbook.optim`,
:mod:`llmbook.toydata` and :mod:`llmbook.evaluation`; the picture is
:func:`llmbook.plots.playground_figure`.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

import ipywidgets as w
import numpy as np

from .. import evaluation, mlp, optim, plots, toydata
from .core import Explorer, LiveExplorer, frames, kernel_free, readout_table, slider

__all__ = ["playground_explorer", "playground_values"]


_EXTENT = (-1.6, 1.6, -1.6, 1.6)
_GRID = 48


class _Run:
    """One network's full-batch SGD training, extended on demand.

    ``advance(steps, checkpoints)`` trains up to ``steps`` steps in total, from where the
    last call stopped, recording each step's loss and gradient norms and, at each checkpoint
    reached, the output and hidden units on the grid: moving the steps slider up continues
    the run instead of repeating it (the same operations in the same order as one run from
    scratch, so the same numbers).
    """

    def __init__(self, dataset, depth, units, activation, lr, seed):
        self.X, self.y = toydata.get(dataset)(200, noise=0.08, seed=seed)  # [200, 2], [200]
        self.net = mlp.MLP(
            [2] + [units] * depth + [1],
            activation=activation,
            loss="binary_cross_entropy",
            seed=seed,
        )
        self.opt = optim.SGD(learning_rate=lr)
        self.units, self.t = units, 0
        self.snaps, self.norms, self.losses = {}, [], []

    def _snapshot(self):
        g = np.linspace(_EXTENT[0], _EXTENT[1], _GRID)
        G = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # [g*g, 2], rows along x2
        prob = self.net.forward(G)[:, 0].reshape(_GRID, _GRID)  # [g, g]
        hidden = self.net.layer_outputs[-2].T.reshape(self.units, _GRID, _GRID)[:8]  # [units, g, g]
        predicted = (self.net.forward(self.X)[:, 0] > 0.5).astype(np.int64)
        self.snaps[self.t] = (prob, hidden, evaluation.accuracy(self.y, predicted))

    def can_reach(self, checkpoints) -> bool:
        return all(c in self.snaps or c >= self.t for c in checkpoints)

    def advance(self, steps, checkpoints):
        while True:
            if self.t in checkpoints and self.t not in self.snaps:
                self._snapshot()
            if self.t >= steps:
                break
            self.losses.append(self.net.train_step(self.X, self.y, self.opt))
            self.norms.append(self.net.gradient_norms())  # [layers], of the gradients of this step
            self.t += 1


_RUNS: OrderedDict = OrderedDict()  # configuration -> _Run, the least recently used first
_MAX_RUNS = 64  # a run holds ~0.2 MB per checkpoint: every setting a reader revisits stays


def _playground_run(dataset, depth, units, activation, lr, steps, seed, checkpoints):
    key = (dataset, depth, units, activation, lr, seed)
    run = _RUNS.pop(key, None)
    if run is None or not run.can_reach(checkpoints):
        run = _Run(*key)
    _RUNS[key] = run
    while len(_RUNS) > _MAX_RUNS:
        _RUNS.popitem(last=False)
    run.advance(steps, checkpoints)
    snaps = {c: run.snaps[c] for c in checkpoints}
    return run.X, run.y, snaps, np.array(run.norms[:steps]), np.array(run.losses[:steps])


def playground_values(
    dataset="circles",
    depth=2,
    units=6,
    activation="tanh",
    lr=0.5,
    steps=300,
    k=None,
    seed=0,
    checkpoints=None,
):
    r"""Train an MLP (:class:`llmbook.mlp.MLP`, sigmoid output, binary cross-entropy) by full-batch SGD.

    The network has ``depth`` hidden layers of ``units`` units each, on 200 points of the
    data set :func:`llmbook.toydata.get` ``(dataset)``; it is trained for ``steps`` steps
    with :class:`llmbook.optim.SGD` (learning rate ``lr``), recording each step's
    per-layer gradient norms (:meth:`llmbook.mlp.MLP.gradient_norms`) and, at step ``k``
    (default ``steps``; any of ``checkpoints``), the output and the last hidden layer's
    units on a 48 x 48 grid over :math:`[-1.6, 1.6]^2` and the training accuracy.

    Returns a dict with ``X``, ``y``, ``k``, ``prob`` ``[48, 48]``, ``hidden``
    ``[min(units, 8), 48, 48]``, ``accuracy``, ``grad_norms`` ``[steps, depth + 1]``,
    ``losses`` ``[steps]`` and the arguments.
    Raises:
        ValueError: ``lr <= 0``, ``steps < 1``, ``k`` not a checkpoint, unknown data set or
            activation, and as :class:`llmbook.mlp.MLP`.
    """
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    k = steps if k is None else int(k)
    checkpoints = tuple(sorted({k, *(checkpoints or ())}))
    if checkpoints[0] < 0 or checkpoints[-1] > steps:
        raise ValueError(f"k and checkpoints must be in [0, {steps}], got {checkpoints}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    X, y, snaps, norms, loss_hist = _playground_run(
        dataset, int(depth), int(units), activation, float(lr), steps, int(seed), checkpoints
    )
    prob, hidden, acc = snaps[k]
    return {
        "dataset": dataset,
        "depth": int(depth),
        "units": int(units),
        "activation": activation,
        "lr": float(lr),
        "steps": steps,
        "k": k,
        "X": X,
        "y": y,
        "prob": prob,
        "hidden": hidden,
        "accuracy": acc,
        "grad_norms": norms,
        "losses": loss_hist,
    }


def _playground_draw(fig, r):
    norms = r["grad_norms"]
    title = f"{r['dataset']}, step {r['k']}: accuracy {r['accuracy']:.0%}"
    if fig is not None and fig.llmbook_artists["shape"] == (r["hidden"].shape[0],):
        return plots.update_playground(
            fig, r["prob"], r["hidden"], norms, r["k"], title, X=r["X"], y=r["y"]
        )
    return plots.playground_figure(
        _EXTENT,
        r["prob"],
        r["X"],
        r["y"],
        r["hidden"],
        norms,
        r["k"],
        title,
    )


def _playground_readout(r):
    last = r["grad_norms"][max(r["k"], 1) - 1]
    return readout_table(
        [
            ("network", f"2 → {' → '.join([str(r['units'])] * r['depth'])} → 1, {r['activation']}"),
            ("step", r["k"]),
            ("training accuracy", f"{r['accuracy']:.1%}"),
            ("loss at this step", f"{r['losses'][max(r['k'], 1) - 1]:.4g}"),
            ("‖∂L/∂W‖ first layer", f"{last[0]:.3g}"),
            ("‖∂L/∂W‖ last layer", f"{last[-1]:.3g}"),
        ]
    )


_PLAYGROUND_CONFIGS = {
    "tanh, 2 layers": {"activation": "tanh", "depth": 2},
    "sigmoid, 6 layers": {"activation": "sigmoid", "depth": 6},
    "relu, 2 layers": {"activation": "relu", "depth": 2},
}


def playground_explorer(kernel_free_strip: bool = True) -> Explorer:
    """A small network learning a 2-D data set: decision map, hidden units, per-layer gradients.

    In the spirit of TensorFlow Playground: choose the data set, the number of hidden
    layers and units, the activation and the learning rate. A deep sigmoid stack shows the
    vanishing gradient: its first layer's gradient is orders of magnitude smaller than
    its last. The kernel-free strip plays the training of three networks on ``circles``.
    """
    controls = {
        "dataset": w.Dropdown(
            options=list(toydata.NAMES),
            value="circles",
            description="data",
            layout=w.Layout(width="180px"),
        ),
        "activation": w.Dropdown(
            options=["tanh", "sigmoid", "relu"],
            value="tanh",
            description="f",
            layout=w.Layout(width="160px"),
        ),
        "depth": w.IntSlider(
            value=2,
            min=1,
            max=6,
            description="hidden layers",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
        "units": w.IntSlider(value=6, min=1, max=8, description="units", continuous_update=False),
        "lr": slider("learning rate", 0.5, 0, 3, 0.05),
        "steps": w.IntSlider(
            value=300, min=1, max=2000, step=50, description="steps", continuous_update=False
        ),
    }
    live = LiveExplorer(controls, playground_values, _playground_draw, _playground_readout)
    strip = None
    if kernel_free_strip:
        ks = [0, 10, 25, 50, 100, 200, 400, 800]
        renders = {  # one figure per network, redrawn along its training
            option: frames(
                functools.partial(
                    playground_values,
                    "circles",
                    units=6,
                    lr=0.5,
                    steps=ks[-1],
                    checkpoints=ks,
                    **cfg,
                ),
                _playground_draw,
                _playground_readout,
            )
            for option, cfg in _PLAYGROUND_CONFIGS.items()
        }

        def render(k, option):
            return renders[option](k=k)

        strip = kernel_free(
            render, ks, description="training step", options=list(_PLAYGROUND_CONFIGS), play=True
        )
    return Explorer("Network playground", live, strip)
