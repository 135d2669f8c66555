r"""Figures of one neuron (chapters 2-4): activations, losses, a neuron's training.

The explorers' figures here (``*_figure`` with an ``update_*`` partner that moves the same
figure's artists in place, ``set_data`` on lines and markers) are standalone
:class:`matplotlib.figure.Figure` objects; the artists to move are kept in
``fig.llmbook_artists``.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ._base import artists as _artists
from ._base import new_figure
from ._base import static_changed as _static_changed

__all__ = [
    "activation_figure",
    "activation_panels_figure",
    "loss_comparison_figure",
    "loss_curve_figure",
    "training_figure",
    "update_activation_panels",
    "update_loss_comparison",
    "update_training",
]


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
    fig = new_figure((3.2 * len(names), 4.8))
    axes = fig.subplots(2, len(names), squeeze=False, sharex=True)
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
    fig = new_figure((5.5, 3.2))
    ax = fig.subplots()
    ax.plot(np.arange(len(values)), values, marker="." if len(values) < 60 else None)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    fig.tight_layout()
    return fig


def _z_grid(z0, half_width=8.0, n=401):
    """A grid of inputs covering [-half_width, half_width] and the point ``z0``."""
    lo, hi = min(-half_width, z0 - 1.0), max(half_width, z0 + 1.0)
    return np.linspace(lo, hi, n)


def _shade(ax, z, mask, old=None):
    if old is not None:
        old.remove()
    return ax.fill_between(
        z, 0, 1, where=mask, transform=ax.get_xaxis_transform(), color="C7", alpha=0.18, lw=0
    )


def activation_panels_figure(names=("sigmoid", "tanh", "relu"), z=1.3, threshold=0.01, dpi=80):
    r"""Each activation :math:`f` (top) and :math:`f'` (bottom), the point ``z`` marked, saturation shaded.

    The shaded band is where :math:`f'(z) <` ``threshold``: a neuron there passes back
    almost no gradient (for ReLU: exactly none, for :math:`z \le 0`).

    Args:
        names: activation names known to :func:`llmbook.activations.get`.
        z: the marked input (the grid widens to include it).
        threshold: the derivative below which the curve counts as saturated.
        dpi: resolution of the figure.
    Returns:
        a :class:`matplotlib.figure.Figure` with ``2 * len(names)`` axes; redraw it for
        new values with :func:`update_activation_panels`.
    """
    fig = new_figure((2.6 * len(names) + 0.6, 3.6), dpi, pyplot=False)
    axes = fig.subplots(2, len(names), squeeze=False)
    art = {"names": tuple(names), "cols": [], "dynamic": []}
    for j in range(len(names)):
        top, bottom = axes[0, j], axes[1, j]
        col = {
            "f": top.plot([], [], color="C0")[0],
            "g": bottom.plot([], [], color="C1")[0],
            "fp": top.plot([], [], "o", color="C3", ms=6)[0],
            "gp": bottom.plot([], [], "o", color="C3", ms=6)[0],
            "top": top,
            "bottom": bottom,
            "shade": [None, None],
        }
        for ax in (top, bottom):
            ax.axhline(0, color="0.8", lw=0.8)
            ax.axvline(0, color="0.8", lw=0.8)
            ax.tick_params(labelsize=8)
        bottom.set_xlabel("z", fontsize=9)
        art["cols"].append(col)
    axes[0, 0].set_ylabel("f(z)", fontsize=9)
    axes[1, 0].set_ylabel("f'(z)", fontsize=9)
    fig.llmbook_artists = art
    update_activation_panels(fig, z, threshold, names=names)
    fig.tight_layout(pad=0.4, h_pad=0.2, w_pad=0.6)
    return fig


def update_activation_panels(fig, z, threshold=0.01, names=None):
    """Move the marked point of :func:`activation_panels_figure` to ``z`` (and change the curves).

    Args:
        fig: a figure made by :func:`activation_panels_figure`.
        z: the new input.
        threshold: the saturation threshold on :math:`f'`.
        names: new activation names, one per column (default: keep them).
    Returns:
        ``fig``.
    """
    art = _artists(fig)
    names = art["names"] if names is None else tuple(names)
    if len(names) != len(art["cols"]):
        raise ValueError(f"names must give {len(art['cols'])} activations, got {len(names)}")
    z, threshold = float(z), float(threshold)
    lo, hi = _z_grid(z)[[0, -1]]
    old = art.get("span")
    if old is not None and max(hi - lo, old[1] - old[0]) <= 24.0:
        # Within a slider's reach the grid only widens: moving z back and forth keeps
        # the axes (and their ticks) still, so only the curves and points are redrawn.
        lo, hi = min(lo, old[0]), max(hi, old[1])
    art["span"] = (lo, hi)
    grid = np.linspace(lo, hi, 401)
    rebuild = _static_changed(art, (names, lo, hi))
    reshade = rebuild or art.get("threshold") != threshold
    art["threshold"] = threshold
    for name, col in zip(names, art["cols"], strict=True):
        f, f_grad = activations.get(name)
        if reshade:
            fz, gz = f(grid), f_grad(grid)
            col["f"].set_data(grid, fz)
            col["g"].set_data(grid, gz)
            mask = gz < threshold
            col["shade"][0] = _shade(col["top"], grid, mask, col["shade"][0])
            col["shade"][1] = _shade(col["bottom"], grid, mask, col["shade"][1])
        if rebuild:
            for ax, values in ((col["top"], fz), (col["bottom"], gz)):
                ax.set_xlim(grid[0], grid[-1])
                lo_v, hi_v = float(values.min()), float(values.max())
                pad = 0.08 * (hi_v - lo_v) if hi_v > lo_v else 0.5
                ax.set_ylim(min(lo_v, 0.0) - pad, hi_v + pad)
        col["fp"].set_data([z], [f(z)])
        col["gp"].set_data([z], [f_grad(z)])
        col["top"].set_title(f"{name}({z:.3g}) = {float(f(z)):.4g}", fontsize=9)
        col["bottom"].set_title(f"{name}'({z:.3g}) = {float(f_grad(z)):.4g}", fontsize=9)
    # Redrawn on every update, in this order: shading, curves, points, titles.
    art["dynamic"] = [
        *(a for col in art["cols"] for a in col["shade"]),
        *(col[k] for col in art["cols"] for k in ("f", "g", "fp", "gp")),
        *(ax.title for col in art["cols"] for ax in (col["top"], col["bottom"])),
    ]
    art["names"] = names
    return fig


def loss_comparison_figure(z_grid, curves, z, point, y_true, dpi=80):
    r"""Two losses of a sigmoid output :math:`p = \sigma(z)` (left) and their gradients :math:`\partial L/\partial z` (right).

    Args:
        z_grid: the logits of the curves, shape ``(n,)``.
        curves: mapping loss label -> ``(L, dL_dz)``, two arrays of shape ``(n,)`` each.
        z: the marked logit.
        point: mapping loss label -> ``(L, dL_dz)`` at ``z``.
        y_true: the target, shown in the title.
        dpi: resolution.
    Returns:
        a :class:`matplotlib.figure.Figure`; redraw with :func:`update_loss_comparison`.
    """
    fig = new_figure((7.6, 3.0), dpi, pyplot=False)
    left, right = fig.subplots(1, 2)
    art = {"left": left, "right": right, "lines": {}, "dynamic": [left.title, right.title]}
    for i, label in enumerate(curves):
        c = f"C{i}"
        art["lines"][label] = (
            left.plot([], [], color=c, label=label)[0],
            right.plot([], [], color=c, label=label)[0],
            left.plot([], [], "o", color=c, ms=6)[0],
            right.plot([], [], "o", color=c, ms=6)[0],
        )
        art["dynamic"] += art["lines"][label][2:]
    for ax in (left, right):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_xlabel("logit z   (prediction p = σ(z))", fontsize=9)
        ax.tick_params(labelsize=8)
    left.set_ylabel("loss L", fontsize=9)
    right.set_ylabel("gradient ∂L/∂z", fontsize=9)
    left.legend(fontsize=8, loc="upper center")
    fig.llmbook_artists = art
    update_loss_comparison(fig, z_grid, curves, z, point, y_true)
    fig.tight_layout(pad=0.4)
    return fig


def update_loss_comparison(fig, z_grid, curves, z, point, y_true):
    """Redraw :func:`loss_comparison_figure` in place; arguments as there."""
    art = _artists(fig)
    z_grid = np.asarray(z_grid, dtype=float)
    arrays = [np.asarray(a, dtype=float) for label in curves for a in curves[label]]
    rebuild = _static_changed(art, (tuple(curves), z_grid, *arrays))
    for label in curves:
        line_l, line_r, dot_l, dot_r = art["lines"][label]
        if rebuild:
            loss, grad = curves[label]
            line_l.set_data(z_grid, loss)
            line_r.set_data(z_grid, grad)
        dot_l.set_data([z], [point[label][0]])
        dot_r.set_data([z], [point[label][1]])
    for ax, k in ((art["left"], 0), (art["right"], 1)) if rebuild else ():
        values = np.concatenate([np.asarray(curves[label][k], dtype=float) for label in curves])
        values = values[np.isfinite(values)]
        lo, hi = float(values.min()), float(values.max())
        pad = 0.08 * (hi - lo) if hi > lo else 0.5
        ax.set_xlim(z_grid[0], z_grid[-1])
        ax.set_ylim(min(lo, 0.0) - pad, hi + pad)
    art["left"].set_title(f"target y = {y_true:g},  p = σ({z:.3g})", fontsize=9)
    art["right"].set_title(
        "  ".join(f"{label}: {point[label][1]:+.3g}" for label in curves), fontsize=9
    )
    return fig


def training_figure(losses, outputs, y_true, k=0, dpi=80):
    r"""A run of gradient descent on one neuron: the loss (log scale) and the output :math:`y` per step, step ``k`` marked.

    Args:
        losses: the loss before each update, shape ``(n,)``.
        outputs: the neuron's output before each update, shape ``(n,)``.
        y_true: the target, drawn as a dashed line.
        k: the marked step, ``0 <= k < n``.
        dpi: resolution.
    Returns:
        a :class:`matplotlib.figure.Figure`; redraw with :func:`update_training`.
    """
    fig = new_figure((7.6, 2.8), dpi, pyplot=False)
    left, right = fig.subplots(1, 2)
    art = {
        "left": left,
        "right": right,
        "loss": left.plot([], [], color="C0")[0],
        "loss_k": left.plot([], [], "o", color="C3", ms=6)[0],
        "y": right.plot([], [], color="C2")[0],
        "y_k": right.plot([], [], "o", color="C3", ms=6)[0],
        "target": right.axhline(0, color="0.4", ls="--", lw=1),
    }
    art["dynamic"] = [art["loss_k"], art["y_k"], left.title, right.title]
    left.set_xlabel("step", fontsize=9)
    right.set_xlabel("step", fontsize=9)
    left.set_ylabel("loss L", fontsize=9)
    right.set_ylabel("output y", fontsize=9)
    left.set_yscale("log")
    for ax in (left, right):
        ax.tick_params(labelsize=8)
    fig.llmbook_artists = art
    update_training(fig, losses, outputs, y_true, k)
    fig.tight_layout(pad=0.4)
    return fig


def update_training(fig, losses, outputs, y_true, k):
    """Redraw :func:`training_figure` in place; arguments as there."""
    art = _artists(fig)
    losses = np.asarray(losses, dtype=float)
    outputs = np.asarray(outputs, dtype=float)
    if not 0 <= k < len(losses):
        raise ValueError(f"k must be in [0, {len(losses) - 1}], got {k}")
    art["loss_k"].set_data([k], [losses[k]])
    art["y_k"].set_data([k], [outputs[k]])
    left, right = art["left"], art["right"]
    if _static_changed(art, (losses, outputs, float(y_true))):
        steps = np.arange(len(losses))
        art["loss"].set_data(steps, losses)
        art["y"].set_data(steps, outputs)
        art["target"].set_ydata([y_true, y_true])
        xmax = max(len(losses) - 1, 1)
        left.set_xlim(-0.02 * xmax, 1.02 * xmax)
        right.set_xlim(-0.02 * xmax, 1.02 * xmax)
        positive = losses[losses > 0]
        lo, hi = (float(positive.min()), float(positive.max())) if positive.size else (1e-3, 1.0)
        left.set_ylim(lo / 1.5, hi * 1.5 if hi > lo else lo * 10)
        ys = np.concatenate([outputs, [y_true]])
        pad = 0.08 * (ys.max() - ys.min()) if ys.max() > ys.min() else 0.1
        right.set_ylim(ys.min() - pad, ys.max() + pad)
    left.set_title(f"step {k}: L = {losses[k]:.4g}", fontsize=9)
    right.set_title(f"step {k}: y = {outputs[k]:.4f}  (target {y_true:g})", fontsize=9)
    return fig
