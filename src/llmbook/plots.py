"""Pure figure functions: data in, a matplotlib Figure out.

The chapters' static figures and the interactive explorers both call these, so
a picture is drawn by one piece of code wherever it appears. None of them
computes mathematics of its own: the values come from the tested modules.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import activations

__all__ = ["activation_figure", "loss_curve_figure"]


def activation_figure(names=("sigmoid", "tanh", "relu"), z=None, marks=None):
    r"""Each activation :math:`f(z)` (top row) and its derivative :math:`f'(z)` (bottom row).

    Args:
        names: activation names known to :func:`llmbook.activations.get`.
        z: the grid of inputs, 1-D (default 401 points on [-6, 6]).
        marks: optional mapping name -> z value to mark with a dot on both curves.
    Returns:
        a :class:`matplotlib.figure.Figure` with ``2 * len(names)`` axes.
    """
    z = np.linspace(-6, 6, 401) if z is None else np.asarray(z, dtype=float)
    marks = marks or {}
    fig, axes = plt.subplots(
        2, len(names), figsize=(3.2 * len(names), 4.8), squeeze=False, sharex=True
    )
    for j, name in enumerate(names):
        f, f_grad = activations.get(name)
        top, bottom = axes[0, j], axes[1, j]
        top.plot(z, f(z), color="C0")
        bottom.plot(z, f_grad(z), color="C1")
        top.set_title(name)
        if name in marks:
            z0 = marks[name]
            top.plot([z0], [f(z0)], "o", color="C3")
            bottom.plot([z0], [f_grad(z0)], "o", color="C3")
        for ax in (top, bottom):
            ax.axhline(0, color="0.8", lw=0.8)
            ax.axvline(0, color="0.8", lw=0.8)
        bottom.set_xlabel("z")
    axes[0, 0].set_ylabel("f(z)")
    axes[1, 0].set_ylabel("f'(z)")
    fig.tight_layout()
    return fig


def loss_curve_figure(loss_values, title="Loss during training", xlabel="step", log=False):
    """A line plot of a sequence of loss values.

    Args:
        loss_values: 1-D sequence of numbers.
        title, xlabel: labels.
        log: use a logarithmic y axis.
    Returns:
        a :class:`matplotlib.figure.Figure`.
    """
    values = np.asarray(loss_values, dtype=float)
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(np.arange(len(values)), values, marker="." if len(values) < 60 else None)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    fig.tight_layout()
    return fig
